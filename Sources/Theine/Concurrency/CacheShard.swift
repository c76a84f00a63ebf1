import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One shard of a cache: its ``CacheState`` behind a lock that many readers share and one writer
/// holds alone.
///
/// Reads (``get(_:hashValue:)``) do not take the lock: a reader counts itself in its thread's
/// ``ReadStripe``, checks that no writer is active, looks the key up, and records a hit in the
/// stripe's lossy ring instead of updating the policy. A reader that fills its ring drains every
/// ring into the policy if the lock is free (``ShardLock/tryLockForDraining()``, which leaves the
/// writer flag down), while other readers go on reading: a read never waits behind the policy's
/// bookkeeping of hits.
///
/// Everything else (writes, loads, stats, the ticker) takes exclusive access (``withLock(_:)``):
/// the lock with its writer flag (one atomic operation), then a wait until every stripe's reader
/// count is zero; it drains the rings first, so the policy sees every kept hit before any change,
/// in order, and a slot in a ring always holds the entry it was recorded for (only exclusive
/// access removes entries). A reader that finds a writer active, or an expired entry to remove, takes exclusive
/// access too: reads of a shard wait only behind a write to that shard, which is O(1).
///
/// The handshake is Dekker's: a reader increments its count, then reads the flag; a writer sets
/// the flag, then reads the counts; both sequentially consistent, so at least one sees the other.
///
/// Stripes: one owned by each of the threads numbered below ``ReadStripe/ownedCountPerShard``
/// (``ThreadNumber``: the lowest free number, so the first threads alive), whose reads take one
/// atomic read-modify-write; then as many shared ones, where the threads numbered beyond share a
/// stripe by the low bits of their number, with atomic updates throughout.
///
/// With one thread, every hit is kept and drained into the policy before the next write, in
/// order, so the policy's decisions are exactly those of a policy told of every hit at once. Under
/// contention a full ring drops hits for the policy (never for the stats), as Caffeine's do.
@usableFromInline
final class CacheShard<Key: Hashable, Value: Sendable>: @unchecked Sendable {
    // Guarded by: `_state` by the exclusive access, except the read-only lookups of `get` while
    // counted in a stripe with no writer active; `_lock` serializes writers and drainers; it and
    // the stripes' counters are atomics.

    @usableFromInline let _state: UnsafeMutablePointer<CacheState<Key, Value>>
    /// The stripe whose reader drained the rings last (−1: none yet): the one that drains them
    /// next, so that the policy's cache lines stay with one processor.
    @usableFromInline let _drainingStripe = Atomic<Int>(-1)
    /// The owned stripes (`0..<_ownedStripeCount`), then as many shared ones.
    @usableFromInline let _stripes: UnsafeMutablePointer<ReadStripe>
    @usableFromInline let _ownedStripeCount: Int
    @usableFromInline let _stripeCount: Int
    /// ``ThreadNumber/key``, copied here so that a read does not check that the static is set.
    @usableFromInline let _threadNumberKey = ThreadNumber.key
    /// Last, after the fields above that every read loads with its writer flag; its drainer flag
    /// is on another line.
    @usableFromInline let _lock = ShardLock()

    /// Creates a shard holding `state`, with `ownedStripeCount` owned read stripes (a power of
    /// two: one per processor) and as many shared ones.
    init(_ state: consuming CacheState<Key, Value>, ownedStripeCount: Int) {
        precondition(
            ownedStripeCount >= 1 && ownedStripeCount & (ownedStripeCount - 1) == 0,
            "ownedStripeCount must be a power of two, got \(ownedStripeCount)"
        )
        let stripeCount = 2 * ownedStripeCount
        _state = .allocate(capacity: 1)
        _state.initialize(to: state)
        _stripes = .allocate(capacity: stripeCount)
        for index in 0..<stripeCount {
            (_stripes + index).initialize(to: ReadStripe())
        }
        _ownedStripeCount = ownedStripeCount
        _stripeCount = stripeCount
    }

    deinit {
        _state.deinitialize(count: 1)
        _state.deallocate()
        _stripes.deinitialize(count: _stripeCount)
        _stripes.deallocate()
    }

    /// The value stored for `key`, or `nil`; counts a hit or a miss. An expired entry departs,
    /// handed to `settler` after unlocking (the cache: passed as an argument, not captured in a
    /// closure, which would retain it on every read).
    ///
    /// - Complexity: O(1): one hash of `key`; on the calling thread's stripe, an atomic increment
    ///   and stores if it owns the stripe, an atomic increment, a compare-and-swap and a decrement
    ///   if it shares it; no lock unless a writer is active or the entry has expired. When its
    ///   ring is full, the draining reader drains every ring (O(rings × 32)) if the lock is free.
    @inlinable
    func get(_ key: Key, hashValue: Int, settler: some DepartureSettling<Key, Value>) -> Value? {
        get(key, hashValue: hashValue, settler: settler, inspectingHit: { _, _, _ in false })?.value
    }

    /// ``get(_:hashValue:settler:)``, also answering what `inspectHit` says of the entry a hit
    /// found, given its slot, the clock's reading taken to check its TTL (or
    /// ``CacheState/timeNotRead``) and the state (read-only: other readers may be inside too). The
    /// refreshing `get` asks whether the entry is due for a refresh this way, in the same visit.
    @inlinable @inline(__always)
    func get(
        _ key: Key,
        hashValue: Int,
        settler: some DepartureSettling<Key, Value>,
        inspectingHit inspectHit: (SlotIndex, Int64, borrowing CacheState<Key, Value>) -> Bool
    ) -> (value: Value, isMarked: Bool)? {
        let stripeIndex = stripeIndex(ofThread: ThreadNumber.current(key: _threadNumberKey))
        let isOwned = stripeIndex < _ownedStripeCount
        let stripe = _stripes + stripeIndex
        stripe.pointee.enter()
        if !_lock.isWriterActive {
            switch CacheState.lookUp(key, hashValue: hashValue, in: _state) {
            case .hit(let slot, let value, let readAt):
                let isMarked = inspectHit(slot, readAt, _state.pointee)
                let isFull = stripe.pointee.recordHit(slot, isOwned: isOwned)
                stripe.pointee.leave(isOwned: isOwned)
                if isFull { considerDraining(from: stripeIndex) }
                return (value, isMarked)
            case .miss:
                stripe.pointee.recordMiss(isOwned: isOwned)
                stripe.pointee.leave(isOwned: isOwned)
                return nil
            case .expired:
                break
            }
        }
        stripe.pointee.leave(isOwned: isOwned)
        // A writer is active, or the entry expired and must leave: the exclusive path.
        return getExclusively(key, hashValue: hashValue, settler: settler, inspectingHit: inspectHit)
    }

    /// ``get(_:hashValue:settler:inspectingHit:)`` with exclusive access: when a writer was
    /// active, or to remove an expired entry.
    @inlinable
    func getExclusively(
        _ key: Key,
        hashValue: Int,
        settler: some DepartureSettling<Key, Value>,
        inspectingHit inspectHit: (SlotIndex, Int64, borrowing CacheState<Key, Value>) -> Bool
    ) -> (value: Value, isMarked: Bool)? {
        var departures = Departures<Key, Value>()
        let found = withLock { state -> (value: Value, isMarked: Bool)? in
            guard let (slot, value) = state.getEntry(key, hashValue: hashValue, departures: &departures) else {
                return nil
            }
            return (value, inspectHit(slot, CacheState<Key, Value>.timeNotRead, state))
        }
        settler._settle(departures)
        return found
    }

    /// The stripe of the thread numbered `thread`: its own below ``_ownedStripeCount``, else a
    /// shared one.
    @inlinable @inline(__always)
    func stripeIndex(ofThread thread: Int) -> Int {
        thread < _ownedStripeCount ? thread : _ownedStripeCount | (thread & (_ownedStripeCount - 1))
    }

    /// Runs `body` with exclusive access to the state, after draining the read buffers into the
    /// policy.
    ///
    /// `body` must not call back into this shard: the lock is not recursive.
    ///
    /// - Complexity: O(stripes) to wait for readers, plus O(buffered hits) to drain them.
    @inlinable
    func withLock<Result: ~Copyable>(_ body: (inout CacheState<Key, Value>) throws -> Result) rethrows -> Result {
        _lock.lockForWriting()
        beginExclusiveAccess()
        defer { endExclusiveAccess() }
        return try body(&_state.pointee)
    }

    /// The shard's stats: the state's counters plus the hits and misses its readers counted.
    ///
    /// - Complexity: O(stripes).
    func stats() -> CacheStats {
        withLock { state in
            var stats = state.stats
            for index in 0..<_stripeCount {
                stats.hitCount += _stripes[index].hitCount
                stats.missCount += _stripes[index].misses.load(ordering: .relaxed)
            }
            return stats
        }
    }

    /// Called by a reader whose ring is full: drains every ring into the policy if this reader's
    /// stripe is the one that drains (or none does yet, or its own ring has gone undrained for
    /// ``ReadStripe/capacity`` × 4 dropped hits) and the lock is free. Otherwise its hits are dropped
    /// for the policy until the draining reader, or a writer, empties its ring.
    ///
    /// One reader draining keeps the policy's cache lines on one processor, as Caffeine's single
    /// maintenance thread does; the other readers then cost a lookup each. With one thread, that
    /// thread drains every time, so nothing is dropped.
    @inlinable
    func considerDraining(from stripeIndex: Int) {
        let draining = _drainingStripe.load(ordering: .relaxed)
        guard
            draining == stripeIndex || draining < 0
                || _stripes[stripeIndex].droppedSinceDrain >= 4 * ReadStripe.capacity
        else { return }
        guard _lock.tryLockForDraining() else { return }
        if draining != stripeIndex { _drainingStripe.store(stripeIndex, ordering: .relaxed) }
        drainReadBuffers()
        _lock.unlockDraining()
    }

    /// With the lock held: hands the rings' slots to the policy. Touches only the policy and the
    /// rings, never the table that readers look up.
    @inlinable
    func drainReadBuffers() {
        withUnsafeTemporaryAllocation(of: SlotIndex.self, capacity: ReadStripe.capacity) { batch in
            for index in 0..<_stripeCount {
                let count = _stripes[index].drain(into: batch.baseAddress!)
                // The policy is loaded (and retained) only for a batch: a write usually finds the
                // rings empty.
                if count > 0 { _state.pointee._policy.recordAccesses(UnsafeBufferPointer(rebasing: batch[..<count])) }
            }
        }
    }

    /// With the lock held for writing: waits for the readers inside to leave, and drains their
    /// rings into the policy.
    @inlinable
    func beginExclusiveAccess() {
        for index in 0..<_stripeCount {
            var spins = 0
            // Sequentially consistent, as the compare-and-swap that raised the flag: Dekker's
            // handshake needs the flag visible before these loads. With acquire loads an ARM
            // processor may read a count before the flag is visible (acquire loads, `ldapr`, may
            // pass an earlier release), and both the writer and a reader would go on. On x86-64
            // the load is a plain `mov` either way.
            while _stripes[index].readers.load(ordering: .sequentiallyConsistent) != 0 {
                spins += 1
                // A reader is inside for a few hundred nanoseconds, unless it was preempted.
                if spins > 1_000 { sched_yield() }
            }
        }
        drainReadBuffers()
        _state.pointee.checkInvariantsIfEnabled()
    }

    /// Releases the lock and its writer flag.
    @inlinable @inline(__always)
    func endExclusiveAccess() {
        _lock.unlockWriting()
    }
}
