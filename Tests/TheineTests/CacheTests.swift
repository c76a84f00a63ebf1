import Testing

@testable import Theine

/// Map semantics and statistics, for every policy.
@Suite(.tags(.invariants))
struct CacheTests {
    @Test(arguments: EvictionPolicy.allPolicies)
    func get_missingKey_returnsNilAndCountsMiss(policy: EvictionPolicy) {
        let cache = Cache<String, Int>(capacity: 10, policy: policy)
        #expect(cache.get("absent") == nil)
        #expect(cache.stats() == CacheStats(missCount: 1))
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func set_thenGet_returnsValueAndCountsHit(policy: EvictionPolicy) {
        let cache = Cache<String, Int>(capacity: 10, policy: policy)
        cache.set("a", 1)
        #expect(cache.get("a") == 1)
        #expect(cache.count == 1)
        #expect(cache.stats() == CacheStats(hitCount: 1))
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func set_presentKey_overwritesWithoutGrowing(policy: EvictionPolicy) {
        let cache = Cache<String, Int>(capacity: 10, policy: policy)
        cache.set("a", 1)
        cache.set("a", 2)
        #expect(cache.get("a") == 2)
        #expect(cache.count == 1)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func remove_presentKey_returnsValueAndForgetsIt(policy: EvictionPolicy) {
        let cache = Cache<String, Int>(capacity: 10, policy: policy)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.remove("a") == 1)
        #expect(cache.remove("a") == nil)
        #expect(cache.get("a") == nil)
        #expect(cache.get("b") == 2)
        #expect(cache.count == 1)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func removeAll_emptiesCacheAndKeepsStats_countingTheRemovals(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy)
        for key in 0..<50 { cache.set(key, key) }
        _ = cache.get(1)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.get(1) == nil)
        #expect(cache.stats() == CacheStats(hitCount: 1, missCount: 1, explicitRemovalCount: 50))
        for key in 0..<150 { cache.set(key, key) }
        #expect(cache.count == 100)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func setIfAbsent_storesOnlyWhenAbsent(policy: EvictionPolicy) {
        let cache = Cache<String, Int>(capacity: 10, policy: policy)
        #expect(cache.setIfAbsent("a", 1))
        #expect(!cache.setIfAbsent("a", 2))
        #expect(cache.get("a") == 1)
        cache.remove("a")
        #expect(cache.setIfAbsent("a", 3))
        #expect(cache.get("a") == 3)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func set_beyondCapacity_evictsAndCountsEvictions(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy)
        for key in 0..<1_000 {
            cache.set(key, key)
            #expect(cache.count <= 100)
        }
        #expect(cache.count == 100)
        #expect(cache.stats().evictionCount == 900)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func capacityOne_holdsOneEntry(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 1, policy: policy)
        for key in 0..<10 {
            cache.set(key, key)
            _ = cache.get(key)
            #expect(cache.count == 1)
        }
        cache.checkInvariants()
    }

    @Test func stats_singleThread_areExact() {
        let cache = Cache<Int, Int>(capacity: 4, policy: .lru)
        for key in 0..<6 { cache.set(key, key) }  // 2 evictions
        for key in 0..<6 { _ = cache.get(key) }  // 0, 1 miss; 2...5 hit
        let stats = cache.stats()
        #expect(stats.hitCount == 4)
        #expect(stats.missCount == 2)
        #expect(stats.requestCount == 6)
        #expect(stats.evictionCount == 2)
        #expect(stats.hitRate == 4.0 / 6.0)
        #expect(stats.missRate == 2.0 / 6.0)
    }

    @Test func stats_unusedCache_hasZeroRatesNotNaN() {
        let stats = Cache<Int, Int>(capacity: 4).stats()
        #expect(stats.hitRate == 0)
        #expect(stats.missRate == 0)
        #expect(stats.requestCount == 0)
    }

    @Test func stats_subtraction_givesActivityBetweenSnapshots() {
        let cache = Cache<Int, Int>(capacity: 4)
        cache.set(1, 1)
        _ = cache.get(1)
        let before = cache.stats()
        _ = cache.get(1)
        _ = cache.get(2)
        _ = cache.get(3)
        let delta = cache.stats() - before
        #expect(delta == CacheStats(hitCount: 1, missCount: 2))
        #expect(delta.hitRate == 1.0 / 3.0)
    }

    @Test func close_isIdempotentAndLeavesAUsableMap() {
        let cache = Cache<Int, Int>(capacity: 4)
        #expect(!cache.isClosed)
        cache.close()
        cache.close()
        #expect(cache.isClosed)
        cache.set(1, 1)
        #expect(cache.get(1) == 1)
    }

    @Test func capacityAndPolicy_reportConstruction() {
        let cache = Cache<Int, Int>(capacity: 123, policy: .lru)
        #expect(cache.capacity == 123)
        #expect(cache.policy == .lru)
        #expect(Cache<Int, Int>(capacity: 1).policy == .tinyLFU)
    }
}
