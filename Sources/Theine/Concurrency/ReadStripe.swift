import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One stripe of a shard's read side: the count of readers inside the shard through this stripe,
/// a bounded buffer of the hits they recorded for the policy, and their hit and miss counts.
///
/// Each thread uses one stripe of every shard (``ThreadStripe``), so two threads reading at once
/// write to different cache lines: a read never writes a line that another thread's read writes,
/// which is what lets reads scale with threads.
///
/// The buffer is a lossy ring, as Caffeine's read buffers are: a hit reserves the position `tail`
/// by compare-and-swap only while fewer than ``capacity`` slots wait, then stores its slot there;
/// a hit that finds the ring full, or loses the swap to another thread on the same stripe, is
/// counted in `dropped` and not kept. Dropping loses one access for the policy's ordering, never an
/// entry or a count: the hits are `tail + dropped`. One drainer at a time (holding the shard's
/// mutex) hands the slots to the policy from `head`, in order, while readers go on reading, and
/// stops at a reserved position whose slot is not stored yet.
///
/// Thread-safety: every field is an atomic or written only by the drainer. Stripes live side by
/// side in raw memory owned by the shard, so a reader reaches its stripe without reference
/// counting.
@usableFromInline
struct ReadStripe: ~Copyable {
    /// Slots the ring holds: a power of two.
    @usableFromInline static let capacity = 32

    /// The alignment of each ring: a cache line (64 bytes on x86-64 and most ARM cores).
    static let cacheLineSize = 64

    /// Stripes per shard: one per processor, rounded up to a power of two (at most 64), so that
    /// threads up to the processor count each have their own.
    static let countPerShard: Int = {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return min(64, processors.roundedUpToPowerOfTwo)
    }()

    /// Readers inside the shard through this stripe.
    @usableFromInline let readers = Atomic<Int>(0)
    /// The next position a hit reserves; also the number of hits kept since the shard was created.
    @usableFromInline let tail = Atomic<Int>(0)
    /// The next position to drain; written only by the drainer.
    @usableFromInline let head = Atomic<Int>(0)
    /// Hits counted but not kept for the policy.
    @usableFromInline let dropped = Atomic<Int>(0)
    /// Lookups through this stripe that found no live entry.
    @usableFromInline let misses = Atomic<Int>(0)
    /// `dropped` when the ring was last drained; written only by the drainer.
    @usableFromInline let droppedAtDrain = Atomic<Int>(0)
    /// The ring: at `position % capacity`, the slot plus one, or 0 where none is stored.
    @usableFromInline let _ring: UnsafeMutablePointer<Atomic<UInt32>>
    // Stripes lie side by side in one allocation: this keeps the next stripe's counters at least a
    // cache line away from this one's.
    private let _padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        // Whole cache lines of its own: two stripes' rings never share a line that both readers
        // write.
        let bytes = UnsafeMutableRawPointer.allocate(
            byteCount: Self.capacity * MemoryLayout<Atomic<UInt32>>.stride,
            alignment: Self.cacheLineSize
        )
        _ring = bytes.bindMemory(to: Atomic<UInt32>.self, capacity: Self.capacity)
        for index in 0..<Self.capacity {
            (_ring + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        _ring.deinitialize(count: Self.capacity)
        UnsafeMutableRawPointer(_ring).deallocate()
    }

    /// The hits counted through this stripe, kept or dropped.
    var hitCount: Int {
        tail.load(ordering: .relaxed) + dropped.load(ordering: .relaxed)
    }

    /// The hits dropped since the ring was last drained: many means nobody drains it.
    @inlinable
    var droppedSinceDrain: Int {
        dropped.load(ordering: .relaxed) - droppedAtDrain.load(ordering: .relaxed)
    }

    /// Counts a hit on `slot` and keeps the slot for the policy if the ring has room. Call only
    /// while counted in `readers`.
    ///
    /// - Returns: whether the ring is full, so the caller should try to drain the shard.
    /// - Complexity: O(1): a compare-and-swap and a store, on lines this thread owns.
    @inlinable @inline(__always)
    func recordHit(_ slot: SlotIndex) -> Bool {
        let position = tail.load(ordering: .relaxed)
        let waiting = position - head.load(ordering: .acquiring)
        guard waiting < Self.capacity,
            tail.compareExchange(expected: position, desired: position + 1, ordering: .relaxed).exchanged
        else {
            dropped.wrappingAdd(1, ordering: .relaxed)
            return waiting >= Self.capacity
        }
        _ring[position & (Self.capacity - 1)].store(UInt32(bitPattern: slot) &+ 1, ordering: .releasing)
        return waiting + 1 >= Self.capacity
    }

    /// Moves the stored slots, oldest first, into `slots` (room for ``capacity``), up to the first
    /// position reserved but not yet stored, and returns how many. Call only while holding the
    /// shard's mutex (one drainer at a time); readers may be recording meanwhile. With no reader
    /// inside, it empties the ring.
    ///
    /// - Complexity: O(slots moved).
    @inlinable
    func drain(into slots: UnsafeMutablePointer<SlotIndex>) -> Int {
        let start = head.load(ordering: .relaxed)
        let end = tail.load(ordering: .acquiring)
        var position = start
        while position < end {
            let element = _ring + (position & (Self.capacity - 1))
            let stored = element.pointee.load(ordering: .acquiring)
            guard stored != 0 else { break }
            element.pointee.store(0, ordering: .relaxed)
            slots[position - start] = SlotIndex(bitPattern: stored &- 1)
            position += 1
        }
        head.store(position, ordering: .releasing)
        droppedAtDrain.store(dropped.load(ordering: .relaxed), ordering: .relaxed)
        return position - start
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
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: index + 1))
        return index
    }
}
