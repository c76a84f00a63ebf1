import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private struct BodyFailure: Error, Equatable {}

@Suite(.tags(.concurrency, .invariants))
struct UpdateTests {
    static func makeClock() -> ManualCacheClock { ManualCacheClock(now: .seconds(1_000)) }

    // MARK: The body's input and output

    @Test(arguments: EvictionPolicy.allPolicies)
    func update_storesWhatTheBodyReturns_fromTheCurrentValue(policy: EvictionPolicy) {
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 10, policy: policy, onRemoval: departed.record)
        var seen: [Int?] = []
        #expect(
            cache.update(1) {
                seen.append($0)
                return 10
            } == 10
        )
        #expect(
            cache.update(1) {
                seen.append($0)
                return $0! + 1
            } == 11
        )
        #expect(seen == [nil, 10])
        #expect(cache.get(1) == 11)
        #expect(departed.all.map(\.cause) == [.replaced])
        #expect(departed.all.map(\.value) == [10])
        cache.checkInvariants()
    }

    @Test func bodyReturningNil_removesTheEntry_explicitly() {
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 10, onRemoval: departed.record)
        cache.set(1, 10)
        #expect(cache.update(1) { _ in nil } == nil)
        #expect(cache.peekQuietly(1) == nil)
        #expect(departed.all.map(\.cause) == [.explicit])
        #expect(cache.stats().explicitRemovalCount == 1)
        // Nil for an absent key changes nothing.
        #expect(cache.update(2) { _ in nil } == nil)
        #expect(cache.count == 0)
        #expect(departed.all.count == 1)
    }

    @Test func update_countsNoRequest() {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.update(1) { _ in 1 }
        cache.update(1) { $0.map { $0 + 1 } }
        let stats = cache.stats()
        #expect(stats.hitCount == 0)
        #expect(stats.missCount == 0)
    }

    @Test func expiredValue_reachesTheBodyAsNil_andDepartsExpired() {
        let clock = Self.makeClock()
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 10, clock: clock, onRemoval: departed.record)
        cache.set(1, 10, ttl: .seconds(5))
        clock.advance(by: .seconds(5))
        var seen: [Int?] = [0]
        cache.update(1) {
            seen = [$0]
            return 20
        }
        #expect(seen == [nil])
        #expect(cache.get(1) == 20)
        #expect(departed.all.map(\.cause) == [.expired])
    }

    // MARK: TTL

    @Test func ttlNil_keepsTheEntrysDeadline() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 10, clock: clock)
        cache.set(1, 1, ttl: .seconds(10))
        clock.advance(by: .seconds(6))
        cache.update(1) { $0! + 1 }
        clock.advance(by: .seconds(3))
        #expect(cache.get(1) == 2)
        clock.advance(by: .seconds(1))
        #expect(cache.get(1) == nil, "the update must not have moved the deadline")
    }

    @Test func ttl_setsANewDeadline_andTtlNilOnANewEntryNeverExpires() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 10, clock: clock)
        cache.set(1, 1, ttl: .seconds(10))
        clock.advance(by: .seconds(6))
        cache.update(1, ttl: .seconds(10)) { $0! + 1 }
        clock.advance(by: .seconds(9))
        #expect(cache.get(1) == 2)
        clock.advance(by: .seconds(1))
        #expect(cache.get(1) == nil)

        cache.update(2) { _ in 2 }
        clock.advance(by: .seconds(1_000_000))
        #expect(cache.get(2) == 2)
    }

    @Test func ttlOfZero_removes() {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 1)
        #expect(cache.update(1, ttl: .zero) { $0! + 1 } == nil)
        #expect(cache.peekQuietly(1) == nil)
    }

    // MARK: Changes during the body force a rerun

    @Test func setDuringTheBody_runsItAgain_onTheNewValue() {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 1)
        var seen: [Int?] = []
        let result = cache.update(1) { value in
            seen.append(value)
            if seen.count == 1 { cache.set(1, 100) }
            return value! + 1
        }
        #expect(seen == [1, 100])
        #expect(result == 101)
        #expect(cache.get(1) == 101)
    }

    @Test func removeDuringTheBody_runsItAgain_onNil() {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.set(1, 1)
        var seen: [Int?] = []
        cache.update(1) { value in
            seen.append(value)
            if seen.count == 1 { cache.remove(1) }
            return (value ?? 0) + 1
        }
        #expect(seen == [1, nil])
        #expect(cache.get(1) == 1)
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func evictionDuringTheBody_runsItAgain_onNil(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 4, policy: policy, shardCount: 1)
        cache.set(1, 1)
        var seen: [Int?] = []
        cache.update(1) { value in
            seen.append(value)
            if seen.count == 1 {
                // Evict key 1 by writing and reading others: W-TinyLFU admits frequent
                // newcomers, Clock-Pro promotes the ones read twice.
                var next = 2
                while cache.containsQuietly(1) && next < 10_000 {
                    for _ in 0..<3 { _ = cache.get(next) }
                    cache.set(next, next)
                    for _ in 0..<3 { _ = cache.get(next) }
                    next += 1
                }
            }
            return (value ?? 0) + 10
        }
        #expect(seen == [1, nil])
        cache.checkInvariants()
    }

    @Test func expiryDuringTheBody_runsItAgain_onNil() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 10, clock: clock)
        cache.set(1, 1, ttl: .seconds(5))
        var seen: [Int?] = []
        cache.update(1) { value in
            seen.append(value)
            if seen.count == 1 { clock.advance(by: .seconds(5)) }
            return (value ?? 0) + 10
        }
        #expect(seen == [1, nil])
        #expect(cache.get(1) == 10)
    }

    // MARK: Outside the lock

    @Test func body_readsAndWritesOtherKeysOfTheSameShard() {
        let cache = Cache<Int, Int>(capacity: 100, shardCount: 1)
        cache.set(2, 20)
        let result = cache.update(1) { _ in
            #expect(!cache.isAnyShardLocked)
            cache.set(3, 30)
            return cache.get(2)! + 1
        }
        #expect(result == 21)
        #expect(cache.get(3) == 30)
    }

    @Test func asyncBody_readsAndWritesOtherKeysOfTheSameShard() async {
        let cache = Cache<Int, Int>(capacity: 100, shardCount: 1)
        let asyncResult = await cache.update(4) { _ in
            cache.set(5, 50)
            await Task.yield()
            return cache.get(5)! + 1
        }
        #expect(asyncResult == 51)
    }

    // MARK: Errors and closing

    @Test func throwingBody_changesNothing_andRethrows() async {
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 10, onRemoval: departed.record)
        cache.set(1, 1)
        #expect(throws: BodyFailure.self) { try cache.update(1) { _ in throw BodyFailure() } }
        await #expect(throws: BodyFailure.self) {
            try await cache.update(1) { _ in
                await Task.yield()
                throw BodyFailure()
            }
        }
        #expect(cache.get(1) == 1)
        #expect(departed.all.isEmpty)
        #expect(cache._shard(for: 1).withLock { $0._watches.isEmpty }, "a throwing body must end its watch")
        // And a load of the key is not held back by a watch left behind.
        cache.remove(1)
        let loaded = try? await cache.get(1) { _ in 7 }
        #expect(loaded == 7)
    }

    @Test func closedCache_updates() {
        let cache = Cache<Int, Int>(capacity: 10)
        cache.close()
        cache.update(1) { _ in 1 }
        cache.update(1) { $0! + 1 }
        #expect(cache.get(1) == 2)
    }

    @Test func weightedCache_reweighsTheUpdatedEntry() {
        let cache = Cache<Int, Int>(maximumWeight: 100) { _, value in value }
        cache.update(1) { _ in 10 }
        #expect(cache.totalWeight == 10)
        cache.update(1) { $0! + 30 }
        #expect(cache.totalWeight == 40)
        // Heavier than the cache keeps: stored, then evicted at once.
        cache.update(1) { _ in 200 }
        #expect(cache.peekQuietly(1) == nil)
        #expect(cache.totalWeight == 0)
        cache.checkInvariants()
    }

    // MARK: No lost update

    @Test(arguments: EvictionPolicy.allPolicies)
    func eightThreads_incrementingOneCounter_loseNoUpdate(policy: EvictionPolicy) {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: policy, shardCount: 2)
        runOnThreads(8) { thread in
            for index in 0..<10_000 {
                cache.update(0) { ($0 ?? 0) + 1 }
                // Writes to other keys of both shards meanwhile, never enough to evict key 0.
                if index % 16 == 0 { cache.set(1 + thread * 50 + index % 50, index) }
            }
        }
        #expect(cache.get(0) == 80_000)
        cache.checkInvariants()
    }

    @Test func sixteenTasks_incrementingOneCounter_loseNoUpdate() async {
        let cache = Cache<Int, Int>(capacity: 1_000)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<10_000 {
                        await cache.update(0) { value in
                            if Int.random(in: 0..<64) == 0 { await Task.yield() }
                            return (value ?? 0) + 1
                        }
                    }
                }
            }
        }
        #expect(cache.get(0) == 160_000)
    }

    @Test func updatesAndSets_ofOneKey_fromManyThreads_leaveAValueOneOfThemWrote() {
        let cache = Cache<Int, Int>(capacity: 100)
        let bodies = Counter()
        runOnThreads(4) { thread in
            for index in 0..<5_000 {
                if thread == 0 {
                    cache.set(0, -index)
                } else {
                    cache.update(0) { value in
                        bodies.increment()
                        return (value ?? 0) + 1
                    }
                }
            }
        }
        #expect(bodies.value >= 15_000, "every update ran its body at least once")
        #expect(cache.get(0) != nil)
        cache.checkInvariants()
    }

    // MARK: Updates and loads are ordered

    /// Waits until `count` loads wait for the watch of `key`.
    private func waitForHeldBackLoads(_ count: Int, key: Int, in cache: Cache<Int, Int>) async {
        while cache._shard(for: key).withLock({ $0._watches[key]?.waitingLoads.count ?? 0 }) < count {
            await Task.yield()
        }
    }

    /// Waits until a load waits for the watch of `key`, or has returned (`loadsEnded`) without.
    private func waitForHeldBackLoad(key: Int, in cache: Cache<Int, Int>, orEnded loadsEnded: Counter) async {
        while cache._shard(for: key).withLock({ $0._watches[key]?.waitingLoads.isEmpty ?? true }),
            loadsEnded.value == 0
        {
            await Task.yield()
        }
    }

    @Test func loadStartedDuringAnUpdate_getsTheUpdatesValue_withoutLoading() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loads = Counter()
        let loadsEnded = Counter()
        async let loaded: Int = {
            // Starts once the update holds the key.
            while cache._shard(for: 1).withLock({ $0._watches[1] == nil }) { await Task.yield() }
            defer { loadsEnded.increment() }
            return try await cache.get(1) { _ in
                loads.increment()
                return -1
            }
        }()
        let updated = await cache.update(1) { _ in
            await waitForHeldBackLoad(key: 1, in: cache, orEnded: loadsEnded)
            return 42
        }
        #expect(updated == 42)
        #expect(loadsEnded.value == 0, "the load must have waited for the update")
        #expect(try await loaded == 42)
        #expect(loads.value == 0)
    }

    @Test func loadStartedDuringAnUpdateThatStoresNothing_loadsAfterIt() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loadsEnded = Counter()
        async let loaded: Int = {
            while cache._shard(for: 1).withLock({ $0._watches[1] == nil }) { await Task.yield() }
            defer { loadsEnded.increment() }
            return try await cache.get(1) { _ in 7 }
        }()
        await cache.update(1) { _ in
            await waitForHeldBackLoad(key: 1, in: cache, orEnded: loadsEnded)
            return nil
        }
        #expect(loadsEnded.value == 0, "the load must have waited for the update")
        #expect(try await loaded == 7)
        #expect(cache.get(1) == 7)
    }

    @Test func blockingLoadStartedDuringAnUpdate_getsTheUpdatesValue() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let loaded = LockedState<Int?>(nil)
        let loads = Counter()
        var thread: pthread_t?
        let updated = await cache.update(1) { _ in
            // Once, even if the body runs again.
            thread =
                thread
                ?? startThread {
                    let value = try? cache.get(1) { _ in
                        loads.increment()
                        return -1
                    }
                    loaded.withLock { $0 = value }
                }
            // Wait until the thread is held back by the watch (or has loaded without waiting).
            while cache._shard(for: 1).withLock({ $0._watches[1]?.blockedLoads == nil }),
                loaded.withLock({ $0 }) == nil
            {
                await Task.yield()
            }
            return 42
        }
        #expect(updated == 42)
        pthread_join(thread!, nil)
        #expect(loaded.withLock { $0 } == 42)
        #expect(loads.value == 0)
    }

    @Test func updateDuringALoad_waitsForIt_andSeesTheLoadedValue() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let gate = LockedState(false)
        async let loaded: Int = cache.get(1) { _ in
            while !gate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            return 5
        }
        while cache._shard(for: 1).withLock({ $0._flights[1] == nil }) { await Task.yield() }
        let updatesEnded = Counter()
        async let updated: Int? = {
            defer { updatesEnded.increment() }
            return await cache.update(1) { ($0 ?? 0) * 10 }
        }()
        // Wait until the update has joined the load as a waiter (or has ended without).
        while cache._shard(for: 1).withLock({ $0._flights[1]?.waiters.count ?? 0 }) < 2, updatesEnded.value == 0 {
            await Task.yield()
        }
        gate.withLock { $0 = true }
        #expect(try await loaded == 5)
        #expect(await updated == 50)
        #expect(cache.get(1) == 50)
    }

    @Test func blockingUpdateDuringALoad_waitsForIt_andSeesTheLoadedValue() async throws {
        let cache = Cache<Int, Int>(capacity: 10)
        let gate = LockedState(false)
        async let loaded: Int = cache.get(1) { _ in
            while !gate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            return 5
        }
        while cache._shard(for: 1).withLock({ $0._flights[1] == nil }) { await Task.yield() }
        let updated = LockedState<Int?>(nil)
        let thread = startThread {
            let value = cache.update(1) { ($0 ?? 0) * 10 }
            updated.withLock { $0 = value }
        }
        // Wait until the thread waits for the load (or has updated without waiting).
        while cache._shard(for: 1).withLock({ $0._flights[1]?.completion == nil }), updated.withLock({ $0 }) == nil {
            await Task.yield()
        }
        gate.withLock { $0 = true }
        #expect(try await loaded == 5)
        pthread_join(thread, nil)
        #expect(updated.withLock { $0 } == 50)
        #expect(cache.get(1) == 50)
    }

    @Test func cancelledLoad_heldBackByAnUpdate_throwsCancellationError() async {
        let cache = Cache<Int, Int>(capacity: 10)
        let loadTask = LockedState<Task<Int, any Error>?>(nil)
        await cache.update(1) { _ in
            let task = Task { try await cache.get(1) { _ in -1 } }
            loadTask.withLock { $0 = task }
            await waitForHeldBackLoads(1, key: 1, in: cache)
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            return 3
        }
        #expect(cache.get(1) == 3)
    }
}
