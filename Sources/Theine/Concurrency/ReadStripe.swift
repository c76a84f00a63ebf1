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
/// A shard has two kinds of stripe (``CacheShard``). An *owned* stripe belongs to one thread (by
/// its ``ThreadNumber``), which alone writes its counters and ring: it updates them with plain
/// loads and stores, and enters with the one atomic read-modify-write that the writer's handshake
/// needs. A *shared* stripe serves the threads numbered beyond the owned stripes, several at once:
/// every update is an atomic read-modify-write. Either way, two threads reading at once mostly
/// write to different cache lines, which is what lets reads scale with threads.
///
/// The buffer is a lossy ring, as Caffeine's read buffers are: a hit takes the position `tail`
/// only while fewer than ``capacity`` slots wait (on a shared stripe, by compare-and-swap), then
/// stores its slot there; a hit that finds the ring full, or loses the swap to another thread on
/// the same stripe, is counted in `dropped` and not kept. Dropping loses one access for the
/// policy's ordering, never an entry or a count: the hits are `tail + dropped`. One drainer at a
/// time (holding the shard's lock) hands the slots to the policy from `head`, in order, while
/// readers go on reading, and stops at a reserved position whose slot is not stored yet.
///
/// Thread-safety: every field is an atomic, written by the drainer (`head`, `droppedAtDrain`),
/// by the owner alone (an owned stripe's other fields) or by atomic read-modify-writes (a shared
/// stripe's). Stripes live side by side in raw memory owned by the shard, so a reader reaches its
/// stripe without reference counting.
@usableFromInline
struct ReadStripe: ~Copyable {
    /// Slots the ring holds: a power of two.
    @usableFromInline static let capacity = 32

    /// The alignment of each ring: a cache line (64 bytes on x86-64 and most ARM cores).
    static let cacheLineSize = 64

    /// Owned stripes per shard: one per processor, rounded up to a power of two (at most 64), so
    /// that threads up to the processor count each have their own. A shard has as many shared
    /// stripes again.
    static let ownedCountPerShard: Int = {
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

    /// Counts the caller in, before it reads the shard: sequentially consistent, for the
    /// handshake with a writer, who raises its flag and then reads every stripe's count.
    ///
    /// - Complexity: O(1): one atomic increment.
    @inlinable @inline(__always)
    func enter() {
        readers.wrappingAdd(1, ordering: .sequentiallyConsistent)
    }

    /// Counts the caller out, releasing its reads of the shard to the writer that waits for them.
    /// On an owned stripe, a plain store: the owner is the only one that changes the count.
    @inlinable @inline(__always)
    func leave(isOwned: Bool) {
        if isOwned {
            readers.store(readers.load(ordering: .relaxed) &- 1, ordering: .releasing)
        } else {
            readers.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// Counts a lookup that found no live entry.
    @inlinable @inline(__always)
    func recordMiss(isOwned: Bool) {
        Self.increment(misses, isOwned: isOwned)
    }

    /// Counts a hit on `slot` and keeps the slot for the policy if the ring has room. Call only
    /// while counted in `readers`.
    ///
    /// - Returns: whether the ring is full, so the caller should try to drain the shard.
    /// - Complexity: O(1), on lines this thread mostly owns: on an owned stripe, a store of the
    ///   slot and of the tail; on a shared one, a compare-and-swap and a store.
    @inlinable @inline(__always)
    func recordHit(_ slot: SlotIndex, isOwned: Bool) -> Bool {
        let position = tail.load(ordering: .relaxed)
        let waiting = position - head.load(ordering: .acquiring)
        guard waiting < Self.capacity,
            isOwned || tail.compareExchange(expected: position, desired: position + 1, ordering: .relaxed).exchanged
        else {
            Self.increment(dropped, isOwned: isOwned)
            return waiting >= Self.capacity
        }
        let stored = UInt32(bitPattern: slot) &+ 1
        if isOwned {
            // The slot first, then the tail that publishes it: a drainer reads up to the tail.
            _ring[position & (Self.capacity - 1)].store(stored, ordering: .relaxed)
            tail.store(position + 1, ordering: .releasing)
        } else {
            _ring[position & (Self.capacity - 1)].store(stored, ordering: .releasing)
        }
        return waiting + 1 >= Self.capacity
    }

    /// Adds one to `counter`: by load and store where only the owner writes it.
    @inlinable @inline(__always)
    static func increment(_ counter: borrowing Atomic<Int>, isOwned: Bool) {
        if isOwned {
            counter.store(counter.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        } else {
            counter.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Moves the stored slots, oldest first, into `slots` (room for ``capacity``), up to the first
    /// position reserved but not yet stored, and returns how many. Call only while holding the
    /// shard's lock (one drainer at a time); readers may be recording meanwhile. With no reader
    /// inside, it empties the ring.
    ///
    /// An empty ring with no new drops is left unwritten: every write drains every stripe, and a
    /// store would pull the stripe's line away from its reader (or from the last writer's core).
    ///
    /// - Complexity: O(slots moved).
    @inlinable
    func drain(into slots: UnsafeMutablePointer<SlotIndex>) -> Int {
        let start = head.load(ordering: .relaxed)
        let end = tail.load(ordering: .acquiring)
        let droppedNow = dropped.load(ordering: .relaxed)
        if droppedNow != droppedAtDrain.load(ordering: .relaxed) {
            droppedAtDrain.store(droppedNow, ordering: .relaxed)
        }
        guard end != start else { return 0 }
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
        return position - start
    }
}
