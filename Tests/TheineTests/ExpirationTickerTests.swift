import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shared background expiry, in real time: each test polls every 50 ms and fails after a
/// minute (generous: on a loaded machine, and under ThreadSanitizer, the ticker's thread can wait
/// seconds for a core; a test that passes ends at the first poll that sees the effect).
@Suite(.tags(.concurrency))
struct ExpirationTickerTests {
    /// Polls `condition` every 50 ms for up to a minute; returns whether it became true.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1_200 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func idleCache_losesItsExpiredEntriesWithoutBeingRead(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: policy)
        for key in 0..<100 { cache.set(key, key, ttl: .milliseconds(200)) }
        cache.set(-1, -1)  // no TTL: stays
        #expect(cache.count == 101)
        #expect(Self.eventually { cache.count == 1 })
        #expect(cache.stats().expirationCount == 100)
    }

    @Test func releasedCache_isDeallocatedWhileTheTickerRuns_andTheTickerThenStops() {
        let ticker = ExpirationTicker(interval: .milliseconds(10))
        weak var released: Cache<Int, Int>?
        let kept = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, ticker: ticker)
        kept.set(1, 1, ttl: .seconds(3_600))
        do {
            let cache = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, ticker: ticker)
            cache.set(1, 1, ttl: .seconds(3_600))
            released = cache
        }
        #expect(ticker.isRunning)
        #expect(Self.eventually { released == nil })
        #expect(ticker.isRunning)  // still serving `kept`
        kept.close()
        #expect(Self.eventually { !ticker.isRunning })
    }

    @Test func ticker_startsAgainForANewCacheAfterStopping() {
        let ticker = ExpirationTicker(interval: .milliseconds(10))
        do {
            let cache = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, ticker: ticker)
            cache.set(1, 1, ttl: .seconds(1))
        }
        #expect(Self.eventually { !ticker.isRunning })
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, ticker: ticker)
        #expect(!ticker.isRunning)  // no TTL yet: no visits needed
        cache.set(1, 1, ttl: .milliseconds(50))
        #expect(ticker.isRunning)
        #expect(Self.eventually { cache.count == 0 })
    }

    @Test func closedCache_isNoLongerVisited() {
        let ticker = ExpirationTicker(interval: .milliseconds(10))
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, ticker: ticker)
        cache.set(1, 1, ttl: .seconds(3_600))
        cache.close()
        #expect(Self.eventually { !ticker.isRunning })
        cache.set(2, 2, ttl: .milliseconds(1))
        #expect(!ticker.isRunning)
        usleep(100_000)
        #expect(cache.count == 2)  // nobody removes the expired entry of a closed cache
        #expect(cache.get(2) == nil)  // but no read returns it
    }

    @Test func expiry_happensAtOrAfterTheDeadline_andWithinABottomSpanAndATick() {
        let clock = ManualCacheClock()
        let ticker = ExpirationTicker(interval: .milliseconds(10))
        let cache = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, clock: clock, ticker: ticker)
        cache.set(1, 1, ttl: .seconds(90))
        clock.advance(by: .seconds(90) - .nanoseconds(1))
        usleep(100_000)  // ten ticks
        #expect(cache.containsQuietly(1))
        clock.advance(by: .nanoseconds(1))
        #expect(Self.eventually { !cache.containsQuietly(1) })
        cache.close()
    }
}
