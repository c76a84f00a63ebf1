import Dispatch
import Synchronization
import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `expireAfterAccess` on a manual clock: what counts as an access, how it combines with a TTL, the
/// wheel's rescheduling of entries accessed since they were scheduled, and many readers keeping a
/// busy group alive while an idle one expires.
@Suite(.tags(.invariants, .concurrency))
struct SlidingExpirationTests {
    static let idle = Duration.seconds(10)
    static let nanosecond = Duration.nanoseconds(1)

    /// A clock far from zero and off any wheel bucket boundary, like a real one.
    static func makeClock() -> ManualCacheClock {
        ManualCacheClock(now: .seconds(7_654_321) + .nanoseconds(123_457))
    }

    static func makeCache(
        _ clock: ManualCacheClock,
        policy: EvictionPolicy = .lru,
        departed: Departed = Departed()
    ) -> Cache<Int, Int> {
        Cache(capacity: 100, policy: policy, expireAfterAccess: idle, clock: clock) { key, value, cause in
            departed.record(key, value, cause)
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func entryNotAccessed_expiresExactlyAfterTheIdleTime(policy: EvictionPolicy) {
        let clock = Self.makeClock()
        let departed = Departed()
        let cache = Self.makeCache(clock, policy: policy, departed: departed)
        cache.set(1, 10)
        clock.advance(by: Self.idle - Self.nanosecond)
        #expect(cache.removeExpired() == 0)
        #expect(cache.peekQuietly(1) == 10)
        clock.advance(by: Self.nanosecond)
        #expect(cache.get(1) == nil)
        #expect(!cache.containsQuietly(1))
        #expect(departed.all.map(\.cause) == [.expired])
        #expect(cache.stats() == CacheStats(missCount: 1, expirationCount: 1))
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func readsKeepAnEntryAlive_andTheWheelReschedulesIt_untilTheyStop(policy: EvictionPolicy) {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock, policy: policy)
        cache.set(1, 10)
        // Reads every 0.4 idle times, for 20 idle times: the wheel finds the entry due many times.
        for _ in 0..<50 {
            clock.advance(by: Self.idle * 0.4)
            #expect(cache.removeExpired() == 0)
            #expect(cache.get(1) == 10)
            cache.checkInvariants()
        }
        clock.advance(by: Self.idle - Self.nanosecond)
        #expect(cache.removeExpired() == 0)
        clock.advance(by: Self.nanosecond)
        #expect(cache.removeExpired() == 1)
        #expect(cache.count == 0)
        #expect(cache.stats() == CacheStats(hitCount: 50, expirationCount: 1))
    }

    @Test func aHitOnAnEntryTheWheelFindsDue_extendsItFromTheHit() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10)
        clock.advance(by: Self.idle - .seconds(1))
        #expect(cache.get(1) == 10)
        // Past the deadline the wheel holds (the write's), within the hit's.
        clock.advance(by: Self.idle - .seconds(1))
        cache.set(2, 20)  // a write advances the wheel
        #expect(cache.get(1) == 10)
        clock.advance(by: Self.idle)
        #expect(cache.get(1) == nil)
        #expect(cache.get(2) == nil)
    }

    @Test func aHitPastTheWheelsDeadline_takesNoLock() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10)
        clock.advance(by: Self.idle - .seconds(1))
        #expect(cache.get(1) == 10)
        clock.advance(by: Self.idle - .seconds(1))
        // The wheel still holds the write's deadline, now past: the read must check the hit's, on
        // the path without a lock, which a drainer holding the lock does not stop.
        let shard = cache._shards[0]
        let locked = shard._lock.tryLockForDraining()
        #expect(locked)
        let done = DispatchSemaphore(value: 0)
        let value = LockedState<Int?>(nil)
        // A thread of its own: the dispatch pool's may all be busy with other tests.
        let reader = startThread {
            value.withLock { $0 = cache.get(1) }
            done.signal()
        }
        let finishedWhileHeld = done.wait(timeout: .now() + .seconds(60)) == .success
        shard._lock.unlockDraining()
        pthread_join(reader, nil)
        #expect(finishedWhileHeld, "the read waited for the lock")
        #expect(value.withLock { $0 } == 10)
    }

    @Test func aHitWithTheShardLocked_isAnAccessToo() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10)
        clock.advance(by: Self.idle - .seconds(1))
        // The path a read takes while a writer is active.
        let found = cache._shards[0].getExclusively(
            1,
            hashValue: hashValue(of: 1),
            settler: cache,
            inspectingHit: { _, _, _ in false }
        )
        #expect(found?.value == 10)
        clock.advance(by: Self.idle - .seconds(1))
        #expect(cache.get(1) == 10)
    }

    /// What counts as an access: each operation runs just before the written entry would expire;
    /// the entry must then outlive its first idle time if and only if the operation is an access.
    static let operations: [(name: String, isAccess: Bool, run: @Sendable (Cache<Int, Int>) async throws -> Void)] = [
        ("get", true, { _ = $0.get(1) }),
        ("set", true, { $0.set(1, 11) }),
        ("update", true, { _ = await $0.update(1) { ($0 ?? 0) + 1 } }),
        ("update keeping the value", true, { _ = await $0.update(1) { $0 } }),
        ("loading get's hit", true, { _ = try await $0.get(1) { _ in 99 } }),
        (
            "blocking loading get's hit", true,
            { cache in _ = await onThread { try? cache.get(1, loader: { _ in 99 }) } }
        ),
        ("getAll's hit", true, { _ = try await $0.getAll([1]) { _ in [:] } }),
        ("setIfAbsent finding the key", false, { _ = $0.setIfAbsent(1, 12) }),
        ("entries()", false, { _ = $0.entries() }),
        ("hottest", false, { _ = $0.hottest(10) }),
        ("coldest", false, { _ = $0.coldest(10) }),
    ]

    @Test(arguments: operations.indices)
    func onlyAccessesExtendAnEntry(operation index: Int) async throws {
        let (name, isAccess, run) = Self.operations[index]
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10)
        cache.set(2, 20)
        clock.advance(by: Self.idle - Self.nanosecond)
        try await run(cache)
        clock.advance(by: .seconds(1))
        #expect(cache.removeExpired() == (isAccess ? 1 : 2), "\(name)")
        #expect(cache.containsQuietly(1) == isAccess, "\(name)")
        cache.checkInvariants()
    }

    @Test func aShorterTTL_endsAnEntryInUse() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10, ttl: .seconds(25))
        for _ in 0..<24 {
            clock.advance(by: .seconds(1))
            #expect(cache.get(1) == 10)
        }
        clock.advance(by: .seconds(1))
        #expect(cache.get(1) == nil)
        #expect(cache.stats().expirationCount == 1)
    }

    @Test func aShorterIdleTime_endsAnEntryWithALongerTTL() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10, ttl: .seconds(3_600))
        clock.advance(by: Self.idle)
        #expect(cache.removeExpired() == 1)
    }

    @Test func aWriteWithoutTTL_afterOneWithIt_leavesOnlyTheIdleTime() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10, ttl: .seconds(5))
        cache.set(1, 11)
        for _ in 0..<10 {
            clock.advance(by: .seconds(5))
            #expect(cache.get(1) == 11)
        }
    }

    @Test func anUpdateKeepingItsTTL_isAnAccessButKeepsTheTTL() {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        cache.set(1, 10, ttl: .seconds(15))
        clock.advance(by: .seconds(9))
        cache.update(1) { ($0 ?? 0) + 1 }  // ttl nil: the entry keeps its deadline
        clock.advance(by: .seconds(5))
        #expect(cache.get(1) == 11)  // 14 s: past the write's idle time, within the update's
        clock.advance(by: .seconds(1))
        #expect(cache.get(1) == nil)  // 15 s: the TTL
    }

    @Test func aWeightedCache_expiresAfterAccessToo() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(
            maximumWeight: 100,
            weigher: { _, value in value },
            expireAfterAccess: Self.idle,
            clock: clock
        )
        cache.set(1, 10)
        cache.set(2, 20)
        clock.advance(by: Self.idle / 2)
        #expect(cache.get(1) == 10)
        clock.advance(by: Self.idle / 2)
        #expect(cache.removeExpired() == 1)
        #expect(cache.totalWeight == 10)
        cache.checkInvariants()
    }

    @Test func aStaleValueKeptForFailingLoads_stillLeavesWhenIdle() async throws {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        _ = try await cache.get(1, ttl: .seconds(5), staleIfError: .seconds(3_600)) { _ in 10 }
        clock.advance(by: .seconds(6))
        // Past its TTL, within its grace and its idle time: a failing load is answered with it.
        let stale = try await cache.get(1, ttl: .seconds(5), staleIfError: .seconds(3_600)) { _ in throw Failure() }
        #expect(stale == 10)
        clock.advance(by: Self.idle)
        #expect(cache.removeExpired() == 1)
        await #expect(throws: Failure.self) {
            try await cache.get(1, ttl: .seconds(5), staleIfError: .seconds(3_600)) { _ in throw Failure() }
        }
        cache.checkInvariants()
    }

    @Test func aValueKeptForFailingLoads_isFreshForItsWholeTTL_whileInUse() async throws {
        let clock = Self.makeClock()
        let cache = Self.makeCache(clock)
        _ = try await cache.get(1, ttl: .seconds(60), staleIfError: .seconds(3_600)) { _ in 10 }
        for _ in 0..<11 {
            clock.advance(by: .seconds(5))
            #expect(cache.get(1) == 10)
        }
        clock.advance(by: .seconds(5))
        #expect(cache.get(1) == nil)  // 60 s: its TTL, though read 5 s ago
        #expect(cache.stats().hitCount == 11)
    }

    @Test func anEntryExpiredForIdleness_isReplacedAsExpired() {
        let clock = Self.makeClock()
        let departed = Departed()
        let cache = Self.makeCache(clock, departed: departed)
        cache.set(1, 10)
        clock.advance(by: Self.idle)
        cache.set(1, 11)
        #expect(departed.all.map(\.cause) == [.expired])
        #expect(!cache.setIfAbsent(1, 12))
        #expect(cache.get(1) == 11)
    }

    @Test func onTheDefaultClock_readsKeepAnEntryAlive_andIdlenessEndsIt() async throws {
        // A ticker that never visits: its removals take the lock, and a read that meets them takes
        // the locked path, which records its access on the precise clock.
        let cache = Cache<Int, Int>(
            capacity: 10,
            policy: .lru,
            admissionSeed: 1,
            expireAfterAccess: .seconds(1),
            ticker: ExpirationTicker(interval: .seconds(3_600))
        )
        defer { cache.close() }
        cache.set(1, 10)
        let start = ContinuousClock.now
        var reads = 0
        while ContinuousClock.now - start < .milliseconds(1_500) {
            #expect(cache.get(1) == 10)
            reads += 1
        }
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(cache.get(1) == nil)
        #expect(cache.stats().hitCount == reads)
    }

    #if os(Linux)
    /// Never ahead of the precise clock, so that a hit never finds an entry expired early; behind it
    /// by about a tick (a delayed kernel tick adds tens of microseconds here), with a bound loose
    /// enough for a loaded machine.
    @Test func theCoarseClock_isNeverAheadOfThePreciseOne_andCloseBehindIt() throws {
        let clock = try #require(CoarseAccessClock.shared)
        #expect(clock.resolution > 0 && clock.resolution <= 10_000_000, "resolution \(clock.resolution) ns")
        for _ in 0..<100_000 {
            let before = ContinuousCacheClock.systemNanoseconds()!
            let coarse = clock.lowerBound()
            let after = ContinuousCacheClock.systemNanoseconds()!
            #expect(coarse <= after)
            #expect(coarse + clock.resolution + 1_000_000_000 >= before)
        }
    }
    #endif

    @Test func configuration_isChecked() {
        #expect(throws: CacheError.invalidExpireAfterAccess(.zero)) {
            try Cache<Int, Int>(validatingCapacity: 10, expireAfterAccess: .zero)
        }
        #expect(throws: CacheError.invalidExpireAfterAccess(.seconds(-1))) {
            try Cache<Int, Int>(validatingMaximumWeight: 10, weigher: { _, _ in 1 }, expireAfterAccess: .seconds(-1))
        }
        #expect(Cache<Int, Int>(capacity: 10, expireAfterAccess: .seconds(5)).expireAfterAccess == .seconds(5))
        #expect(Cache<Int, Int>(capacity: 10).expireAfterAccess == nil)
        // Beyond 100 years, as a TTL: never.
        #expect(Cache<Int, Int>(capacity: 10, expireAfterAccess: .seconds(Int64.max)).expireAfterAccess == nil)
        #expect(
            CacheError.invalidExpireAfterAccess(.zero).description
                == "invalid expireAfterAccess 0.0 seconds: must be positive"
        )
    }

    struct Failure: Error {}
}

/// Eight threads read a busy group of keys every tick of a manual clock while an idle group is
/// never read: no busy key ever expires, and every idle key does, once.
@Suite(.serialized, .tags(.concurrency))
struct SlidingExpirationStressTests {
    @Test(arguments: [EvictionPolicy.lru, .tinyLFU, .clockPro])
    func busyKeysLive_idleKeysExpire_underManyReaders(policy: EvictionPolicy) {
        let readerCount = 8
        let tickCount = 40
        let tick = Duration.milliseconds(250)
        let busy = 0..<64
        let idle = 1_000..<1_064
        let clock = SlidingExpirationTests.makeClock()
        let departed = Departed()
        let cache = Cache<Int, Int>(
            capacity: 1_000,
            policy: policy,
            shardCount: 4,
            expireAfterAccess: .seconds(2),
            clock: clock,
            onRemoval: { departed.record($0, $1, $2) }
        )
        for key in busy { cache.set(key, key) }
        for key in idle { cache.set(key, key) }
        // Readers read every busy key once per tick; the clock moves on when all have.
        let finishedTicks = Atomic<Int>(0)
        let currentTick = Atomic<Int>(0)
        let missedBusyKeys = Atomic<Int>(0)
        runOnThreads(readerCount + 1) { thread in
            if thread == readerCount {
                for next in 1...tickCount {
                    while finishedTicks.load(ordering: .acquiring) < readerCount * next { sched_yield() }
                    clock.advance(by: tick)
                    currentTick.store(next, ordering: .releasing)
                    // Concurrently with the next tick's reads: the wheel reschedules busy keys.
                    cache.removeExpired()
                }
                return
            }
            for read in 0..<tickCount {
                while currentTick.load(ordering: .acquiring) < read { sched_yield() }
                for key in busy.shuffled() where cache.get(key) == nil {
                    missedBusyKeys.add(1, ordering: .relaxed)
                }
                finishedTicks.add(1, ordering: .releasing)
            }
        }
        cache.removeExpired()
        #expect(missedBusyKeys.load(ordering: .relaxed) == 0)
        let expired = departed.all.filter { $0.cause == .expired }.map(\.key)
        #expect(expired.sorted() == Array(idle))
        #expect(cache.count == busy.count)
        cache.checkInvariants()
    }
}
