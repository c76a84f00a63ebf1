import Testing

@testable import Theine

@Suite(.tags(.concurrency, .invariants))
struct PolicyOrderTests {
    static func makeClock() -> ManualCacheClock { ManualCacheClock(now: .seconds(1_000)) }

    @Test func lru_coldestIsLeastRecentlyUsedFirst_hottestTheReverse() {
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru)
        for key in 1...5 { cache.set(key, key * 10) }
        _ = cache.get(2)
        _ = cache.get(4)
        #expect(cache.coldest(5).map(\.key) == [1, 3, 5, 2, 4])
        #expect(cache.hottest(5).map(\.key) == [4, 2, 5, 3, 1])
        #expect(cache.coldest(2).map(\.key) == [1, 3])
        #expect(cache.hottest(1).map(\.value) == [40])
    }

    @Test func tinyLFU_coldestIsProbationThenWindowThenProtected() {
        let cache = Cache<Int, Int>(capacity: 100, policy: .tinyLFU)
        for key in 1...10 { cache.set(key, key) }
        // The window holds 1 entry (1% of 100): the others are in probation, where a hit promotes.
        _ = cache.get(3)
        _ = cache.get(5)
        #expect(cache.coldest(10).map(\.key) == [1, 2, 4, 6, 7, 8, 9, 10, 3, 5])
        #expect(cache.hottest(10).map(\.key) == [5, 3, 10, 9, 8, 7, 6, 4, 2, 1])
    }

    @Test func clockPro_coldestIsColdPagesFirst() {
        let cache = Cache<Int, Int>(capacity: 100, policy: .clockPro)
        // Filling, a page is hot while more than the minimum cold target (1 page) stays free: the
        // last page is cold.
        for key in 1...100 { cache.set(key, key) }
        #expect(cache.coldest(1).map(\.key) == [100])
        #expect(!cache.hottest(99).map(\.key).contains(100))
    }

    /// The first entry `coldest` gives is the one the next insertion evicts, where the policy's
    /// victim does not depend on frequencies.
    @Test(arguments: [EvictionPolicy.lru, .clockPro])
    func coldestFirst_isTheNextVictim(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy)
        for key in 1...100 { cache.set(key, key) }
        let coldest = cache.coldest(1)[0].key
        cache.set(101, 101)
        #expect(!cache.containsQuietly(coldest))
        #expect(cache.count == 100)
    }

    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func fullWalks_giveEveryLiveEntryOnce_hottestTheReverseOfColdest(policy: EvictionPolicy, shardCount: Int) {
        let cache = Cache<Int, Int>(capacity: 4_000, policy: policy, shardCount: shardCount)
        for key in 0..<6_000 {
            cache.set(key, -key)
            if key % 3 == 0 { _ = cache.get(key / 2) }
        }
        let count = cache.count
        let coldest = cache.coldest(count)
        let hottest = cache.hottest(count + 10)
        #expect(coldest.count == count)
        #expect(Set(coldest.map(\.key)).count == count)
        #expect(Set(coldest.map(\.key)) == Set(cache.entries().map(\.key)))
        #expect(coldest.allSatisfy { $0.value == -$0.key })
        if shardCount == 1 {
            #expect(hottest.map(\.key) == coldest.reversed().map(\.key))
        } else {
            #expect(Set(hottest.map(\.key)) == Set(coldest.map(\.key)))
        }
        cache.checkInvariants()
    }

    /// Each shard gives its first, then each its second: so the first `shardCount` entries are the
    /// coldest of each shard.
    @Test func shards_areMergedByRank() {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: .lru, shardCount: 4)
        for key in 0..<400 { cache.set(key, key) }
        var firstOfShard: [Int: Int] = [:]
        for key in 0..<400 {
            let shard = cache._layout.index(ofHashValue: hashValue(of: key))
            if firstOfShard[shard] == nil { firstOfShard[shard] = key }
        }
        let coldest = cache.coldest(4).map(\.key)
        #expect(coldest == (0..<4).map { firstOfShard[$0]! })
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func walks_countNoRequest_andRecordNoAccess(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy, shardCount: 1)
        for key in 1...100 { cache.set(key, key) }
        let before = cache.stats()
        let coldestBefore = cache.coldest(100).map(\.key)
        _ = cache.hottest(100)
        _ = cache.coldest(100)
        #expect(cache.stats() == before)
        #expect(cache.coldest(100).map(\.key) == coldestBefore)
    }

    @Test func expiredEntries_areLeftOut() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 100, policy: .lru, clock: clock)
        cache.set(1, 1)
        cache.set(2, 2, ttl: .seconds(5))
        cache.set(3, 3)
        clock.advance(by: .seconds(10))
        #expect(cache.coldest(10).map(\.key) == [1, 3])
        #expect(cache.hottest(10).map(\.key) == [3, 1])
    }

    @Test func limitZero_andEmptyCache_giveNothing() {
        let cache = Cache<Int, Int>(capacity: 100)
        #expect(cache.hottest(10).isEmpty)
        cache.set(1, 1)
        #expect(cache.coldest(0).isEmpty)
    }

    @Test func negativeLimit_trapsNamingTheArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Cache<Int, Int>(capacity: 10).coldest(-1)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("limit must not be negative, got -1"))
    }

    @Test func weightedCache_walksInItsPolicysOrder() {
        let cache = Cache<Int, Int>(maximumWeight: 1_000, weigher: { _, value in value }, policy: .lru)
        for key in 1...5 { cache.set(key, key) }
        _ = cache.get(1)
        #expect(cache.coldest(5).map(\.key) == [2, 3, 4, 5, 1])
    }

    /// The coldest-first walk of a one-shard LRU cache of keys 0..<3,000 (inserted in order), at
    /// most `limit` entries, with `change` run on the cache after its first batch; and the
    /// number of batches.
    private func coldestWalk(
        limit: Int,
        changingAfterTheFirstBatch change: (Cache<Int, Int>) -> Void
    ) -> (entries: [(key: Int, value: Int)], batches: Int) {
        let cache = Cache<Int, Int>(capacity: 10_000, policy: .lru, shardCount: 1)
        for key in 0..<3_000 { cache.set(key, key) }
        var batches = 0
        let entries = cache.entries(in: .coldestFirst, limit: limit) {
            batches += 1
            if batches == 1 { change(cache) }
        }
        return (entries, batches)
    }

    /// An entry given in the first batch and then used moves to a place the walk reaches later: it
    /// is not given again.
    @Test func entryMovedAheadOfTheWalk_isGivenOnce() {
        let (coldest, batches) = coldestWalk(limit: 4_000) { _ = $0.get(0) }
        #expect(batches == 3)
        #expect(coldest.count == 3_000)
        #expect(Set(coldest.map(\.key)).count == 3_000)
        #expect(coldest.first?.key == 0)
    }

    /// The walk's place (the last entry of the first batch) was removed between batches: the list
    /// is walked again from its start, giving no key twice.
    @Test func walkWhosePlaceWasRemoved_startsAgain_andGivesEachKeyOnce() {
        let (coldest, batches) = coldestWalk(limit: 3_000) { $0.remove(1_023) }
        #expect(batches == 4, "the first batch, the walk again over it, and two more")
        #expect(coldest.count == 3_000)
        #expect(coldest.map(\.key).elementsEqual(0..<3_000))
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func whileWritersChurn_walksGiveNoKeyTwice(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 20_000, policy: policy, shardCount: 2)
        for key in 0..<20_000 { cache.set(key, key) }
        let done = Counter()
        let results = LockedState<[[(key: Int, value: Int)]]>([])
        runOnThreads(3) { thread in
            if thread == 0 {
                for round in 0..<6 {
                    let walk = round.isMultiple(of: 2) ? cache.coldest(20_000) : cache.hottest(20_000)
                    results.withLock { $0.append(walk) }
                }
                done.increment()
                return
            }
            var key = 20_000 + thread
            while done.value == 0 {
                cache.set(key, key)
                _ = cache.get(key / 3)
                cache.remove(key / 2)
                key += 2
            }
        }
        for walk in results.withLock({ $0 }) {
            #expect(Set(walk.map(\.key)).count == walk.count, "no key twice")
            #expect(walk.allSatisfy { $0.key == $0.value })
            #expect(!walk.isEmpty)
        }
        cache.checkInvariants()
    }
}
