/// When each entry that a refreshing load stored is due for a background refresh, by slot: one
/// `Int64` a slot, allocated on the first refreshing store, so that a cache that never refreshes
/// holds no memory for it and a hit reads its slot's deadline without hashing.
///
/// Guarded by: the shard's lock for writes; readers of the shard read ``deadline(of:)`` side by
/// side while no writer is active, as they read the table.
///
/// - Complexity: every operation O(1), amortized where the storage grows with the highest slot.
@usableFromInline
struct RefreshDeadlines: ~Copyable {
    // Memory: `_deadlines` points to `_count` initialized elements, allocated and freed here.

    /// The value of a slot without a deadline.
    @usableFromInline static var none: Int64 { .min }
    /// The value of a slot whose refresh is running.
    @usableFromInline static var running: Int64 { .max }

    @usableFromInline var _deadlines: UnsafeMutablePointer<Int64>?
    @usableFromInline var _count = 0

    /// None: nothing allocated.
    @inlinable
    init() {}

    @inlinable
    deinit {
        _deadlines?.deallocate()
    }

    /// The deadline of `slot`: ``none``, ``running``, or a time in the clock's nanoseconds.
    @inlinable @inline(__always)
    func deadline(of slot: SlotIndex) -> Int64 {
        let index = Int(slot)
        guard index < _count else { return Self.none }
        return _deadlines.unsafelyUnwrapped[index]
    }

    /// Gives `slot` its `deadline` (or ``running``).
    mutating func setDeadline(_ deadline: Int64, of slot: SlotIndex) {
        let index = Int(slot)
        if index >= _count { grow(toInclude: index) }
        _deadlines.unsafelyUnwrapped[index] = deadline
    }

    /// Forgets the deadline of `slot`, whose entry leaves or gets a value from another write.
    ///
    /// - Complexity: O(1): one comparison in a cache that never refreshes.
    @inlinable @inline(__always)
    mutating func clear(_ slot: SlotIndex) {
        let index = Int(slot)
        if index < _count { _deadlines.unsafelyUnwrapped[index] = Self.none }
    }

    /// Forgets every deadline, keeping the storage.
    ///
    /// - Complexity: O(slots).
    @usableFromInline
    mutating func removeAll() {
        _deadlines?.update(repeating: Self.none, count: _count)
    }

    /// The slots that have a deadline (or a refresh running); O(slots), for tests and invariants.
    var scheduledSlots: [SlotIndex] {
        (0..<_count).compactMap { _deadlines.unsafelyUnwrapped[$0] == Self.none ? nil : SlotIndex($0) }
    }

    /// Extends the storage with slots without a deadline, up to and including `index`.
    private mutating func grow(toInclude index: Int) {
        let grownCount = max(index + 1, 2 * _count, 64)
        let grown = UnsafeMutablePointer<Int64>.allocate(capacity: grownCount)
        if let deadlines = _deadlines {
            grown.moveInitialize(from: deadlines, count: _count)
            deadlines.deallocate()
        }
        (grown + _count).initialize(repeating: Self.none, count: grownCount - _count)
        _deadlines = grown
        _count = grownCount
    }
}
