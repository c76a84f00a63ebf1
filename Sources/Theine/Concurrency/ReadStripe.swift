import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One stripe of a shard's read side: the count of readers inside the shard through this stripe,
/// the hits they recorded for the policy, and the misses they counted.
///
/// Each thread uses one stripe of every shard (``ThreadStripe``), so two threads reading at once
/// write to different cache lines: a read never writes a line that another thread's read writes,
/// which is what lets reads scale with threads.
///
/// The read buffer is lossy, as Caffeine's: a hit appends its slot at position `recorded`, which
/// counts every hit (so hit counts stay exact); the slot is kept only while fewer than
/// ``capacity`` positions are waiting to be drained, and dropped otherwise: a dropped slot loses one
/// access for the policy's ordering, never an entry. The buffer is drained in
/// position order under the shard's exclusive access, before any write, so a recorded slot always
/// still holds the entry it was recorded for.
///
/// Thread-safety: `readers`, `recorded` and `misses` are atomics any thread updates; `drained` and
/// the buffer's drained positions are written only under the shard's exclusive access, while no
/// reader is inside (the readers counts are all zero); a reader writes only the buffer position
/// that its increment of `recorded` reserved. Stripes live in raw memory owned by the shard, so a
/// reader reaches its stripe without reference counting.
@usableFromInline
struct ReadStripe: ~Copyable {
    /// Slots a stripe keeps between drains: a power of two.
    @usableFromInline static let capacity = 32

    /// Stripes per shard: one per processor, rounded up to a power of two (at most 64), so that
    /// threads up to the processor count each have their own.
    static let countPerShard: Int = {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return min(64, processors.roundedUpToPowerOfTwo)
    }()

    /// Readers inside the shard through this stripe.
    @usableFromInline let readers = Atomic<Int>(0)
    /// Hits recorded through this stripe since the shard was created: the next buffer position.
    @usableFromInline let recorded = Atomic<Int>(0)
    /// Positions below this have been drained into the policy (or dropped).
    @usableFromInline let drained = Atomic<Int>(0)
    /// Lookups through this stripe that found no live entry.
    @usableFromInline let misses = Atomic<Int>(0)
    /// The recorded slots, at `position % capacity`.
    @usableFromInline let _slots: UnsafeMutablePointer<SlotIndex>
    // Stripes lie side by side in one allocation: this keeps the next stripe's counters at least a
    // cache line away from this one's.
    private let _padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        _slots = .allocate(capacity: Self.capacity)
        _slots.initialize(repeating: 0, count: Self.capacity)
    }

    deinit {
        _slots.deallocate()
    }

    /// Counts a hit on `slot` and keeps the slot for the policy if the buffer has room. Call only
    /// while counted in `readers`.
    ///
    /// - Returns: whether the buffer is full, so the caller should try to drain the shard.
    /// - Complexity: O(1): one atomic increment and one store, on lines this thread owns.
    @inlinable @inline(__always)
    func recordHit(_ slot: SlotIndex) -> Bool {
        let position = recorded.add(1, ordering: .relaxed).oldValue
        let waiting = position - drained.load(ordering: .relaxed)
        if waiting < Self.capacity { _slots[position & (Self.capacity - 1)] = slot }
        return waiting >= Self.capacity - 1
    }

    /// Hands the kept slots, oldest first, to `body`, and empties the buffer. Call only under the
    /// shard's exclusive access (no reader inside).
    ///
    /// - Complexity: O(kept slots).
    @inlinable
    func drain(_ body: (SlotIndex) -> Void) {
        let end = recorded.load(ordering: .relaxed)
        let start = drained.load(ordering: .relaxed)
        guard end != start else { return }
        for position in start..<min(end, start + Self.capacity) {
            body(_slots[position & (Self.capacity - 1)])
        }
        drained.store(end, ordering: .relaxed)
    }
}

/// The stripe index of the calling thread: threads are numbered in the order they first read a
/// cache, so the first threads to read get distinct stripes.
///
/// - Complexity: O(1): a thread-specific value read (`pthread_getspecific`).
@usableFromInline
enum ThreadStripe {
    @usableFromInline static let key: pthread_key_t = {
        var key = pthread_key_t()
        let error = pthread_key_create(&key, nil)
        precondition(error == 0, "pthread_key_create failed: \(error)")
        return key
    }()

    private static let nextIndex = Atomic<Int>(0)

    /// The calling thread's number (stored plus one, as `nil` means "not numbered yet").
    @inlinable @inline(__always)
    static var current: Int {
        let stored = Int(bitPattern: pthread_getspecific(key))
        return stored != 0 ? stored - 1 : assignIndex()
    }

    @usableFromInline
    static func assignIndex() -> Int {
        let index = nextIndex.add(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: index + 1))
        return index
    }
}
