import Testing

@testable import Theine

/// A million entries with TTLs from a second to a month, through every level of the wheel.
/// Not in the invariant-checked run: `checkInvariants` is O(n) per mutation. One shard, so that a
/// cache exactly as large as its entries evicts none (shards fill unevenly).
struct ExpirationScaleTests {
    @Test func millionEntriesWithMixedTTLs_allExpire_andNoneEarly() {
        let clock = ManualCacheClock(now: .seconds(86_400))
        let cache = Cache<Int, Int>(capacity: 1_000_000, policy: .lru, admissionSeed: 1, shardCount: 1, clock: clock)
        var generator = SplitMix64(seed: 2026)
        var deadlines: [Int64] = []
        deadlines.reserveCapacity(1_000_000)
        let start = clock.now.nanosecondsClamped
        for key in 0..<1_000_000 {
            // 1 s to about 36 days, uniform in the logarithm.
            let ttl = Int64(1_000_000_000) << (generator.next() % 22) + Int64(generator.next() % 1_000_000_000)
            cache.set(key, key, ttl: .nanoseconds(ttl))
            deadlines.append(start + ttl)
        }
        deadlines.sort()
        #expect(cache.count == 1_000_000)

        var step = Duration.milliseconds(700)
        var expiredSoFar = 0
        while clock.now.nanosecondsClamped < deadlines.last! {
            clock.advance(by: step)
            step = step * 3 / 2
            cache.removeExpired()
            let now = clock.now.nanosecondsClamped
            while expiredSoFar < deadlines.count && deadlines[expiredSoFar] <= now { expiredSoFar += 1 }
            #expect(cache.count == 1_000_000 - expiredSoFar, "at \(now - start) ns")
        }
        cache.checkInvariants()
        #expect(cache.count == 0)
        #expect(cache.stats().expirationCount == 1_000_000)
    }
}
