import Testing

@testable import Theine

/// TTL semantics through the public API, on a manual clock: reads, writes, counters, and the timer
/// wheel's removal at every level.
@Suite(.tags(.invariants))
struct ExpirationTests {
    /// A clock that starts far from zero and off any bucket boundary, like a real one.
    static func makeClock() -> ManualCacheClock {
        ManualCacheClock(now: .seconds(1_234_567) + .nanoseconds(890_123))
    }

    static let bottomSpan = Duration.nanoseconds(TimerWheel.bottomSpan)

    /// One TTL for each level of the wheel, and beyond them all.
    static let ttlsAtEveryLevel: [Duration] = [
        .milliseconds(1_500),  // level 0: seconds
        .seconds(10 * 60 + 7),  // level 1: minutes
        .seconds(5 * 3_600 + 11),  // level 2: hours
        .seconds(3 * 86_400 + 13),  // level 3: days
        .seconds(9 * 86_400),  // overflow: beyond a week
        .seconds(200 * 86_400),  // beyond the overflow ring's 52 days
    ]

    @Test(arguments: ttlsAtEveryLevel)
    func entry_isReadableUntilItsDeadline_andRemovedExactlyThen(ttl: Duration) {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, policy: .lru, clock: clock)
        cache.set("k", 1, ttl: ttl)
        clock.advance(by: ttl - .nanoseconds(1))
        #expect(cache.removeExpired() == 0)
        #expect(cache.get("k") == 1)
        clock.advance(by: .nanoseconds(1))
        #expect(cache.removeExpired() == 1)
        #expect(!cache.containsQuietly("k"))
        #expect(cache.stats() == CacheStats(hitCount: 1, expirationCount: 1))
        cache.checkInvariants()
    }

    @Test(arguments: ttlsAtEveryLevel)
    func entry_steppedTowardsItsDeadline_cascadesWithoutExpiringEarly(ttl: Duration) {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, policy: .lru, clock: clock)
        cache.set("k", 1, ttl: ttl)
        var elapsed = Duration.zero
        // Steps of a ninth of the TTL cross bucket boundaries at every level on the way down.
        while elapsed + ttl / 9 < ttl {
            clock.advance(by: ttl / 9)
            elapsed += ttl / 9
            #expect(cache.removeExpired() == 0, "removed \(ttl - elapsed) before its deadline")
            cache.checkInvariants()
        }
        clock.advance(by: ttl - elapsed)
        #expect(cache.removeExpired() == 1)
        #expect(cache.count == 0)
    }

    @Test(arguments: ttlsAtEveryLevel)
    func writes_removeExpiredEntries_withinOneBottomSpanOfTheDeadline(ttl: Duration) {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, policy: .lru, clock: clock)
        cache.set("k", 1, ttl: ttl)
        clock.advance(by: ttl + Self.bottomSpan)
        cache.set("other", 2)  // a write advances the wheel
        #expect(!cache.containsQuietly("k"))
        #expect(cache.stats().expirationCount == 1)
    }

    @Test func expiredEntry_isAMissAndLeavesOnRead() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(cache.containsQuietly("k"))  // not yet removed by anyone
        #expect(cache.get("k") == nil)
        #expect(!cache.containsQuietly("k"))
        #expect(cache.stats() == CacheStats(missCount: 1, expirationCount: 1))
    }

    @Test func overwrite_movesTheDeadline() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("later", 1, ttl: .seconds(5))
        cache.set("later", 2, ttl: .seconds(60))
        cache.set("sooner", 1, ttl: .seconds(3_600))
        cache.set("sooner", 2, ttl: .seconds(2))
        cache.set("never", 1, ttl: .seconds(2))
        cache.set("never", 2)
        clock.advance(by: .seconds(30))
        #expect(cache.removeExpired() == 1)
        #expect(cache.get("later") == 2)
        #expect(!cache.containsQuietly("sooner"))
        clock.advance(by: .seconds(30))
        #expect(cache.get("later") == nil)
        clock.advance(by: .seconds(86_400 * 365))
        #expect(cache.removeExpired() == 0)
        #expect(cache.get("never") == 2)
        cache.checkInvariants()
    }

    @Test func overwriteOfAnExpiredEntry_countsTheExpiryAndStoresTheNewValue() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: .seconds(1))
        clock.advance(by: .seconds(1))
        cache.set("k", 2)
        #expect(cache.get("k") == 2)
        #expect(cache.stats() == CacheStats(hitCount: 1, expirationCount: 1))
    }

    @Test(arguments: [Duration.zero, .nanoseconds(-1), .seconds(-3_600), .seconds(Int64.min)])
    func set_withTTLOfZeroOrLess_storesNothingAndRemovesTheKey(ttl: Duration) {
        let cache = Cache<String, Int>(capacity: 10, clock: Self.makeClock())
        cache.set("k", 1)
        cache.set("k", 2, ttl: ttl)
        cache.set("new", 3, ttl: ttl)
        #expect(cache.count == 0)
        #expect(cache.get("k") == nil)
        #expect(!cache.setIfAbsent("k", 4, ttl: ttl))
        #expect(cache.count == 0)
        cache.checkInvariants()
    }

    @Test(arguments: [Duration.seconds(100 * 36_525 * 864) + .nanoseconds(1), .seconds(Int64.max)])
    func set_withTTLOverAHundredYears_neverExpires(ttl: Duration) {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: ttl)
        clock.advance(by: .seconds(150 * 36_525 * 864))
        #expect(cache.removeExpired() == 0)
        #expect(cache.get("k") == 1)
    }

    @Test func set_withTTLOfExactlyAHundredYears_expires() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: TimeToLive.longest)
        clock.advance(by: TimeToLive.longest)
        #expect(cache.get("k") == nil)
    }

    @Test func setIfAbsent_treatsAnExpiredEntryAsAbsent() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        #expect(cache.setIfAbsent("k", 1, ttl: .seconds(10)))
        #expect(!cache.setIfAbsent("k", 2, ttl: .seconds(10)))
        clock.advance(by: .seconds(10))
        #expect(cache.setIfAbsent("k", 3, ttl: .seconds(10)))
        #expect(cache.get("k") == 3)
        #expect(cache.stats() == CacheStats(hitCount: 1, expirationCount: 1))
        clock.advance(by: .seconds(10))
        #expect(cache.removeExpired() == 1)
    }

    @Test func remove_ofAnExpiredEntry_returnsNilAndCountsTheExpiry() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: .seconds(1))
        clock.advance(by: .seconds(2))
        #expect(cache.remove("k") == nil)
        #expect(cache.count == 0)
        #expect(cache.stats().expirationCount == 1)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func remove_cancelsTheTimer_soThatItNeverFiresOnTheReusedSlot(policy: EvictionPolicy) {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, policy: policy, clock: clock)
        cache.set("gone", 1, ttl: .seconds(10))
        cache.remove("gone")
        cache.set("reuses the slot", 2, ttl: .seconds(3_600))
        cache.set("no ttl, next slot", 3)
        clock.advance(by: .seconds(20))
        #expect(cache.removeExpired() == 0)
        #expect(cache.get("reuses the slot") == 2)
        #expect(cache.stats().expirationCount == 0)
        cache.checkInvariants()
    }

    @Test func eviction_cancelsTheTimer_andIsCountedApartFromExpiry() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 2, policy: .lru, clock: clock)
        cache.set("a", 1, ttl: .seconds(10))
        cache.set("b", 2, ttl: .seconds(10))
        cache.set("c", 3)  // evicts a: its slot is reused next
        cache.set("d", 4)  // evicts b
        cache.set("e", 5)  // evicts c, reusing a's old slot
        #expect(cache.stats().evictionCount == 3)
        clock.advance(by: .seconds(20))
        #expect(cache.removeExpired() == 0)
        #expect(cache.get("d") == 4)
        #expect(cache.get("e") == 5)
        #expect(cache.stats() == CacheStats(hitCount: 2, evictionCount: 3, evictionWeight: 3, expirationCount: 0))
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func removeAll_dropsEveryDeadline(policy: EvictionPolicy) {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 100, policy: policy, clock: clock)
        for key in 0..<50 { cache.set(key, key, ttl: .seconds(Int64(key + 1))) }
        cache.removeAll()
        for key in 0..<50 { cache.set(key, key) }
        clock.advance(by: .seconds(100))
        #expect(cache.removeExpired() == 0)
        #expect(cache.count == 50)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func expiredEntriesLeaveFirst_soAFullCacheOfExpiredEntriesEvictsNothing(policy: EvictionPolicy) {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 100, policy: policy, clock: clock)
        for key in 0..<100 { cache.set(key, key, ttl: .seconds(5)) }
        clock.advance(by: .seconds(5) + Self.bottomSpan)
        for key in 100..<200 { cache.set(key, key) }
        #expect(cache.stats().evictionCount == 0)
        #expect(cache.stats().expirationCount == 100)
        #expect(cache.count == 100)
    }

    @Test func ttl_belowOneNanosecond_expiresAtTheNextNanosecond() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.set("k", 1, ttl: .nanoseconds(1) / 1_000)
        #expect(cache.get("k") == 1)
        clock.advance(by: .nanoseconds(1))
        #expect(cache.get("k") == nil)
    }

    @Test func closedCache_stillNeverReturnsExpiredEntries() {
        let clock = Self.makeClock()
        let cache = Cache<String, Int>(capacity: 10, clock: clock)
        cache.close()
        cache.set("k", 1, ttl: .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(cache.get("k") == nil)
    }
}
