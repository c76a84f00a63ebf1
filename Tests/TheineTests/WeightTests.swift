import Testing

@testable import Theine

/// What a weighted cache's weigher and listener saw: calls, calls made while a shard's lock was
/// held, and the notifications by cause.
private final class WeightProbe: Sendable {
    private struct State {
        var weigherCalls = 0
        var weighedUnderLock = 0
        var departures: [(key: Int, value: Int, cause: RemovalCause)] = []
    }
    private struct WeakCache {
        weak var cache: Cache<Int, Int>?
    }
    private let state = LockedState(State())
    private let watched = LockedState(WeakCache())

    var weigherCalls: Int { state.withLock { $0.weigherCalls } }
    var weighedUnderLock: Int { state.withLock { $0.weighedUnderLock } }
    var departures: [(key: Int, value: Int, cause: RemovalCause)] { state.withLock { $0.departures } }

    /// A weighted cache of `maximumWeight` whose entries weigh their value (the value is the
    /// weight), watched by this probe.
    func cache(maximumWeight: Int, policy: EvictionPolicy = .lru, shardCount: Int? = nil) -> Cache<Int, Int> {
        let cache = Cache<Int, Int>(
            maximumWeight: maximumWeight,
            weigher: { [self] _, value in
                let isLocked = watched.withLock { $0.cache?.isAnyShardLocked ?? false }
                state.withLock {
                    $0.weigherCalls += 1
                    if isLocked { $0.weighedUnderLock += 1 }
                }
                return value
            },
            policy: policy,
            admissionSeed: 42,
            shardCount: shardCount,
            clock: ManualCacheClock(),
            ticker: ExpirationTicker(interval: .seconds(3_600)),
            onRemoval: { [self] key, value, cause in
                state.withLock { $0.departures.append((key, value, cause)) }
            }
        )
        watched.withLock { $0.cache = cache }
        return cache
    }
}

/// The weight of every key present in `cache`, by its value (the tests' weigher).
private func presentWeight(_ cache: Cache<Int, Int>, keys: Range<Int>) -> Int {
    keys.reduce(0) { total, key in total + (cache.peekQuietly(key) ?? 0) }
}

/// Loads `key` through the blocking `get`, whose loader returns `value`.
private func loadBlocking(_ cache: Cache<Int, Int>, _ key: Int, value: Int) throws -> Int {
    try cache.get(key) { _ in value }
}

@Suite(.tags(.concurrency, .invariants))
struct WeightTests {
    // MARK: Configuration

    @Test func weightedCache_reportsItsBounds() {
        let cache = WeightProbe().cache(maximumWeight: 1_000)
        #expect(cache.maximumWeight == 1_000)
        #expect(cache.capacity == Cache<Int, Int>.maximumCapacity)
        #expect(cache.maximumEntryWeight == 1_000)
        #expect(cache.shardCount == 1)
        #expect(cache.totalWeight == 0)
        cache.set(1, 300)
        cache.set(2, 0)
        #expect(cache.totalWeight == 300)
        #expect(cache.count == 2)
    }

    @Test func countBoundedCache_reportsItsCountAsWeight() {
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru)
        for key in 0..<25 { cache.set(key, 1_000) }
        #expect(cache.maximumWeight == nil)
        #expect(cache.maximumEntryWeight == 1)
        #expect(cache.totalWeight == 10)
    }

    @Test func weightedCache_isOneShardUnlessAsked() {
        let large = WeightProbe().cache(maximumWeight: 1 << 40)
        #expect(large.shardCount == 1)
        let sharded = WeightProbe().cache(maximumWeight: 1_000, shardCount: 4)
        #expect(sharded.shardCount == 4)
        #expect(sharded.maximumEntryWeight == 250)
        let uneven = WeightProbe().cache(maximumWeight: 1_001, shardCount: 4)
        #expect(uneven.maximumEntryWeight == 250)
    }

    @Test func publicInitializer_defaultsToTinyLFUInOneShard() {
        let cache = Cache<String, [UInt8]>(maximumWeight: 1 << 20) { _, bytes in bytes.count }
        #expect(cache.policy == .tinyLFU)
        #expect(cache.shardCount == 1)
        #expect(cache.maximumWeight == 1 << 20)
        cache.set("page", Array(repeating: 0, count: 4_096))
        #expect(cache.totalWeight == 4_096)
    }

    @Test func validatingMaximumWeight_throwsOutOfRange() throws {
        let weigher: @Sendable (Int, Int) -> Int = { _, value in value }
        for invalid in [0, -1, Int.min, Int.max / 2 + 1, Int.max] {
            #expect(throws: CacheError.invalidMaximumWeight(invalid)) {
                try Cache<Int, Int>(validatingMaximumWeight: invalid, weigher: weigher)
            }
        }
        #expect(throws: CacheError.invalidShardCount(0)) {
            try Cache<Int, Int>(validatingMaximumWeight: 10, weigher: weigher, shardCount: 0)
        }
        #expect(
            CacheError.invalidMaximumWeight(0).description
                == "invalid maximum weight 0: must be in 1...\(Int.max / 2)"
        )
        let largest = try Cache<Int, Int>(
            validatingMaximumWeight: Cache<Int, Int>.maximumWeightLimit,
            weigher: weigher,
            policy: .clockPro,
            shardCount: 2
        )
        #expect(largest.maximumWeight == Int.max / 2)
        #expect(largest.policy == .clockPro)
        #expect(largest.shardCount == 2)
    }

    @Test func countBoundedCache_reportsItsEvictionCountAsEvictionWeight() {
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru)
        for key in 0..<25 { cache.set(key, 1_000) }
        #expect(cache.stats().evictionCount == 15)
        #expect(cache.stats().evictionWeight == 15)
    }

    @Test func maximumWeightZero_trapsNamingTheValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Cache<Int, Int>(maximumWeight: 0, weigher: { _, _ in 1 }, policy: .lru, admissionSeed: 1)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("maximumWeight must be in 1...\(Int.max / 2), got 0"))
    }

    @Test func maximumWeightAboveHalfIntMax_trapsNamingTheValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Cache<Int, Int>(maximumWeight: Int.max / 2 + 1, weigher: { _, _ in 1 }, policy: .lru, admissionSeed: 1)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("maximumWeight must be in 1...\(Int.max / 2), got \(Int.max / 2 + 1)"))
    }

    @Test func largestMaximumWeight_sumsWithoutOverflow() {
        let maximumWeight = Int.max / 2
        let cache = Cache<Int, Int>(
            maximumWeight: maximumWeight,
            weigher: { _, value in value },
            policy: .lru,
            admissionSeed: 1
        )
        cache.set(1, maximumWeight)
        cache.set(2, maximumWeight)
        cache.set(3, Int.max)
        #expect(cache.totalWeight == maximumWeight)
        #expect(cache.peekQuietly(2) == maximumWeight)
        #expect(!cache.containsQuietly(1))
        #expect(!cache.containsQuietly(3))
        cache.checkInvariants()
    }

    // MARK: The weigher

    @Test func negativeWeight_trapsNamingTheWeightAndTheKeyType() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let cache = Cache<String, Int>(maximumWeight: 100, weigher: { _, _ in -3 }, policy: .lru, admissionSeed: 1)
            cache.set("private-key-value", 1)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("the weigher returned a negative weight, -3, for a key of type String"))
        #expect(!message.contains("private-key-value"))
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func weigher_runsOncePerWrite_outsideTheLock(policy: EvictionPolicy) async throws {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 100, policy: policy)
        cache.set(1, 10)
        cache.set(1, 20)
        #expect(cache.setIfAbsent(2, 5))
        #expect(!cache.setIfAbsent(2, 6))  // weighed (before the lock), not stored
        _ = try await cache.get(3) { _ in 7 }
        _ = try loadBlocking(cache, 4, value: 8)
        #expect(probe.weigherCalls == 6)
        #expect(probe.weighedUnderLock == 0)
        #expect(cache.totalWeight == 20 + 5 + 7 + 8)
        cache.checkInvariants()
    }

    // MARK: Eviction by weight

    @Test func insertion_evictsSeveralInLRUOrder() {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 10)
        for key in 0..<10 { cache.set(key, 1) }
        cache.set(100, 5)
        #expect(cache.totalWeight == 10)
        #expect(probe.departures.map(\.key) == [0, 1, 2, 3, 4])
        #expect(probe.departures.allSatisfy { $0.cause == .evicted })
        #expect(cache.stats().evictionCount == 5)
        #expect(cache.stats().evictionWeight == 5)
        cache.checkInvariants()
    }

    @Test func overwrite_withAHeavierValue_evictsOthers() {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 10)
        for key in 0..<5 { cache.set(key, 2) }
        cache.set(4, 6)
        #expect(cache.totalWeight == 10)
        #expect(probe.departures.map(\.key) == [4, 0, 1])
        #expect(probe.departures.map(\.cause) == [.replaced, .evicted, .evicted])
        #expect(cache.peekQuietly(4) == 6)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func heavierThanMaximumEntryWeight_departsAtOnce(policy: EvictionPolicy) {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 100, policy: policy)
        cache.set(1, 40)
        cache.set(2, 101)
        #expect(!cache.containsQuietly(2))
        #expect(cache.peekQuietly(1) == 40)
        #expect(cache.setIfAbsent(3, 500))  // stored, then evicted at once
        #expect(!cache.containsQuietly(3))
        cache.set(1, 200)
        #expect(!cache.containsQuietly(1))
        #expect(cache.totalWeight == 0)
        #expect(probe.departures.map(\.key) == [2, 3, 1, 1])
        #expect(probe.departures.map(\.value) == [101, 500, 40, 200])
        #expect(probe.departures.map(\.cause) == [.evicted, .evicted, .replaced, .evicted])
        let stats = cache.stats()
        #expect(stats.evictionCount == 3)
        #expect(stats.evictionWeight == 101 + 500 + 200)
        #expect(stats.replacementCount == 1)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func weightZero_isNeverEvictedForSize(policy: EvictionPolicy) {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 50, policy: policy)
        for key in 0..<10 { cache.set(key, 0) }
        for key in 10..<1_010 { cache.set(key, key % 7 + 1) }
        for key in 0..<10 { #expect(cache.peekQuietly(key) == 0) }
        #expect(cache.totalWeight <= 50)
        #expect(probe.departures.allSatisfy { $0.key >= 10 })
        // Pinned entries only, but for one that must go: it goes, and they stay.
        cache.removeAll()
        for key in 0..<10 { cache.set(key, 0) }
        cache.set(10, 50)
        cache.set(11, 1)
        #expect(cache.containsQuietly(10) != cache.containsQuietly(11))
        for key in 0..<10 { #expect(cache.peekQuietly(key) == 0) }
        #expect(cache.count == 11)
        cache.checkInvariants()
    }

    @Test func pinnedEntry_getsWeight_thenEvictable() {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 10)
        cache.set(1, 0)
        for key in 2..<12 { cache.set(key, 1) }
        #expect(cache.containsQuietly(1))
        cache.set(1, 3)  // now it weighs, and the oldest others make room
        cache.set(20, 8)
        #expect(cache.totalWeight <= 10)
        #expect(!cache.containsQuietly(1))
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func totalWeight_matchesThePresentEntries_underRandomWrites(policy: EvictionPolicy) {
        var random = SplitMix64(seed: 7)
        let cache = WeightProbe().cache(maximumWeight: 100, policy: policy)
        for _ in 0..<20_000 {
            let key = Int(random.next() % 200)
            let weight = Int(random.next() % 30)
            switch random.next() % 8 {
            case 0: cache.remove(key)
            case 1: cache.setIfAbsent(key, weight)
            case 2, 3: cache.set(key, weight)
            default: _ = cache.get(key)  // hits promote: Clock-Pro's pages turn hot
            }
            #expect(cache.totalWeight <= 100)
            #expect(cache.totalWeight == presentWeight(cache, keys: 0..<200))
        }
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies, [1_000, 250, 30])
    func mixedWorkload_keepsEveryInvariant(policy: EvictionPolicy, maximumWeight: Int) {
        let cache = WeightProbe().cache(maximumWeight: maximumWeight, policy: policy)
        for seed in 0..<8 {
            var random = SplitMix64(seed: UInt64(seed))
            for _ in 0..<5_000 {
                let key = Int(random.next() % 500)
                switch random.next() % 8 {
                case 0: cache.remove(key)
                case 1: _ = cache.get(key)
                default: cache.set(key, Int(random.next() % 40))
                }
                #expect(cache.totalWeight <= maximumWeight)
            }
            cache.checkInvariants()
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func shards_eachHoldTheirShare(policy: EvictionPolicy) {
        let cache = WeightProbe().cache(maximumWeight: 100, policy: policy, shardCount: 4)
        for key in 0..<2_000 { cache.set(key, key % 10) }
        cache.set(5_000, 26)
        #expect(!cache.containsQuietly(5_000))
        for shard in cache._shards {
            shard.withLock { state in
                #expect(state._evictor!.weights.total <= 25)
            }
        }
        #expect(cache.totalWeight <= 100)
        cache.checkInvariants()
    }

    // Replays 800,000 requests at the largest size: tagged as the hit-ratio replays are, so that the
    // invariant-checked step (O(n) a mutation) leaves it to the release step.
    @Test(.tags(.hitRatio), arguments: EvictionPolicy.allPolicies, [10, 100, 1_000, 5_000])
    func unitWeights_decideExactlyAsTheCountBoundedPolicy(policy: EvictionPolicy, capacity: Int) {
        let keys =
            Workloads.zipf(items: 20 * capacity, count: 40 * capacity, exponent: 0.9, seed: 3)
            + Workloads.loop(length: 2 * capacity, rounds: 3)
            + Workloads.zipf(items: 5 * capacity, count: 20 * capacity, exponent: 1.1, seed: 4)
        let counted = Cache<Int, Int>(capacity: capacity, policy: policy, admissionSeed: 9)
        let weighted = Cache<Int, Int>(
            maximumWeight: capacity,
            weigher: { _, _ in 1 },
            policy: policy,
            admissionSeed: 9
        )
        var differences = 0
        for key in keys {
            let hit = counted.get(key) != nil
            if !hit { counted.set(key, key) }
            if (weighted.get(key) != nil) != hit { differences += 1 }
            if !hit { weighted.set(key, key) }
        }
        #expect(differences == 0)
        #expect(counted.stats().hitCount == weighted.stats().hitCount)
        #expect(counted.stats().evictionCount == weighted.stats().evictionCount)
        weighted.checkInvariants()
    }

    @Test func tinyLFU_rejectedHeavyCandidate_evictsNothingOnItsWay() {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 100, policy: .tinyLFU)
        // A hundred entries of weight 1, each read often: frequent.
        for key in 0..<100 { cache.set(key, 1) }
        for _ in 0..<5 { for key in 0..<100 { _ = cache.get(key) } }
        // Last, an entry heavier than the window (1% of 100), which leaves it at once, rare and
        // judged alone: so the window holds nothing else to judge before the newcomer.
        cache.set(500, 2)
        let before = probe.departures.count
        let present = (0..<100).filter { cache.containsQuietly($0) }
        cache.set(1_000, 30)  // rare, and it must displace thirty frequent entries: it loses
        let departed = probe.departures.dropFirst(before)
        #expect(departed.map(\.key) == [1_000])
        #expect(departed.map(\.cause) == [.evicted])
        #expect(present.count >= 95)
        #expect(present.allSatisfy { cache.containsQuietly($0) })
        cache.checkInvariants()
    }

    @Test func tinyLFU_frequentHeavyCandidate_displacesSeveral() {
        let probe = WeightProbe()
        let cache = probe.cache(maximumWeight: 100, policy: .tinyLFU)
        for key in 0..<100 { cache.set(key, 1) }
        // Key 1,000 is requested often before it is stored heavy: more frequent than any other.
        for _ in 0..<10 { _ = cache.get(1_000) }
        let before = probe.departures.count
        cache.set(1_000, 30)
        let departed = probe.departures.dropFirst(before)
        #expect(cache.peekQuietly(1_000) == 30)
        #expect(departed.count == 30)
        #expect(departed.allSatisfy { $0.cause == .evicted && $0.key != 1_000 })
        #expect(cache.totalWeight == 100)
        cache.checkInvariants()
    }

    // MARK: Concurrency

    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func concurrentWriters_keepTheTotalWithinTheMaximum(policy: EvictionPolicy, shardCount: Int) async {
        let maximumWeight = 1_000
        let cache = WeightProbe().cache(maximumWeight: maximumWeight, policy: policy, shardCount: shardCount)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(task))
                    for _ in 0..<5_000 {
                        let key = Int(random.next() % 500)
                        switch random.next() % 8 {
                        case 0: cache.remove(key)
                        case 1: _ = cache.get(key)
                        default: cache.set(key, Int(random.next() % 40))
                        }
                    }
                }
            }
        }
        #expect(cache.totalWeight <= maximumWeight)
        #expect(cache.totalWeight == presentWeight(cache, keys: 0..<500))
        cache.checkInvariants()
    }
}
