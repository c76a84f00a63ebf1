import Dispatch
import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One notification, as the listener saw it.
private struct Notification: Equatable, Sendable {
    let key: Int
    let value: Int
    let cause: RemovalCause
}

/// A removal listener that records every notification, and for each whether a shard's lock was held
/// and which thread it ran on. Guarded by `LockedState` (a pthread mutex): ThreadSanitizer models it.
private final class RemovalRecorder: Sendable {
    private struct State {
        var notifications: [Notification] = []
        var underLock = 0
        var threads: [pthread_t] = []
    }
    private struct WeakCache {
        weak var cache: Cache<Int, Int>?
    }
    private let state = LockedState(State())
    /// The cache the listener checks the locks of, set once it exists (weakly: the cache holds
    /// the listener, which holds this recorder).
    private let watched = LockedState(WeakCache())

    var notifications: [Notification] { state.withLock { $0.notifications } }
    var notifiedUnderLock: Int { state.withLock { $0.underLock } }
    var threads: [pthread_t] { state.withLock { $0.threads } }

    func watch(_ cache: Cache<Int, Int>) {
        watched.withLock { $0.cache = cache }
    }

    func record(_ key: Int, _ value: Int, _ cause: RemovalCause) {
        let isLocked = watched.withLock { $0.cache?.isAnyShardLocked ?? false }
        state.withLock {
            $0.notifications.append(Notification(key: key, value: value, cause: cause))
            if isLocked { $0.underLock += 1 }
            $0.threads.append(pthread_self())
        }
    }

    /// A cache with this recorder as its listener (admission seed 42, so W-TinyLFU repeats itself).
    func cache(
        capacity: Int = 100,
        policy: EvictionPolicy = .lru,
        shardCount: Int? = nil,
        clock: any CacheClock = ManualCacheClock(),
        ticker: ExpirationTicker = ExpirationTicker(interval: .seconds(3_600))
    ) -> Cache<Int, Int> {
        let cache = Cache<Int, Int>(
            capacity: capacity,
            policy: policy,
            admissionSeed: 42,
            shardCount: shardCount,
            clock: clock,
            ticker: ticker
        ) { [self] key, value, cause in record(key, value, cause) }
        watch(cache)
        return cache
    }
}

/// The table of causes in `Cache`'s documentation, row by row; every notification outside the
/// shard's lock, on the calling thread, exactly once; stats that count the causes; and, with eight
/// threads, every value ever stored either present at the end or notified exactly once.
@Suite(.tags(.concurrency, .invariants))
struct RemovalNotificationTests {
    /// Expects `recorder` to have heard exactly `expected`, outside the locks, on this thread.
    private func expect(
        _ recorder: RemovalRecorder,
        heard expected: [Notification],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(recorder.notifications == expected, sourceLocation: sourceLocation)
        #expect(recorder.notifiedUnderLock == 0, "notified under a shard's lock", sourceLocation: sourceLocation)
        let me = pthread_self()
        #expect(recorder.threads.allSatisfy { pthread_equal($0, me) != 0 }, sourceLocation: sourceLocation)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func remove_ofALiveEntry_notifiesExplicit(policy: EvictionPolicy) {
        let recorder = RemovalRecorder()
        let cache = recorder.cache(policy: policy)
        cache.set(1, 10)
        #expect(cache.remove(1) == 10)
        #expect(cache.remove(1) == nil)
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .explicit)])
        #expect(cache.stats().explicitRemovalCount == 1)
    }

    @Test func removeAll_notifiesLiveEntriesExplicit_andThosePastTheirDeadlineExpired() {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(shardCount: 4, clock: clock)
        cache.set(1, 10, ttl: .seconds(10))
        cache.set(2, 20)
        cache.set(3, 30, ttl: .seconds(60))
        clock.advance(by: .seconds(10))
        cache.removeAll()
        let heard = recorder.notifications.sorted { $0.key < $1.key }
        #expect(
            heard == [
                Notification(key: 1, value: 10, cause: .expired),
                Notification(key: 2, value: 20, cause: .explicit),
                Notification(key: 3, value: 30, cause: .explicit),
            ]
        )
        #expect(recorder.notifiedUnderLock == 0)
        let stats = cache.stats()
        #expect(stats.explicitRemovalCount == 2)
        #expect(stats.expirationCount == 1)
        #expect(cache.count == 0)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func invalidate_ofALiveEntry_notifiesInvalidated_countedAsExplicit(policy: EvictionPolicy) {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(policy: policy, clock: clock)
        cache.set(1, 10)
        cache.set(2, 20, ttl: .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(cache.invalidate(1) == 10)
        #expect(cache.invalidate(1) == nil)
        #expect(cache.invalidate(2) == nil)
        expect(
            recorder,
            heard: [
                Notification(key: 1, value: 10, cause: .invalidated),
                Notification(key: 2, value: 20, cause: .expired),
            ]
        )
        #expect(cache.stats().explicitRemovalCount == 1)
        #expect(cache.stats().expirationCount == 1)
        #expect(RemovalCause.invalidated.description == "invalidated")
        #expect(!RemovalCause.invalidated.wasEvicted)
    }

    @Test func invalidateAll_notifiesLiveEntriesInvalidated_andThosePastTheirDeadlineExpired() {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(shardCount: 4, clock: clock)
        cache.set(1, 10, ttl: .seconds(10))
        cache.set(2, 20)
        cache.set(3, 30)
        clock.advance(by: .seconds(10))
        cache.invalidateAll()
        let heard = recorder.notifications.sorted { $0.key < $1.key }
        #expect(
            heard == [
                Notification(key: 1, value: 10, cause: .expired),
                Notification(key: 2, value: 20, cause: .invalidated),
                Notification(key: 3, value: 30, cause: .invalidated),
            ]
        )
        #expect(cache.stats().explicitRemovalCount == 2)
        #expect(cache.count == 0)
        // A later removeAll is explicit again.
        cache.set(4, 40)
        cache.removeAll()
        #expect(recorder.notifications.last == Notification(key: 4, value: 40, cause: .explicit))
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func set_overALiveValue_notifiesTheOldValueReplaced(policy: EvictionPolicy) {
        let recorder = RemovalRecorder()
        let cache = recorder.cache(policy: policy)
        cache.set(1, 10)
        cache.set(1, 11)
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .replaced)])
        #expect(cache.stats().replacementCount == 1)
        #expect(cache.get(1) == 11)
    }

    @Test func set_overAValuePastItsDeadline_notifiesTheOldValueExpired() {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(clock: clock)
        cache.set(1, 10, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        cache.set(1, 11)
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .expired)])
        #expect(cache.stats().expirationCount == 1)
        #expect(cache.stats().replacementCount == 0)
    }

    @Test(arguments: [Duration.zero, .seconds(-1)])
    func set_withATTLOfZeroOrLess_notifiesTheOldValueExplicit(ttl: Duration) {
        let recorder = RemovalRecorder()
        let cache = recorder.cache()
        cache.set(1, 10)
        cache.set(1, 11, ttl: ttl)
        cache.set(2, 20, ttl: ttl)  // absent: nothing stored, nothing departs
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .explicit)])
        #expect(cache.count == 0)
    }

    @Test func setIfAbsent_overAValuePastItsDeadline_notifiesExpired_andOverALiveOne_nothing() {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(clock: clock)
        cache.set(1, 10, ttl: .seconds(5))
        cache.set(2, 20)
        clock.advance(by: .seconds(5))
        #expect(cache.setIfAbsent(1, 11))
        #expect(!cache.setIfAbsent(2, 21))
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .expired)])
    }

    @Test func insertionBeyondTheCapacity_notifiesTheLeastRecentlyUsedEvicted() {
        let recorder = RemovalRecorder()
        let cache = recorder.cache(capacity: 2)
        cache.set(1, 10)
        cache.set(2, 20)
        _ = cache.get(1)
        cache.set(3, 30)
        expect(recorder, heard: [Notification(key: 2, value: 20, cause: .evicted)])
        #expect(cache.stats().evictionCount == 1)
    }

    /// W-TinyLFU stores a newcomer in its window; when the window passes it on, the main space
    /// refuses it against hotter residents, and it departs evicted, though it had been stored.
    /// (Newcomers one after another, each stored: with any hash seed, the frequency sketch refuses
    /// nearly all of them against residents used 15 times.)
    @Test func tinyLFU_refusingNewcomersItStored_notifiesThemEvicted() {
        let recorder = RemovalRecorder()
        let cache = recorder.cache(capacity: 100, policy: .tinyLFU)
        for key in 0..<100 { cache.set(key, key) }
        for _ in 0..<15 { for key in 0..<100 { _ = cache.get(key) } }
        let before = recorder.notifications.count
        for newcomer in 1_000..<1_050 {
            #expect(cache.setIfAbsent(newcomer, newcomer))  // stored, in the window
        }
        let refused = recorder.notifications[before...].filter { $0.key >= 1_000 }
        #expect(refused.count >= 40)
        #expect(refused.allSatisfy { $0.cause == .evicted && $0.value == $0.key })
        #expect(refused.allSatisfy { !cache.containsQuietly($0.key) })
        #expect(recorder.notifiedUnderLock == 0)
        #expect(cache.stats().evictionCount == recorder.notifications.count)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func get_ofAnEntryPastItsDeadline_notifiesExpiredOnTheCallingThread(policy: EvictionPolicy) {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(policy: policy, clock: clock)
        cache.set(1, 10, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(cache.get(1) == nil)
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .expired)])
    }

    @Test func removeExpired_notifiesExpiredOnTheCallingThread() {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(shardCount: 2, clock: clock)
        cache.set(1, 10, ttl: .seconds(5))
        cache.set(2, 20, ttl: .seconds(50))
        clock.advance(by: .seconds(5))
        #expect(cache.removeExpired() == 1)
        expect(recorder, heard: [Notification(key: 1, value: 10, cause: .expired)])
    }

    /// The shared ticker serves every cache: a listener that blocks must not hold up another
    /// cache's expiry, so the ticker's expirations are notified on the cache's own queue.
    @Test func backgroundExpiry_isNotifiedOffTheTicker_soASlowListenerDelaysNoOtherCache() {
        let ticker = ExpirationTicker(interval: .milliseconds(10))
        let clock = ManualCacheClock()
        let gate = DispatchSemaphore(value: 0)
        let heard = LockedState<[Notification]>([])
        let slow = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, clock: clock, ticker: ticker) {
            key,
            value,
            cause in
            gate.wait()
            heard.withLock { $0.append(Notification(key: key, value: value, cause: cause)) }
        }
        let other = Cache<Int, Int>(capacity: 10, policy: .lru, admissionSeed: 1, clock: clock, ticker: ticker)
        slow.set(1, 10, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(ExpirationTickerTests.eventually { slow.count == 0 })
        // The slow listener now blocks its queue; the ticker goes on expiring the other cache.
        other.set(2, 20, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(ExpirationTickerTests.eventually { other.count == 0 })
        gate.signal()
        slow.waitForBackgroundRemovals()
        #expect(heard.withLock { $0 } == [Notification(key: 1, value: 10, cause: .expired)])
    }

    @Test func load_supersededByAWrite_neverNotifiesItsValue() async throws {
        let recorder = RemovalRecorder()
        let cache = recorder.cache()
        let started = LockedState(false)
        let release = LockedState(false)
        let load = Task {
            try await cache.get(1) { _ in
                started.withLock { $0 = true }
                while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
                return 99
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        cache.set(1, 10)  // supersedes the load
        release.withLock { $0 = true }
        #expect(try await load.value == 99)
        #expect(cache.get(1) == 10)
        cache.remove(1)
        #expect(recorder.notifications == [Notification(key: 1, value: 10, cause: .explicit)])
    }

    /// The load's own miss path, which finds the expired entry without removing it (the public
    /// `get` would remove it first, on its lookup): the load's store displaces it.
    @Test func load_storingOverAnExpiredValue_notifiesItExpired() async throws {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let cache = recorder.cache(clock: clock)
        cache.set(1, 10, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        let loaded = try await cache.load(
            1,
            terms: LoadTerms(ttl: nil, refreshAfter: nil, staleIfError: nil),
            interruptible: true
        ) { _ in
            #expect(recorder.notifications.isEmpty)
            #expect(cache.containsQuietly(1))
            return 11
        }
        #expect(loaded == 11)
        #expect(recorder.notifications == [Notification(key: 1, value: 10, cause: .expired)])
        #expect(cache.peekQuietly(1) == 11)
    }

    @Test func close_andRelease_notifyNothing() {
        let recorder = RemovalRecorder()
        weak var released: Cache<Int, Int>?
        do {
            let cache = recorder.cache()
            released = cache
            for key in 0..<10 { cache.set(key, key, ttl: .seconds(60)) }
            cache.close()
            #expect(cache.count == 10)
        }
        #expect(released == nil)
        #expect(recorder.notifications.isEmpty)
    }

    /// The listener runs outside the shard's lock, so it may use the cache, here one shard that
    /// it reads and writes.
    @Test(.timeLimit(.minutes(10)))
    func listener_callingTheCache_completes() {
        let cacheBox = LockedState<Cache<Int, Int>?>(nil)
        let cache = Cache<Int, Int>(capacity: 4, policy: .lru) { key, value, cause in
            guard let cache = cacheBox.withLock({ $0 }), key >= 0 else { return }
            _ = cache.get(key)
            cache.set(-key - 1, value)  // a record of what left, in the same shard
        }
        cacheBox.withLock { $0 = cache }
        cache.set(1, 10)
        cache.remove(1)
        #expect(cache.get(-2) == 10)
        cacheBox.withLock { $0 = nil }
    }

    /// A listener that puts every departed key back once (a refresh on expiry, say) terminates,
    /// and leaves a consistent cache within its capacity.
    @Test(.timeLimit(.minutes(10)), arguments: EvictionPolicy.allPolicies)
    func listener_puttingDepartedKeysBack_terminates(policy: EvictionPolicy) {
        let clock = ManualCacheClock()
        let putBack = LockedState<Set<Int>>([])
        let cacheBox = LockedState<Cache<Int, Int>?>(nil)
        let cache = Cache<Int, Int>(capacity: 8, policy: policy, shardCount: 2, clock: clock) { key, value, cause in
            guard cause != .replaced, putBack.withLock({ $0.insert(key).inserted }),
                let cache = cacheBox.withLock({ $0 })
            else { return }
            cache.set(key, value)
        }
        cacheBox.withLock { $0 = cache }
        for key in 0..<32 { cache.set(key, key, ttl: .seconds(key % 2 == 0 ? 5 : 60)) }
        clock.advance(by: .seconds(5))
        cache.removeExpired()
        cache.remove(31)
        cache.removeAll()
        cacheBox.withLock { $0 = nil }
        #expect(cache.count <= cache.capacity)
        cache.checkInvariants()
    }

    @Test func removalCause_namesAndWasEvicted() {
        #expect(
            [RemovalCause.explicit, .replaced, .expired, .evicted].map(\.description) == [
                "explicit", "replaced", "expired", "evicted",
            ]
        )
        #expect(
            [RemovalCause.explicit, .replaced, .expired, .evicted].map(\.wasEvicted) == [false, false, true, true]
        )
        #expect(Set([RemovalCause.explicit, .replaced, .expired, .evicted]).count == 4)
    }

    /// Eight threads write, overwrite, remove, expire and evict over a small key space, while the
    /// clock moves and a ticker expires in the background. (Whether a notification ran under a
    /// lock is checked by the single-threaded tests: here other threads hold the locks.) At the end every value ever stored is
    /// either in the cache or was notified exactly once (and no value was notified that was not
    /// stored), and the notifications by cause equal the stats.
    @Test(arguments: EvictionPolicy.allPolicies)
    func eightThreads_everyStoredValueIsPresentOrNotifiedExactlyOnce(policy: EvictionPolicy) {
        let recorder = RemovalRecorder()
        let clock = ManualCacheClock()
        let ticker = ExpirationTicker(interval: .milliseconds(5))
        let cache = recorder.cache(capacity: 64, policy: policy, shardCount: 4, clock: clock, ticker: ticker)
        let threadCount = 8
        let operations = 4_000
        let keys = 256
        let stored = LockedState<[Int]>([])
        var threads: [pthread_t] = []
        for thread in 0..<threadCount {
            threads.append(
                startThread {
                    var random = SplitMix64(seed: UInt64(thread + 1))
                    var mine: [Int] = []
                    for operation in 0..<operations {
                        let key = Int(random.next() % UInt64(keys))
                        let value = thread << 32 | operation
                        switch random.next() % 16 {
                        case 0..<6:
                            let ttl: Duration? = random.next() % 3 == 0 ? .milliseconds(Int(random.next() % 50)) : nil
                            cache.set(key, value, ttl: ttl)
                            if ttl != .zero { mine.append(value) }
                        case 6..<8:
                            if cache.setIfAbsent(key, value, ttl: .milliseconds(20)) { mine.append(value) }
                        case 8..<11:
                            cache.remove(key)
                        case 11:
                            if random.next() % 64 == 0 { cache.removeAll() }
                        case 12:
                            clock.advance(by: .milliseconds(3))
                            if random.next() % 8 == 0 { cache.removeExpired() }
                        default:
                            _ = cache.get(key)
                        }
                    }
                    stored.withLock { $0 += mine }
                }
            )
        }
        for thread in threads { pthread_join(thread, nil) }
        cache.close()
        ticker.waitForVisits()  // one that began before the close
        cache.waitForBackgroundRemovals()

        var present: [Int] = []
        for key in 0..<keys {
            if let value = cache.peekQuietly(key) { present.append(value) }
        }
        let notified = recorder.notifications
        let notifiedValues = notified.map(\.value)
        #expect(Set(notifiedValues).count == notifiedValues.count, "a value notified twice")
        #expect(Set(present).isDisjoint(with: notifiedValues), "a present value was notified")
        #expect(Set(present).union(notifiedValues) == Set(stored.withLock { $0 }))

        let stats = cache.stats()
        func count(_ cause: RemovalCause) -> Int { notified.count { $0.cause == cause } }
        #expect(count(.explicit) == stats.explicitRemovalCount)
        #expect(count(.replaced) == stats.replacementCount)
        #expect(count(.expired) == stats.expirationCount)
        #expect(count(.evicted) == stats.evictionCount)
        #expect(count(.evicted) > 0 && count(.expired) > 0 && count(.replaced) > 0 && count(.explicit) > 0)
        cache.checkInvariants()
    }
}
