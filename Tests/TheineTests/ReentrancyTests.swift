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
}
