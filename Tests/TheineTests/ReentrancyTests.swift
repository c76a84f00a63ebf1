import Testing

@testable import Theine

/// A value whose `deinit` reads the cache it lived in: it must run after the cache's lock is
/// released, or it would deadlock.
private final class ReentrantValue: Sendable {
    let cache: Cache<Int, ReentrantValue>?
    let released: ReleaseLog

    init(cache: Cache<Int, ReentrantValue>?, released: ReleaseLog) {
        self.cache = cache
        self.released = released
    }

    deinit {
        _ = cache?.get(-1)
        _ = cache?.count
        released.record()
    }
}

private final class ReleaseLog: @unchecked Sendable {
    private let state = LockedState(0)
    func record() { state.withLock { $0 += 1 } }
    var count: Int { state.withLock { $0 } }
}

@Suite(.tags(.invariants, .concurrency))
struct ReentrancyTests {
    @Test(arguments: EvictionPolicy.allPolicies)
    func valueDeinit_callingBackIntoCache_doesNotDeadlock(policy: EvictionPolicy) {
        let log = ReleaseLog()
        let cache = Cache<Int, ReentrantValue>(capacity: 4, policy: policy)
        func value() -> ReentrantValue { ReentrantValue(cache: cache, released: log) }

        cache.set(0, value())
        cache.set(0, value())  // overwrite releases the first value
        #expect(log.count == 1)
        cache.remove(0)  // removal releases the second
        #expect(log.count == 2)
        for key in 1...10 { cache.set(key, value()) }  // evictions release 6
        #expect(log.count == 8)
        cache.setIfAbsent(1_000, value())  // a new key: one more eviction
        #expect(log.count == 9)
        cache.removeAll()  // clearing releases the 4 left
        #expect(log.count == 13)
        #expect(cache.count == 0)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func expiredValueDeinit_callingBackIntoCache_doesNotDeadlock(policy: EvictionPolicy) {
        let log = ReleaseLog()
        let clock = ManualCacheClock()
        let cache = Cache<Int, ReentrantValue>(capacity: 100, policy: policy, clock: clock)
        func value() -> ReentrantValue { ReentrantValue(cache: cache, released: log) }

        for key in 0..<4 { cache.set(key, value(), ttl: .seconds(1)) }
        cache.set(10, value(), ttl: .seconds(100))
        clock.advance(by: .seconds(1))
        _ = cache.get(0)  // a read finds it expired
        #expect(log.count == 1)
        cache.remove(1)  // removal of an expired entry
        #expect(log.count == 2)
        #expect(cache.setIfAbsent(2, value()))  // replaces an expired entry
        #expect(log.count == 3)
        cache.set(3, value())  // overwrites an expired entry
        #expect(log.count == 4)
        clock.advance(by: .seconds(100))
        #expect(cache.removeExpired() == 1)  // the wheel removes 10
        #expect(log.count == 5)
        cache.set(20, value(), ttl: .seconds(1))
        clock.advance(by: .seconds(3))
        cache.set(21, value())  // a write advances the wheel past 20's bucket
        #expect(log.count == 6)
        cache.removeAll()
    }
}
