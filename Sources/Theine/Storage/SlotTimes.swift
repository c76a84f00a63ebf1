/// A time for some of the slots (a refresh deadline, the end of a TTL kept past): one `Int64` a
/// slot, allocated on the first ``setTime(_:of:)``, so that a cache that never sets one holds no
/// memory for it, and a hit reads its slot's time without hashing.
///
/// Guarded by: the shard's lock for writes; readers of the shard read ``time(of:)`` side by side
/// while no writer is active, as they read the table.
///
/// - Complexity: every operation O(1), amortized where the storage grows with the highest slot.
@usableFromInline
struct SlotTimes: ~Copyable {
    // Memory: `_times` points to `_count` initialized elements, allocated and freed here.

    /// The time of a slot that has none.
    @usableFromInline let vacant: Int64
    @usableFromInline var _times: UnsafeMutablePointer<Int64>?
    @usableFromInline var _count = 0

    /// No time for any slot, `vacant` standing for none; nothing allocated.
    @inlinable
    init(vacant: Int64) {
        self.vacant = vacant
    }

    @inlinable
    deinit {
        _times?.deallocate()
    }

    /// The time of `slot`, or ``vacant``.
    @inlinable @inline(__always)
    func time(of slot: SlotIndex) -> Int64 {
        let index = Int(slot)
        guard index < _count else { return vacant }
        return _times.unsafelyUnwrapped[index]
    }

    /// Gives `slot` its `time`.
    mutating func setTime(_ time: Int64, of slot: SlotIndex) {
        let index = Int(slot)
        if index >= _count { grow(toInclude: index) }
        _times.unsafelyUnwrapped[index] = time
    }

    /// Forgets the time of `slot`, whose entry leaves or gets a value from another write.
    ///
    /// - Complexity: O(1): one comparison while nothing is allocated.
    @inlinable @inline(__always)
    mutating func clear(_ slot: SlotIndex) {
        let index = Int(slot)
        if index < _count { _times.unsafelyUnwrapped[index] = vacant }
    }

    /// Forgets every time, keeping the storage.
    ///
    /// - Complexity: O(slots).
    @usableFromInline
    mutating func removeAll() {
        _times?.update(repeating: vacant, count: _count)
    }

    /// The slots that have a time; O(slots), for tests and invariants.
    var occupiedSlots: [SlotIndex] {
        (0..<_count).compactMap { _times.unsafelyUnwrapped[$0] == vacant ? nil : SlotIndex($0) }
    }

    /// Extends the storage with vacant slots, up to and including `index`.
    private mutating func grow(toInclude index: Int) {
        let grownCount = max(index + 1, 2 * _count, 64)
        let grown = UnsafeMutablePointer<Int64>.allocate(capacity: grownCount)
        if let times = _times {
            grown.moveInitialize(from: times, count: _count)
            times.deallocate()
        }
        (grown + _count).initialize(repeating: vacant, count: grownCount - _count)
        _times = grown
        _count = grownCount
    }
}
