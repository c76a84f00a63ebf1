import Synchronization
import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private struct LoadFailure: Error {}

extension Cache {
    /// The threads blocked in the blocking `get` on the load of `key` in flight (0 without one).
    fileprivate func threadsWaitingForTheLoad(of key: Key) -> Int {
        _shard(for: key).withLock { $0._flights[key]?.completion?.waitingThreadCount ?? 0 }
    }
}

/// The blocking `get(_:ttl:loader:)`, from threads.
@Suite(.tags(.concurrency))
struct BlockingLoadingTests {
    /// Loads on sixteen threads at once; the loader waits until the fifteen others wait for it (a
    /// thread counts its miss before it joins the load: waiting for sixteen misses would let a
    /// failing load end before the last thread joins, and that thread would load again).
    private func loadOnSixteenThreads(
        _ cache: Cache<Int, Int>,
        loader: @escaping @Sendable () throws -> Int
    ) -> (calls: Int, results: [Result<Int, any Error>]) {
        let calls = Atomic<Int>(0)
        let results = LockedState<[Result<Int, any Error>]>([])
        runOnThreads(16) { _ in
            let result = Result {
                try cache.get(1) { _ in
                    calls.add(1, ordering: .relaxed)
                    // Bounded, so that a build that loads on every thread fails instead of hanging.
                    var polls = 0
                    while cache.threadsWaitingForTheLoad(of: 1) < 15, polls < 10_000 {
                        usleep(1_000)
                        polls += 1
                    }
                    return try loader()
                }
            }
            results.withLock { $0.append(result) }
        }
        return (calls.load(ordering: .relaxed), results.withLock { $0 })
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func sixteenThreads_runTheLoaderOnce_andAllGetItsValue(policy: EvictionPolicy) throws {
        let cache = Cache<Int, Int>(capacity: 10, policy: policy)
        let (calls, results) = loadOnSixteenThreads(cache) { 42 }
        #expect(calls == 1)
        #expect(try results.map { try $0.get() } == Array(repeating: 42, count: 16))
        #expect(cache.get(1) == 42)
        #expect(cache.stats().loadSuccessCount == 1)
    }

    @Test func failingLoad_reachesEveryThread_andTheNextCallLoadsAgain() throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let (calls, results) = loadOnSixteenThreads(cache) { throw LoadFailure() }
        #expect(calls == 1)
        #expect(results.allSatisfy { if case .failure(let error) = $0 { error is LoadFailure } else { false } })
        #expect(cache.count == 0)
        #expect(cache.stats().loadFailureCount == 1)
        #expect(try cache.get(1) { _ in 7 } == 7)
    }

    @Test func writeDuringTheLoad_winsInTheCache() throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let value = try cache.get(1) { _ in
            cache.set(1, 99)  // the loader itself races a writer
            return 10
        }
        #expect(value == 10)
        #expect(cache.get(1) == 99)
    }

    @Test func asyncCaller_joinsABlockingLoad() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let release = Atomic<Bool>(false)
        // The blocking form, run from a thread outside the cooperative pool.
        let thread = Task {
            await onThread {
                try? cache.get(5) { _ in
                    while !release.load(ordering: .acquiring) { usleep(1_000) }
                    return 50
                }
            }
        }
        while cache._shard(for: 5).withLock({ $0._flights[5] == nil }) { await Task.yield() }
        let joined = Task {
            try await cache.get(5) { _ in
                Issue.record("a second load ran")
                return 0
            }
        }
        while cache._shard(for: 5).withLock({ $0._flights[5]?.waiters.count ?? 0 }) < 1 { await Task.yield() }
        release.store(true, ordering: .releasing)
        #expect(try await joined.value == 50)
        #expect(await thread.value == 50)
        #expect(cache.stats().loadSuccessCount == 1)
    }
}
