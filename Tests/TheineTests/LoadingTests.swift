import Testing

@testable import Theine

// Test state is guarded by `LockedState` (a pthread mutex), not `Synchronization.Mutex`: under
// ThreadSanitizer a `Mutex`-guarded array was reported racing, as TSan does not model the futex
// that `Mutex` uses on Linux.
/// A loader that blocks until opened, counting its calls and whether it saw cancellation.
private final class GatedLoader: Sendable {
    private let state = LockedState<(calls: Int, cancelled: Int, isOpen: Bool)>((0, 0, false))

    var calls: Int { state.withLock { $0.calls } }
    var cancellations: Int { state.withLock { $0.cancelled } }

    func open() { state.withLock { $0.isOpen = true } }

    /// Counts the call, then waits (polling, cancellable) until opened, and returns `value`.
    func load(_ value: Int) async throws -> Int {
        state.withLock { $0.calls += 1 }
        while !state.withLock({ $0.isOpen }) {
            do {
                try await Task.sleep(for: .milliseconds(1))
            } catch {
                state.withLock { $0.cancelled += 1 }
                throw error
            }
        }
        return value
    }
}

private struct LoadFailure: Error, Equatable {}

@Suite(.tags(.concurrency))
struct LoadingTests {
    /// Waits until `count` callers wait on the load of `key`.
    private func waitForWaiters(_ count: Int, key: Int, in cache: Cache<Int, Int>) async {
        while cache._shard(for: key).withLock({ $0._flights[key]?.waiters.count ?? 0 }) < count {
            await Task.yield()
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func hundredConcurrentCallers_runTheLoaderOnce_andAllGetItsValue(policy: EvictionPolicy) async throws {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy)
        let loader = GatedLoader()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask { try await cache.get(7) { _ in try await loader.load(42) } }
            }
            await waitForWaiters(100, key: 7, in: cache)
            loader.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 42, count: 100))
        #expect(loader.calls == 1)
        #expect(cache.get(7) == 42)
        let stats = cache.stats()
        #expect(stats.loadSuccessCount == 1)
        #expect(stats.loadFailureCount == 0)
        #expect(stats.missCount == 100)
        #expect(stats.totalLoadTime > .zero)
        #expect(stats.averageLoadPenalty == stats.totalLoadTime)
    }

    @Test func hit_doesNotLoad() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 10)
        let value = try await cache.get(1) { _ in
            Issue.record("loader ran on a hit")
            return 0
        }
        #expect(value == 10)
        #expect(cache.stats().loadCount == 0)
    }

    @Test func failingLoad_reachesEveryWaiter_andIsNotCached() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedLoader()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        _ = try await cache.get(1) { _ in
                            _ = try await loader.load(0)
                            throw LoadFailure()
                        }
                        return false
                    } catch {
                        return error is LoadFailure
                    }
                }
            }
            await waitForWaiters(10, key: 1, in: cache)
            loader.open()
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: true, count: 10))
        #expect(loader.calls == 1)
        #expect(cache.count == 0)
        #expect(cache.stats().loadFailureCount == 1)
        // The next call loads again.
        let value = try await cache.get(1) { _ in 5 }
        #expect(value == 5)
        #expect(cache.stats().loadSuccessCount == 1)
    }

    @Test func cancelledWaiter_throwsCancellation_andTheOthersGetTheValue() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedLoader()
        let cancelled = Task { try await cache.get(3) { _ in try await loader.load(30) } }
        let kept = Task { try await cache.get(3) { _ in try await loader.load(30) } }
        await waitForWaiters(2, key: 3, in: cache)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        await waitForWaiters(1, key: 3, in: cache)
        loader.open()
        #expect(try await kept.value == 30)
        #expect(loader.calls == 1)
        #expect(loader.cancellations == 0)
        #expect(cache.get(3) == 30)
    }

    @Test func everyWaiterCancelled_cancelsTheLoad() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedLoader()
        let first = Task { try await cache.get(4) { _ in try await loader.load(40) } }
        let second = Task { try await cache.get(4) { _ in try await loader.load(40) } }
        await waitForWaiters(2, key: 4, in: cache)
        first.cancel()
        second.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        await #expect(throws: CancellationError.self) { try await second.value }
        while loader.cancellations == 0 { await Task.yield() }
        while cache._shard(for: 4).withLock({ $0._flights[4] != nil }) { await Task.yield() }
        #expect(cache.count == 0)
        #expect(cache.stats().loadFailureCount == 1)
    }

    @Test func setDuringTheLoad_winsInTheCache_andTheWaitersGetTheLoadedValue() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedLoader()
        let waiter = Task { try await cache.get(5) { _ in try await loader.load(50) } }
        await waitForWaiters(1, key: 5, in: cache)
        cache.set(5, 99)
        loader.open()
        #expect(try await waiter.value == 50)
        #expect(cache.get(5) == 99)
    }

    @Test func removeDuringTheLoad_keepsTheLoadedValueOutOfTheCache() async throws {
        for clear in [false, true] {
            let cache = Cache<Int, Int>(capacity: 10)
            let loader = GatedLoader()
            let waiter = Task { try await cache.get(6) { _ in try await loader.load(60) } }
            await waitForWaiters(1, key: 6, in: cache)
            if clear { cache.removeAll() } else { cache.remove(6) }
            loader.open()
            #expect(try await waiter.value == 60)
            #expect(cache.get(6) == nil)
        }
    }

    @Test func slowLoad_blocksNeitherOtherKeysNorWritesToItsOwn() async throws {
        let cache = Cache<Int, Int>(capacity: 2, policy: .lru)
        let loader = GatedLoader()
        let waiter = Task { try await cache.get(1) { _ in try await loader.load(10) } }
        await waitForWaiters(1, key: 1, in: cache)
        for key in 2..<10 { cache.set(key, key) }  // evictions proceed
        #expect(cache.get(9) == 9)
        #expect(try await cache.get(20) { _ in 200 } == 200)  // another key loads meanwhile
        loader.open()
        #expect(try await waiter.value == 10)
    }

    @Test func loadedValue_takesItsTTL() async throws {
        let clock = ManualCacheClock()
        let cache = Cache<Int, Int>(capacity: 10, clock: clock)
        #expect(try await cache.get(1, ttl: .seconds(10)) { _ in 1 } == 1)
        clock.advance(by: .seconds(10))
        #expect(cache.get(1) == nil)
        #expect(try await cache.get(1, ttl: .zero) { _ in 2 } == 2)  // returned, not stored
        #expect(cache.count == 0)
    }
}
