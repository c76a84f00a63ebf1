import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bulk loader that blocks until opened, recording the keys of each call and whether it saw
/// cancellation; it returns ten times each key, leaving out the keys of `leftOut` and adding
/// those of `extra`.
private final class GatedBulkLoader: Sendable {
    private struct State {
        var calls: [[Int]] = []
        var cancellations = 0
        var isOpen = false
    }

    private let state = LockedState(State())
    private let leftOut: Set<Int>
    private let extra: [Int: Int]

    init(isOpen: Bool = false, leftOut: Set<Int> = [], extra: [Int: Int] = [:]) {
        self.leftOut = leftOut
        self.extra = extra
        state.withLock { $0.isOpen = isOpen }
    }

    var calls: [[Int]] { state.withLock { $0.calls } }
    var cancellations: Int { state.withLock { $0.cancellations } }
    func open() { state.withLock { $0.isOpen = true } }

    func load(_ keys: [Int]) async throws -> [Int: Int] {
        state.withLock { $0.calls.append(keys) }
        while !state.withLock({ $0.isOpen }) {
            do {
                try await Task.sleep(for: .milliseconds(1))
            } catch {
                state.withLock { $0.cancellations += 1 }
                throw error
            }
        }
        return values(of: keys)
    }

    func values(of keys: [Int]) -> [Int: Int] {
        var values = extra
        for key in keys where !leftOut.contains(key) { values[key] = key * 10 }
        return values
    }
}

private struct LoadFailure: Error, Equatable {}

/// Waits until `condition` holds, for up to 45 seconds: a rule that is broken then fails its test
/// (recording what was awaited) instead of hanging the suite.
private func eventually(
    _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async {
    let clock = ContinuousClock()
    // Generous: under ThreadSanitizer on two cores, tests that block the cooperative pool's threads
    // (joining threads) can keep a task from starting for more than 10 s (seen in CI).
    let deadline = clock.now + .seconds(45)
    while !condition() {
        guard clock.now < deadline else {
            Issue.record("never happened: \(what())", sourceLocation: sourceLocation)
            return
        }
        try? await Task.sleep(for: .microseconds(100))
    }
}

// The time limit turns a load that never ends (a broken rule) into a failure, not a hang. A test
// also waits for a thread while the pool is busy: under ThreadSanitizer on two cores, beside the
// thread-heavy suites, in a CI run that another build slowed, every test of the suite went past a
// limit of one minute (the suite ended after 234 seconds, and passed otherwise).
@Suite(.tags(.concurrency), .timeLimit(.minutes(10)))
struct BulkLoadingTests {
    /// Waits until `count` bulk callers wait on the load of `key`.
    private func waitForBulkWaiters(
        _ count: Int,
        key: Int,
        in cache: Cache<Int, Int>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        await waitFor(count, "bulk callers", key: key, in: cache, sourceLocation: sourceLocation) {
            $0.bulkWaiters.count
        }
    }

    /// Waits until `count` single-key callers wait on the load of `key`.
    private func waitForWaiters(
        _ count: Int,
        key: Int,
        in cache: Cache<Int, Int>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        await waitFor(count, "callers", key: key, in: cache, sourceLocation: sourceLocation) { $0.waiters.count }
    }

    /// Waits until the load of `key` counts `count` waiters of a kind (`waiting` counts them).
    private func waitFor(
        _ count: Int,
        _ kind: String,
        key: Int,
        in cache: Cache<Int, Int>,
        sourceLocation: SourceLocation,
        waiting: (LoadFlight<Int>) -> Int
    ) async {
        await eventually("\(count) \(kind) wait for key \(key)", sourceLocation: sourceLocation) {
            cache._shard(for: key).withLock { state in state._flights[key].map(waiting) ?? 0 } >= count
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func presentKeysAreHits_theMissingOnesLoadInOneCall_eachOnce(policy: EvictionPolicy) async throws {
        let cache = Cache<Int, Int>(capacity: 100, policy: policy)
        cache.set(1, 1)
        cache.set(2, 2)
        let loader = GatedBulkLoader(isOpen: true)
        let values = try await cache.getAll([1, 3, 2, 4, 3, 1, 5], ttl: .seconds(60)) { try await loader.load($0) }
        #expect(values == [1: 1, 2: 2, 3: 30, 4: 40, 5: 50])
        #expect(loader.calls == [[3, 4, 5]])
        #expect(cache.get(4) == 40)
        let stats = cache.stats()
        // One hit or miss per distinct key (the get above adds a hit), one load per loader call.
        #expect(stats.hitCount == 3)
        #expect(stats.missCount == 3)
        #expect(stats.loadSuccessCount == 1)
        #expect(stats.totalLoadTime > .zero)
    }

    @Test func everyKeyPresent_callsNoLoader() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        for key in 0..<3 { cache.set(key, key) }
        let values = try await cache.getAll(0..<3) { _ in
            Issue.record("loader ran with every key present")
            return [:]
        }
        #expect(values == [0: 0, 1: 1, 2: 2])
        #expect(cache.stats().loadCount == 0)
    }

    @Test func keyLeftOut_isAbsentAndNotCached_extraKeysAreCachedAndNotReturned() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedBulkLoader(isOpen: true, leftOut: [2], extra: [9: 90])
        let values = try await cache.getAll([1, 2, 3]) { try await loader.load($0) }
        #expect(values == [1: 10, 3: 30])
        #expect(cache.get(2) == nil)
        #expect(cache.get(9) == 90)
        #expect(cache.count == 3)
    }

    @Test func loaderError_reachesTheCaller_andCachesNothing() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        await #expect(throws: LoadFailure.self) {
            try await cache.getAll([1, 2]) { _ in throw LoadFailure() }
        }
        #expect(cache.count == 0)
        #expect(cache.stats().loadFailureCount == 1)
        // Nothing was left in flight: the next call loads again.
        #expect(
            try await cache.getAll([1, 2]) { keys in Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) }) } == [
                1: 1, 2: 2,
            ]
        )
    }

    @Test func sixteenTasks_withOverlappingKeys_loadEachKeyOnce() async throws {
        let cache = Cache<Int, Int>(capacity: 100)
        let loader = GatedBulkLoader()
        // Task t asks for keys t..<t+8: each key but the ends is asked by up to eight tasks.
        let results = try await withThrowingTaskGroup(of: (Int, [Int: Int]).self) { group in
            for task in 0..<16 {
                group.addTask { (task, try await cache.getAll(task..<task + 8) { try await loader.load($0) }) }
            }
            // Every key has a load in flight, and every task waits: then let the loads end.
            for key in 0..<23 { await waitForBulkWaiters(min(key + 1, 23 - key, 8), key: key, in: cache) }
            loader.open()
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for task in 0..<16 {
            #expect(results[task] == Dictionary(uniqueKeysWithValues: (task..<task + 8).map { ($0, $0 * 10) }))
        }
        let loadedKeys = loader.calls.flatMap { $0 }
        #expect(loadedKeys.sorted() == Array(0..<23))
        #expect(cache.stats().loadSuccessCount == loader.calls.count)
        #expect(cache.stats().missCount == 16 * 8)
    }

    @Test func twoCallsOnDisjointKeys_runTheirLoadersAtTheSameTime() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let arrived = Counter()
        // A rendezvous inside both loaders: each waits (up to ten seconds) for the other to start.
        let meet: @Sendable ([Int]) async throws -> [Int: Int] = { keys in
            arrived.increment()
            for _ in 0..<10_000 where arrived.value < 2 { try await Task.sleep(for: .milliseconds(1)) }
            return arrived.value < 2 ? [:] : Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) })
        }
        async let first = cache.getAll([1, 2], loader: meet)
        async let second = cache.getAll([3, 4], loader: meet)
        #expect(try await first == [1: 1, 2: 2])
        #expect(try await second == [3: 3, 4: 4])
    }

    @Test func singleKeyGet_joinsTheBulkLoad_andLoadsItselfAKeyLeftOut() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedBulkLoader(leftOut: [2])
        let bulk = Task { try await cache.getAll([1, 2]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 2, in: cache)
        let joinedOne = Task { try await cache.get(1) { _ in -1 } }
        let joinedTwo = Task { try await cache.get(2) { _ in 22 } }
        await waitForWaiters(1, key: 1, in: cache)
        await waitForWaiters(1, key: 2, in: cache)
        loader.open()
        #expect(try await bulk.value == [1: 10])
        #expect(try await joinedOne.value == 10)
        #expect(try await joinedTwo.value == 22)
        #expect(loader.calls == [[1, 2]])
        #expect(cache.get(2) == 22)
    }

    @Test func bulkCall_joinsTheLoadsInFlight_andTheirErrors() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        // Each single-key load ends only once the bulk call has joined it.
        let joined = LockedState(false)
        let single = Task {
            try await cache.get(1) { _ in
                while !joined.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
                return 100
            }
        }
        await waitForWaiters(1, key: 1, in: cache)
        let loader = GatedBulkLoader(isOpen: true)
        let bulk = Task { try await cache.getAll([1, 2]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 1, in: cache)
        joined.withLock { $0 = true }
        #expect(try await bulk.value == [1: 100, 2: 20])
        #expect(loader.calls == [[2]])
        #expect(try await single.value == 100)

        joined.withLock { $0 = false }
        let failing = Task {
            try await cache.get(5) { _ in
                while !joined.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
                throw LoadFailure()
            }
        }
        await waitForWaiters(1, key: 5, in: cache)
        let failingBulk = Task { try await cache.getAll([5, 6]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 5, in: cache)
        joined.withLock { $0 = true }
        await #expect(throws: LoadFailure.self) { try await failingBulk.value }
        await #expect(throws: LoadFailure.self) { try await failing.value }
    }

    @Test func cancelledCaller_stopsWaiting_andTheLoadGoesOnForAnother() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedBulkLoader()
        let cancelled = Task { try await cache.getAll([1, 2]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 2, in: cache)
        let kept = Task { try await cache.get(2) { _ in -1 } }
        await waitForWaiters(1, key: 2, in: cache)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        loader.open()
        #expect(try await kept.value == 20)
        #expect(loader.cancellations == 0)
        #expect(cache.get(1) == 10)
    }

    @Test func everyCallerCancelled_cancelsTheLoad() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedBulkLoader()
        let first = Task { try await cache.getAll([1, 2]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 2, in: cache)
        let second = Task { try await cache.getAll([2, 3]) { try await loader.load($0) } }
        await waitForBulkWaiters(2, key: 2, in: cache)
        await eventually("both loaders run") { loader.calls.count == 2 }
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        // The second caller still waits for key 2 of the first load: it runs on.
        #expect(loader.cancellations == 0)
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        await eventually("both loaders cancelled") { loader.cancellations == 2 }
        // A caller after the cancellation starts a load of its own.
        let fresh = GatedBulkLoader(isOpen: true)
        #expect(try await cache.getAll([1, 2, 3]) { try await fresh.load($0) } == [1: 10, 2: 20, 3: 30])
        #expect(fresh.calls == [[1, 2, 3]])
    }

    @Test func setDuringTheLoad_winsInTheCache() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loader = GatedBulkLoader()
        let bulk = Task { try await cache.getAll([1, 2]) { try await loader.load($0) } }
        await eventually("the loader runs") { !loader.calls.isEmpty }
        cache.set(1, 99)
        loader.open()
        #expect(try await bulk.value == [1: 10, 2: 20])
        #expect(cache.get(1) == 99)
        #expect(cache.get(2) == 20)
    }

    @Test func updateInProgress_holdsTheKeyBack_thenTheUpdatedValueIsFound() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 1)
        let inBody = Counter()
        let release = Counter()
        let update = Task {
            await cache.update(2) { _ in
                inBody.increment()
                while release.value == 0 { try? await Task.sleep(for: .milliseconds(1)) }
                return 200
            }
        }
        await eventually("the update runs its body") { inBody.value > 0 }
        let loader = GatedBulkLoader(isOpen: true)
        let bulk = Task { try await cache.getAll([1, 2, 3]) { try await loader.load($0) } }
        await eventually("the update holds the bulk call back") {
            cache._shard(for: 2).withLock { $0._watches[2]?.waitingBulkLoads.count ?? 0 } > 0
        }
        release.increment()
        _ = await update.value
        #expect(try await bulk.value == [1: 1, 2: 200, 3: 30])
        #expect(loader.calls == [[3]])
    }

    @Test func blockingForm_loadsTheMissingKeysOnTheCallingThread_andJoinsAnAsyncLoad() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 1)
        let loader = GatedBulkLoader()
        let bulk = Task { try await cache.getAll([3]) { try await loader.load($0) } }
        await waitForBulkWaiters(1, key: 3, in: cache)
        let calls = LockedState<[[Int]]>([])
        let blocking = Task {
            await onThread {
                Result {
                    try cache.getAll([1, 2, 3, 2]) { keys in
                        calls.withLock { $0.append(keys) }
                        return [2: 2_000]
                    }
                }
            }
        }
        await eventually("the thread waits for key 3") {
            cache._shard(for: 3).withLock { $0._flights[3]?.completion != nil }
        }
        loader.open()
        #expect(try await blocking.value.get() == [1: 1, 2: 2_000, 3: 30])
        #expect(calls.withLock { $0 } == [[2]])
        #expect(try await bulk.value == [3: 30])
        #expect(cache.stats().loadSuccessCount == 2)
    }

    @Test func blockingForm_loaderError_isThrown_andCachesNothing() {
        let cache = Cache<Int, Int>(capacity: 10)
        runOnThreads(1) { _ in
            #expect(throws: LoadFailure.self) { try cache.getAll([1, 2]) { _ in throw LoadFailure() } }
        }
        #expect(cache.count == 0)
        #expect(cache.stats().loadFailureCount == 1)
    }
}
