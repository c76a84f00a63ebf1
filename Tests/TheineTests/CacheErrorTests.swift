import Testing

@testable import Theine

/// Configuration errors: thrown for run-time input, trapped for programmer errors.
struct CacheErrorTests {
    @Test(arguments: [0, -1, Int.min, Int(Int32.max) + 1, Int.max])
    func validatingCapacity_outOfRange_throwsInvalidCapacity(capacity: Int) {
        #expect(throws: CacheError.invalidCapacity(capacity)) {
            try Cache<Int, Int>(validatingCapacity: capacity)
        }
    }

    @Test func validatingCapacity_inRange_buildsCache() throws {
        let cache = try Cache<Int, Int>(validatingCapacity: 10, policy: .lru)
        #expect(cache.capacity == 10)
        #expect(cache.policy == .lru)
    }

    @Test(arguments: [0, -3, 1_025, Int.max])
    func validatingShardCount_outOfRange_throwsInvalidShardCount(shardCount: Int) {
        #expect(throws: CacheError.invalidShardCount(shardCount)) {
            try Cache<Int, Int>(validatingCapacity: 1_000, shardCount: shardCount)
        }
    }

    @Test func validatingShardCount_inRange_buildsCacheWithThoseShards() throws {
        #expect(try Cache<Int, Int>(validatingCapacity: 1_000, shardCount: 4).shardCount == 4)
        #expect(try Cache<Int, Int>(validatingCapacity: 1_000, shardCount: nil).shardCount == 1)
    }

    @Test func policyName_roundTripsEveryPolicy() throws {
        for policy in EvictionPolicy.allPolicies {
            #expect(try EvictionPolicy(name: policy.name) == policy)
        }
        #expect(EvictionPolicy.lru.name == "lru")
        #expect(EvictionPolicy.tinyLFU.name == "tinyLFU")
        #expect(EvictionPolicy.clockPro.name == "clockPro")
    }

    @Test func policyName_unknown_throwsWithTheName() {
        #expect(throws: CacheError.unknownPolicy("LFU")) { try EvictionPolicy(name: "LFU") }
        #expect(
            CacheError.unknownPolicy("LFU").description
                == "unknown eviction policy 'LFU': expected one of lru, tinyLFU, clockPro"
        )
        #expect(CacheError.invalidCapacity(0).description == "invalid cache capacity 0: must be in 1...2147483647")
        #expect(CacheError.invalidShardCount(0).description == "invalid shard count 0: must be in 1...1024")
    }

    @Test func capacityZero_inCode_trapsNamingArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Cache<Int, Int>(capacity: 0)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("capacity must be in 1...2147483647, got 0"))
    }

    @Test func shardCountZero_inCode_trapsNamingArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Cache<Int, Int>(capacity: 100, shardCount: 0)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("shardCount must be in 1...1024, got 0"))
    }
}
