import Testing

@testable import Theine

@Suite(.tags(.concurrency, .invariants))
struct ResizeTests {
    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func shrinking_evictsDownAtOnce_notifyingEachEviction(policy: EvictionPolicy, shardCount: Int) {
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 1_000, policy: policy, shardCount: shardCount, onRemoval: departed.record)
        for key in 0..<3_000 {
            cache.set(key, key)
            _ = cache.get(key / 2)
        }
        let evictedBefore = cache.stats().evictionCount
        let countBefore = cache.count
        cache.resize(to: 100)
        #expect(cache.capacity == 100)
        #expect(cache.count == 100)
        #expect(cache.stats().evictionCount - evictedBefore == countBefore - 100)
        let evictions = departed.all.filter { $0.cause == .evicted }
        #expect(evictions.count == cache.stats().evictionCount)
        cache.checkInvariants()
        // It stays within the new capacity as entries keep coming.
        for key in 3_000..<4_000 { cache.set(key, key) }
        #expect(cache.count == 100)
        cache.checkInvariants()
    }

    @Test func lru_shrinking_evictsTheLeastRecentlyUsed() {
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru)
        for key in 1...10 { cache.set(key, key) }
        _ = cache.get(1)
        cache.resize(to: 5)
        #expect(Set(cache.entries().map(\.key)) == [1, 7, 8, 9, 10])
    }

    /// Found by `ModelTests`: a Clock-Pro cache shrunk to exactly what it holds, all of it hot
    /// pages, evicts nothing then, but its next insertion needs a cold page to evict.
    @Test func clockPro_shrunkToItsHotPages_stillEvictsOnTheNextInsertion() {
        let cache = Cache<Int, Int>(capacity: 100, policy: .clockPro)
        // While filling, a page is hot as long as more than the minimum cold target stays free.
        for key in 0..<50 { cache.set(key, key) }
        cache.resize(to: 50)
        #expect(cache.count == 50)
        cache.set(50, 50)
        #expect(cache.count == 50)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func growing_letsTheCacheFillToTheNewCapacity(policy: EvictionPolicy, shardCount: Int) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy, shardCount: shardCount)
        for key in 0..<100 { cache.set(key, key) }
        cache.resize(to: 1_000)
        #expect(cache.capacity == 1_000)
        let evictedBefore = cache.stats().evictionCount
        for key in 100..<1_000 { cache.set(key, key) }
        // With shards, each fills to its share: keys do not spread exactly by shares.
        #expect(cache.count >= (shardCount == 1 ? 1_000 : 900))
        #expect(shardCount > 1 || cache.stats().evictionCount == evictedBefore)
        for key in 1_000..<5_000 { cache.set(key, key) }
        #expect(cache.count == 1_000)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func weightedCache_resizesItsMaximumWeight(policy: EvictionPolicy) {
        let departed = Departed()
        let cache = Cache<Int, Int>(
            maximumWeight: 1_000,
            weigher: { _, value in value },
            policy: policy,
            onRemoval: departed.record
        )
        for key in 0..<200 { cache.set(key, key % 10) }
        #expect(cache.totalWeight > 800)
        cache.resize(to: 100)
        #expect(cache.maximumWeight == 100)
        #expect(cache.maximumEntryWeight == 100)
        #expect(cache.capacity == Cache<Int, Int>.maximumCapacity)
        #expect(cache.totalWeight <= 100)
        #expect(!departed.all.isEmpty && departed.all.allSatisfy { $0.cause == .evicted })
        cache.checkInvariants()
        cache.resize(to: 5_000)
        for key in 200..<1_000 { cache.set(key, key % 10) }
        #expect(cache.totalWeight > 3_000)
        #expect(cache.totalWeight <= 5_000)
        cache.checkInvariants()
    }

    @Test func resizableBounds_runFromOneAShardToTheLimit() {
        #expect(Cache<Int, Int>(capacity: 1_000, shardCount: 4).resizableBounds == 4...Cache<Int, Int>.maximumCapacity)
        let weighted = Cache<Int, Int>(maximumWeight: 1_000, weigher: { _, _ in 1 })
        #expect(weighted.resizableBounds == 1...Cache<Int, Int>.maximumWeightLimit)
    }

    @Test func validatingResize_throwsOutsideTheBounds_andChangesNothing() throws {
        let cache = Cache<Int, Int>(capacity: 1_000, shardCount: 4)
        for key in 0..<100 { cache.set(key, key) }
        for bound in [0, 3, -1, Cache<Int, Int>.maximumCapacity + 1] {
            #expect(throws: CacheError.invalidResize(bound, allowed: 4...Cache<Int, Int>.maximumCapacity)) {
                try cache.validatingResize(to: bound)
            }
        }
        #expect(cache.capacity == 1_000)
        #expect(cache.count == 100)
        try cache.validatingResize(to: 4)
        #expect(cache.count == 4)
        #expect(
            CacheError.invalidResize(3, allowed: 4...10).description
                == "cannot resize the cache to 3: the new bound must be in 4...10"
        )
    }

    @Test func resize_outsideTheBounds_trapsNamingTheArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Cache<Int, Int>(capacity: 10).resize(to: 0)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("newBound must be in 1...2147483647, got 0"))
    }

    /// A replay that shrinks the cache half-way ends, once warm again, with the hit ratio of a
    /// cache created at the final size.
    @Test(.tags(.hitRatio), arguments: EvictionPolicy.allPolicies)
    func replay_resizedMidTrace_endsWithTheHitRatioOfTheFinalSize(policy: EvictionPolicy) {
        let seed = UInt64.random(in: 0...UInt64.max)
        let requests = Workloads.zipf(items: 50_000, count: 400_000, exponent: 0.9, seed: seed)
        let firstHalf = requests[..<200_000]
        let warmUp = requests[200_000..<250_000]
        let measured = Array(requests[250_000...])

        let resized = Cache<Int, Int>(capacity: 4_000, policy: policy)
        _ = Workloads.hits(replaying: Array(firstHalf), through: resized)
        resized.resize(to: 1_000)
        resized.checkInvariants()
        _ = Workloads.hits(replaying: Array(warmUp), through: resized)
        let resizedHits = Workloads.hits(replaying: measured, through: resized)

        let fixed = Cache<Int, Int>(capacity: 1_000, policy: policy)
        _ = Workloads.hits(replaying: Array(requests[..<250_000]), through: fixed)
        let fixedHits = Workloads.hits(replaying: measured, through: fixed)

        let difference = abs(Double(resizedHits - fixedHits)) / Double(measured.count) * 100
        #expect(difference <= 1, "seed \(seed): \(resizedHits) hits resized, \(fixedHits) created at 1,000")
        resized.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func resizesDuringReadsAndWrites_keepEveryShardWithinTheLastBound(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 2_000, policy: policy, shardCount: 4)
        let resizes = Counter()
        runOnThreads(4) { thread in
            if thread < 2 {
                for round in 0..<50 {
                    cache.resize(to: [200, 2_000, 50, 1_000][(round + thread) % 4])
                }
                resizes.increment()
                return
            }
            var key = thread
            while resizes.value < 2 {
                cache.set(key % 5_000, key)
                _ = cache.get((key / 3) % 5_000)
                key += 2
            }
        }
        cache.resize(to: 300)
        #expect(cache.count <= 300)
        for key in 0..<2_000 { cache.set(key, key) }
        #expect(cache.count == 300)
        cache.checkInvariants()
    }
}
