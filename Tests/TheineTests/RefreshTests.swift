import Synchronization
import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Refresh ahead of expiry: `get(_:ttl:refreshAfter:loader:)`, its blocking twin, `refresh`,
/// `close` and `shutdown`, on a manual clock.
@Suite(.tags(.concurrency))
struct RefreshTests {
    private let clock = ManualCacheClock()
    private let departed = Departed()
    private let source = VersionedSource()

    private func makeCache(policy: EvictionPolicy = .lru) -> Cache<Int, Int> {
        let departed = departed
        return Cache(capacity: 100, policy: policy, clock: clock) { departed.record($0, $1, $2) }
    }

    /// A refreshing read of key 1: TTL 100 s, refresh after 10 s.
    private func read(_ cache: Cache<Int, Int>, refreshAfter: Duration = .seconds(10)) async throws -> Int {
        let source = source
        return try await cache.get(1, ttl: .seconds(100), refreshAfter: refreshAfter) { _ in try await source.load() }
    }

    /// Waits until no load or refresh of `key` is in flight.
    private func waitForLoads(of key: Int, in cache: Cache<Int, Int>) async {
        while cache._shard(for: key).withLock({ $0._flights[key] != nil }) { await Task.yield() }
    }

    /// Whether a refresh of `key` is in flight.
    private func isRefreshing(_ key: Int, in cache: Cache<Int, Int>) -> Bool {
        cache._shard(for: key).withLock { $0._flights[key]?.isRefresh ?? false }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func dueHit_servesTheOldValue_andReplacesItInTheBackground(policy: EvictionPolicy) async throws {
        let cache = makeCache(policy: policy)
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(9))
        #expect(try await read(cache) == 10)
        #expect(source.calls == 1, "not due yet")

        clock.advance(by: .seconds(1))
        source.close()
        #expect(try await read(cache) == 10, "a due hit is served at once")
        #expect(try await read(cache) == 10)
        #expect(isRefreshing(1, in: cache))
        source.open()
        await waitForLoads(of: 1, in: cache)

        #expect(source.calls == 2, "one reload for both due hits")
        #expect(try await read(cache) == 20)
        #expect(departed.all.map(\.cause) == [.replaced])
        #expect(departed.all.map(\.value) == [10])
        let stats = cache.stats()
        #expect(stats.refreshCount == 1)
        #expect(stats.refreshFailureCount == 0)
        #expect(stats.loadSuccessCount == 2)
        #expect(stats.hitCount == 4)
        #expect(stats.missCount == 1)
        // A fresh TTL: the first value's would have ended at 100 s.
        clock.advance(by: .seconds(95))
        #expect(cache.peekQuietly(1) == 20)
        #expect(cache.get(1) == 20)
    }

    @Test func refreshedValue_isDueAgainAfterRefreshAfter() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        _ = try await read(cache)
        await waitForLoads(of: 1, in: cache)
        clock.advance(by: .seconds(10) - .nanoseconds(1))
        #expect(try await read(cache) == 20)
        #expect(source.calls == 2)
        clock.advance(by: .nanoseconds(1))
        #expect(try await read(cache) == 20)
        await waitForLoads(of: 1, in: cache)
        #expect(source.calls == 3)
        #expect(cache.get(1) == 30)
    }

    @Test(arguments: [(Duration.seconds(10), Duration.seconds(1)), (.milliseconds(200), .milliseconds(200))])
    func failedRefresh_keepsTheOldValue_andRetriesNoSooner(refreshAfter: Duration, retry: Duration) async throws {
        let cache = makeCache()
        _ = try await read(cache, refreshAfter: refreshAfter)
        clock.advance(by: refreshAfter)
        source.fail(true)
        #expect(try await read(cache, refreshAfter: refreshAfter) == 10)
        await waitForLoads(of: 1, in: cache)
        #expect(source.calls == 2)
        #expect(cache.stats().refreshFailureCount == 1)
        #expect(cache.stats().loadFailureCount == 1)

        clock.advance(by: retry - .nanoseconds(1))
        #expect(try await read(cache, refreshAfter: refreshAfter) == 10)
        #expect(source.calls == 2, "no retry before \(retry)")
        clock.advance(by: .nanoseconds(1))
        source.fail(false)
        #expect(try await read(cache, refreshAfter: refreshAfter) == 10)
        await waitForLoads(of: 1, in: cache)
        #expect(source.calls == 3)
        #expect(cache.get(1) == 30)
        #expect(departed.all.map(\.cause) == [.replaced])
    }

    @Test func setDuringRefresh_wins_andTheRefreshedValueIsNeverNotified() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        cache.set(1, 99)
        source.open()
        await waitForLoads(of: 1, in: cache)

        #expect(cache.get(1) == 99)
        #expect(departed.all.map(\.value) == [10], "only the value the set replaced")
        // A value put by `set` is not refreshed.
        clock.advance(by: .seconds(20))
        #expect(try await read(cache) == 99)
        #expect(source.calls == 2)
        #expect(cache._shard(for: 1).withLock { $0._refreshDeadlines.occupiedSlots.isEmpty })
    }

    @Test func removeDuringRefresh_wins() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        #expect(cache.remove(1) == 10)
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(!cache.containsQuietly(1))
        #expect(departed.all.map(\.cause) == [.explicit])
    }

    @Test func updateDuringRefresh_doesNotWaitForIt_andWins() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        // The source is closed: an update that waited for the refresh would never return.
        let updated = await cache.update(1) { ($0 ?? 0) + 1 }
        #expect(updated == 11)
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 11)
        #expect(departed.all.map(\.value) == [10])
    }

    @Test func abandonedUpdateDuringRefresh_leavesTheEntryRefreshable() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        await #expect(throws: SourceDown.self) {
            try await cache.update(1) { _ in throw SourceDown() }
        }
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 10, "the superseded refresh stored nothing")
        clock.advance(by: .seconds(1))
        _ = try await read(cache)
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 30, "the next due hit refreshes again")
    }

    @Test func close_cancelsTheRefreshInFlight_andStartsNoMore() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        cache.close()
        await waitForLoads(of: 1, in: cache)
        #expect(source.cancellations == 1)
        #expect(cache.get(1) == 10)
        #expect(cache.stats().refreshFailureCount == 1)

        source.open()
        clock.advance(by: .seconds(10))
        #expect(try await read(cache) == 10)
        #expect(!isRefreshing(1, in: cache))
        #expect(source.calls == 2)
    }

    @Test func close_dropsWhatARefreshThatIgnoresCancellationLoads() async throws {
        let source = VersionedSource(honoursCancellation: false)
        let cache = makeCache()
        let load: @Sendable (Int) async throws -> Int = { _ in try await source.load() }
        _ = try await cache.get(1, ttl: .seconds(100), refreshAfter: .seconds(10), loader: load)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await cache.get(1, ttl: .seconds(100), refreshAfter: .seconds(10), loader: load)
        cache.close()
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 10)
        #expect(departed.all.isEmpty)
    }

    @Test func shutdown_waitsForTheRefreshesInFlight() async throws {
        let source = VersionedSource(honoursCancellation: false)
        let cache = makeCache()
        let load: @Sendable (Int) async throws -> Int = { _ in try await source.load() }
        for key in 0..<3 {
            _ = try await cache.get(key, ttl: .seconds(100), refreshAfter: .seconds(10), loader: load)
        }
        clock.advance(by: .seconds(10))
        source.close()
        for key in 0..<3 {
            _ = try await cache.get(key, ttl: .seconds(100), refreshAfter: .seconds(10), loader: load)
        }
        let finished = Atomic<Bool>(false)
        let shutdown = Task {
            await cache.shutdown()
            finished.store(true, ordering: .releasing)
        }
        for _ in 0..<1_000 { await Task.yield() }
        let finishedEarly = finished.load(ordering: .acquiring)
        #expect(!finishedEarly, "shut down while refreshes ran")
        #expect(cache.isClosed)
        source.open()
        await shutdown.value
        let finishedAfterward = finished.load(ordering: .acquiring)
        #expect(finishedAfterward)
        #expect(cache._shards.allSatisfy { $0.withLock { $0._flights.isEmpty } })
        #expect((0..<3).map { cache.get($0) } == [10, 20, 30], "closed first: no refreshed value stored")
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func hundredConcurrentReadersOfADueKey_startExactlyOneReload(policy: EvictionPolicy) async throws {
        let cache = makeCache(policy: policy)
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask { try await read(cache) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Every reader returned while the reload was still waiting on the closed source.
        #expect(values == Array(repeating: 10, count: 100))
        #expect(source.calls == 2)
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 20)
        #expect(cache.stats().refreshCount == 1)
    }

    @Test func dueHitDuringAnotherLoadOfTheKey_startsNoReload() async throws {
        let cache = makeCache()
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        let reload = cache.refresh(1, ttl: .seconds(100), refreshAfter: .seconds(10)) { _ in try await source.load() }
        while source.calls < 2 { await Task.yield() }
        #expect(try await read(cache) == 10)
        source.open()
        #expect(try await reload.value == 20)
        #expect(source.calls == 2, "the due hit joined the reload in flight")
        #expect(try await read(cache) == 20)
    }

    @Test func missDuringRefresh_waitsForTheRefresh() async throws {
        let cache = Cache<Int, Int>(capacity: 1, policy: .lru, clock: clock)
        _ = try await read(cache)
        clock.advance(by: .seconds(10))
        source.close()
        _ = try await read(cache)
        // The entry is evicted while its refresh runs (not a write: the refresh still stores);
        // a miss then joins the refresh.
        cache.set(2, 2)
        let miss = Task { try await read(cache) }
        while cache._shard(for: 1).withLock({ $0._flights[1]?.waiters.count ?? 0 }) < 1 { await Task.yield() }
        source.open()
        #expect(try await miss.value == 20)
        #expect(source.calls == 2)
        #expect(cache.get(1) == 20)
    }

    @Test func valuesNotStoredByARefreshingLoad_areNotRefreshed() async throws {
        let cache = makeCache()
        cache.set(1, 5, ttl: .seconds(100))
        _ = try await cache.get(2, ttl: .seconds(100)) { _ in 6 }
        clock.advance(by: .seconds(50))
        #expect(try await read(cache) == 5)
        #expect(try await cache.get(2, ttl: .seconds(100), refreshAfter: .seconds(10)) { _ in 7 } == 6)
        #expect(source.calls == 0)
        #expect(cache._shards.allSatisfy { $0.withLock { $0._refreshDeadlines.occupiedSlots.isEmpty } })
        #expect(cache.stats().refreshCount == 0)
    }

    @Test func refreshDeadlines_leaveWithTheirEntries() async throws {
        let cache = Cache<Int, Int>(capacity: 4, policy: .lru, clock: clock)
        for key in 0..<8 {
            _ = try await cache.get(key, ttl: .seconds(100), refreshAfter: .seconds(10)) { $0 }
        }
        #expect(cache._shards[0].withLock { $0._refreshDeadlines.occupiedSlots.count } == 4, "the evicted four left")
        cache.remove(7)
        clock.advance(by: .seconds(100))
        cache.removeExpired()
        #expect(cache._shards[0].withLock { $0._refreshDeadlines.occupiedSlots.isEmpty })
        _ = try await cache.get(1, ttl: .seconds(100), refreshAfter: .seconds(10)) { $0 }
        cache.removeAll()
        #expect(cache._shards[0].withLock { $0._refreshDeadlines.occupiedSlots.isEmpty })
    }

    @Test func explicitRefresh_keepsThePresentValueVisible_andReplacesIt() async throws {
        let cache = makeCache()
        cache.set(1, 5)
        source.close()
        let task = cache.refresh(1, ttl: .seconds(100)) { _ in try await source.load() }
        while source.calls == 0 { await Task.yield() }
        #expect(cache.get(1) == 5)
        source.open()
        #expect(try await task.value == 10)
        #expect(cache.get(1) == 10)
        #expect(departed.all.map(\.cause) == [.replaced])
        let stats = cache.stats()
        #expect(stats.refreshCount == 1)
        #expect(stats.requestCount == 2, "a refresh counts no request")
    }

    @Test func explicitRefresh_joinsTheLoadInFlight_andLoadsAnAbsentKey() async throws {
        let cache = makeCache()
        source.close()
        let load = Task { try await read(cache) }
        while source.calls == 0 { await Task.yield() }
        let refresh = cache.refresh(1) { _ in try await source.load() }
        // The refresh joins from a task of its own: opened before it joined, the load could end
        // first and the refresh load again (seen under AddressSanitizer in CI).
        while cache._shard(for: 1).withLock({ $0._flights[1]?.waiters.count ?? 0 }) < 2 { await Task.yield() }
        source.open()
        #expect(try await refresh.value == 10)
        #expect(try await load.value == 10)
        #expect(source.calls == 1)
        #expect(try await cache.refresh(2) { _ in 7 }.value == 7)
        #expect(cache.get(2) == 7)
    }

    @Test func explicitRefresh_whoseCallerIsCancelled_runsOn() async throws {
        let cache = makeCache()
        cache.set(1, 5)
        source.close()
        let task = cache.refresh(1) { _ in try await source.load() }
        while source.calls == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        source.open()
        await waitForLoads(of: 1, in: cache)
        #expect(cache.get(1) == 10)
    }

    @Test func explicitRefreshFailure_throws_andKeepsThePresentValue() async throws {
        let cache = makeCache()
        cache.set(1, 5)
        source.fail(true)
        await #expect(throws: SourceDown.self) { try await cache.refresh(1) { _ in try await source.load() }.value }
        #expect(cache.get(1) == 5)
        #expect(cache.stats().refreshFailureCount == 1)
    }

    @Test func blockingRefreshingGet_reloadsOffTheReadingThread() throws {
        let cache = makeCache()
        let source = source
        let read: @Sendable () throws -> Int = {
            try cache.get(1, ttl: .seconds(100), refreshAfter: .seconds(10)) { _ in try source.loadBlocking() }
        }
        #expect(try read() == 10)
        clock.advance(by: .seconds(10))
        source.close()
        // Sixteen threads read the due key while its reload waits on the closed source.
        let values = LockedState<[Int]>([])
        runOnThreads(16) { _ in
            let value = try! read()
            values.withLock { $0.append(value) }
        }
        #expect(values.withLock { $0 } == Array(repeating: 10, count: 16))
        // The reload runs on a Dispatch queue, which may not have started it yet.
        while source.calls < 2 { usleep(100) }
        usleep(10_000)
        #expect(source.calls == 2)
        source.open()
        while cache._shard(for: 1).withLock({ $0._flights[1] != nil }) { usleep(100) }
        #expect(cache.get(1) == 20)
        #expect(cache.stats().refreshCount == 1)
    }

    @Test func memoizedWithRefreshAfter_servesTheOldResult_andRecomputesInTheBackground() async throws {
        let source = source
        let memoized = Memoized(capacity: 10, ttl: .seconds(100), refreshAfter: .seconds(10), clock: clock) {
            (_: Int) async throws -> Int in try await source.load()
        }
        #expect(try await memoized(1) == 10)
        clock.advance(by: .seconds(10))
        #expect(try await memoized(1) == 10)
        while memoized.cache._shard(for: ArgumentsKey(1)).withLock({ !$0._flights.isEmpty }) { await Task.yield() }
        #expect(try await memoized(1) == 20)
        #expect(memoized.cache.stats().refreshCount == 1)
    }

    @Test func blockingMemoizedWithRefreshAfter_recomputesOffTheCallingThread() throws {
        let source = source
        let memoized = Memoized(capacity: 10, ttl: .seconds(100), refreshAfter: .seconds(10), clock: clock) {
            (_: Int) throws -> Int in try source.loadBlocking()
        }
        #expect(try memoized(1) == 10)
        clock.advance(by: .seconds(10))
        #expect(try memoized(1) == 10)
        while memoized.cache._shard(for: ArgumentsKey(1)).withLock({ !$0._flights.isEmpty }) { usleep(100) }
        #expect(try memoized(1) == 20)
    }

    @Test func refreshAfterZero_trapsNamingArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let cache = Cache<Int, Int>(capacity: 10)
            _ = try? await cache.get(1, refreshAfter: .zero) { $0 }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("refreshAfter must be above .zero, got 0.0 seconds"))
    }
}
