import Testing

@testable import Theine

struct ShardLayoutTests {
    @Test(arguments: [1, 7, 131_072, 262_143, 262_144, 1_000_003, Int(Int32.max)])
    func shareOfEachShard_addsUpToTheCapacity_andDiffersByAtMostOne(capacity: Int) {
        let layout = ShardLayout.automatic(capacity: capacity)
        let shares = (0..<layout.count).map { layout.capacity(ofShard: $0, total: capacity) }
        #expect(shares.reduce(0, +) == capacity)
        #expect(shares.max()! - shares.min()! <= 1)
    }

    @Test func smallCaches_haveOneShard_andLargeOnesAtLeastTheMinimumPerShard() {
        #expect(ShardLayout.automatic(capacity: 1).count == 1)
        #expect(ShardLayout.automatic(capacity: 262_143).count == 1)
        // Every machine allows at least four shards (four per processor), so size alone decides.
        #expect(ShardLayout.automatic(capacity: 262_144).count == 2)
        for capacity in [262_144, 1_000_000, 10_000_000] {
            let layout = ShardLayout.automatic(capacity: capacity)
            #expect(layout.count >= 1)
            #expect(capacity / layout.count >= ShardLayout.minimumShardCapacity)
        }
    }

    /// Asked-for shard counts are rounded up to a power of two, and lowered so that every shard
    /// holds at least one entry.
    @Test func requestedShardCounts_roundUpToAPowerOfTwo_andNeverExceedTheCapacity() {
        #expect(Cache<Int, Int>(capacity: 100_000, shardCount: 1).shardCount == 1)
        #expect(Cache<Int, Int>(capacity: 100_000, shardCount: 6).shardCount == 8)
        #expect(Cache<Int, Int>(capacity: 100_000, shardCount: 1_024).shardCount == 1_024)
        #expect(Cache<Int, Int>(capacity: 5, shardCount: 8).shardCount == 4)
        #expect(Cache<Int, Int>(capacity: 1, shardCount: 16).shardCount == 1)
        let cache = Cache<Int, Int>(capacity: 1_000, shardCount: 1_000)
        #expect(cache.shardCount == 512)
        for key in 0..<1_000 { cache.set(key, key) }
        #expect(cache.count <= 1_000)
        cache.checkInvariants()
        // Every shard holds one or two entries: all of its share, once it has seen enough keys.
        for key in 1_000..<20_000 { cache.set(key, key) }
        #expect(cache.count == 1_000)
    }

    @Test func powersOfTwo_roundDownToTheOneAtOrBelow() {
        #expect(
            [0, 1, 2, 3, 4, 1_000, 1_024, Int.max].map(\.roundedDownToPowerOfTwo) == [
                1, 1, 2, 2, 4, 512, 1_024, 1 << 62,
            ]
        )
        #expect([0, 1, 2, 3, 1_000, 1_024].map(\.roundedUpToPowerOfTwo) == [1, 1, 2, 4, 1_024, 1_024])
    }

    @Test func keys_spreadEvenlyOverTheShards() {
        let layout = ShardLayout(count: 8)
        var counts = [Int](repeating: 0, count: 8)
        for key in 0..<80_000 { counts[layout.index(ofHashValue: key.hashValue)] += 1 }
        // 10,000 expected per shard; a binomial standard deviation is about 94.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 600 }, "\(counts)")
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func shardedCache_neverHoldsMoreThanItsCapacity(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: policy, admissionSeed: 5, shardCount: 8)
        #expect(cache.shardCount == 8)
        for key in 0..<20_000 {
            cache.set(key, key)
            if key % 97 == 0 { #expect(cache.count <= 1_000) }
        }
        #expect(cache.count <= 1_000)
        #expect(cache.count >= 990)  // each shard full but for the imbalance of its last keys
        cache.checkInvariants()
    }
}
