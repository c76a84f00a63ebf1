import Dispatch
import Synchronization
import Testing

@testable import Theine

/// The shard's read path: reads that take no lock, hits kept in lossy rings and drained in order.
@Suite(.tags(.invariants, .concurrency))
struct CacheShardTests {
    @Test(arguments: EvictionPolicy.allPolicies)
    func reads_goOn_whileADrainerHoldsTheLock_andEveryHitIsCounted(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy, admissionSeed: 1)
        for key in 0..<100 { cache.set(key, key * 10) }
        let shard = cache._shards[0]
        // What a drainer holds while it hands hits to the policy: readers must not wait for it, and
        // their rings fill and drop hits for the policy, but never for the stats.
        let locked = shard._lock.tryLockForDraining()
        #expect(locked)
        let reads = 1_000
        let wrongValues = LockedState(0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for read in 0..<reads where cache.get(read % 100) != (read % 100) * 10 {
                wrongValues.withLock { $0 += 1 }
            }
            _ = cache.get(-1)
            done.signal()
        }
        let finishedWhileHeld = done.wait(timeout: .now() + .seconds(60)) == .success
        shard._lock.unlockDraining()
        if !finishedWhileHeld { done.wait() }
        #expect(finishedWhileHeld, "reads waited for the lock")
        #expect(wrongValues.withLock { $0 } == 0)
        let stats = cache.stats()
        #expect(stats.hitCount == reads)
        #expect(stats.missCount == 1)
        cache.checkInvariants()
    }

    @Test func oneThread_hitsReachThePolicyInOrder_acrossManyDrains() {
        // Exact LRU through the read rings: reads far beyond a ring's capacity, then insertions,
        // each of which must evict the key least recently read.
        let capacity = 64
        let cache = Cache<Int, Int>(capacity: capacity, policy: .lru, admissionSeed: 1)
        var recency = Array(0..<capacity)  // least recent first
        for key in recency { cache.set(key, key) }
        var random = SplitMix64(seed: 7)
        for _ in 0..<(ReadStripe.capacity * 20 + 5) {
            let key = Int(random.next() % UInt64(capacity))
            #expect(cache.get(key) == key)
            recency.removeAll { $0 == key }
            recency.append(key)
        }
        for newKey in capacity..<(capacity + 10) {
            let expectedVictim = recency.removeFirst()
            cache.set(newKey, newKey)
            recency.append(newKey)
            #expect(!cache.containsQuietly(expectedVictim), "inserting \(newKey) should evict \(expectedVictim)")
            #expect(cache.count == capacity)
        }
        for key in recency { #expect(cache.containsQuietly(key)) }
    }

    @Test func aReaderWhoseRingNobodyDrains_takesOverTheDraining() {
        let cache = Cache<Int, Int>(capacity: 64, policy: .lru, admissionSeed: 1)
        for key in 0..<64 { cache.set(key, key) }
        // This thread drains first, so it becomes the shard's draining reader; then it stops.
        for read in 0..<(2 * ReadStripe.capacity) { _ = cache.get(read % 64) }
        let shard = cache._shards[0]
        let kept = LockedState((stripe: 0, count: 0))
        runOnThreads(1) { _ in
            // Another thread reads on: its ring fills, and once it has dropped four rings' worth of
            // hits that nobody drained, it drains them itself and keeps recording.
            for read in 0..<(20 * ReadStripe.capacity) { _ = cache.get(read % 32) }
            let stripe = shard.stripeIndex(ofThread: ThreadNumber.current)
            kept.withLock { $0 = (stripe, shard._stripes[stripe].tail.load(ordering: .relaxed)) }
        }
        let (stripe, keptCount) = kept.withLock { $0 }
        #expect(keptCount > 2 * ReadStripe.capacity, "stripe \(stripe) kept only \(keptCount) hits")
        #expect(cache.stats().hitCount == 22 * ReadStripe.capacity)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func manyThreadsReadingHotKeys_countEveryHit_andKeepInvariants(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: policy, admissionSeed: 3)
        for key in 0..<1_000 { cache.set(key, key) }
        let threads = 8
        let readsPerThread = 20_000
        let misses = LockedState(0)
        runOnThreads(threads) { thread in
            var random = SplitMix64(seed: UInt64(thread))
            var missed = 0
            for _ in 0..<readsPerThread {
                // Half the reads on eight hot keys, so that rings fill and drop under contention.
                let key = random.next() % 2 == 0 ? Int(random.next() % 8) : Int(random.next() % 1_100)
                if let value = cache.get(key) {
                    precondition(value == key, "key \(key) read \(value)")
                } else {
                    missed += 1
                }
            }
            misses.withLock { $0 += missed }
        }
        let stats = cache.stats()
        #expect(stats.requestCount == threads * readsPerThread)
        #expect(stats.missCount == misses.withLock { $0 })
        cache.checkInvariants()
    }
}
