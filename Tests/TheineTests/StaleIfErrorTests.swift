import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fail-safe: `staleIfError` on the loading `get`s and `Memoized`, on a manual clock. Key 1 is
/// loaded with a TTL of 10 s and a grace of 60 s: stale from 10 s, gone at 70 s.
@Suite(.tags(.concurrency))
struct StaleIfErrorTests {
    private let clock = ManualCacheClock()
    private let departed = Departed()
    private let source = VersionedSource()

    private func makeCache(capacity: Int = 100, policy: EvictionPolicy = .lru) -> Cache<Int, Int> {
        let departed = departed
        return Cache(capacity: capacity, policy: policy, clock: clock) { departed.record($0, $1, $2) }
    }

    /// A fail-safe read of `key`: TTL 10 s, kept 60 s past it.
    private func read(_ cache: Cache<Int, Int>, _ key: Int = 1) async throws -> Int {
        let source = source
        return try await cache.get(key, ttl: .seconds(10), staleIfError: .seconds(60)) { _ in try await source.load() }
    }

    private func causes() -> [RemovalCause] { departed.all.map(\.cause) }

    @Test(arguments: EvictionPolicy.allPolicies)
    func failedLoadWithinTheGrace_servesTheStaleValue(policy: EvictionPolicy) async throws {
        let cache = makeCache(policy: policy)
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(10))
        #expect(cache.get(1) == nil, "past its TTL, plain reads do not see it")
        #expect(cache.count == 1, "but it is kept")
        source.fail(true)
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(59))
        #expect(try await read(cache) == 10)
        let stats = cache.stats()
        #expect(stats.staleServedCount == 2)
        #expect(stats.loadFailureCount == 2)
        #expect(departed.all.isEmpty)
    }

    @Test func pastTheGrace_theErrorReachesTheCaller_andTheEntryDepartsExpiredOnce() async throws {
        let cache = makeCache()
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(70))
        source.fail(true)
        await #expect(throws: SourceDown.self) { try await read(cache) }
        await #expect(throws: SourceDown.self) { try await read(cache) }
        #expect(cache.count == 0)
        #expect(departed.all.map(\.value) == [10])
        #expect(causes() == [.expired])
        #expect(cache.stats().staleServedCount == 0)
        #expect(cache.stats().expirationCount == 1)
    }

    @Test func theWheel_removesAStaleEntryAtTheEndOfItsGrace_notAtTheEndOfItsTTL() async throws {
        let cache = makeCache()
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(30))
        cache.removeExpired()
        #expect(cache.count == 1)
        clock.advance(by: .seconds(40))
        cache.removeExpired()
        #expect(cache.count == 0)
        #expect(causes() == [.expired])
    }

    @Test func successfulLoad_replacesTheStaleValue_whichDepartsExpired() async throws {
        let cache = makeCache()
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(10))
        #expect(try await read(cache) == 20)
        #expect(cache.get(1) == 20)
        #expect(departed.all.map(\.value) == [10])
        #expect(causes() == [.expired])
        #expect(cache.stats().staleServedCount == 0)
    }

    @Test func withoutStaleIfError_anExpiredValueIsNeverServed() async throws {
        let cache = makeCache()
        let source = source
        #expect(try await cache.get(1, ttl: .seconds(10)) { _ in try await source.load() } == 10)
        clock.advance(by: .seconds(10))
        source.fail(true)
        await #expect(throws: SourceDown.self) {
            try await cache.get(1, ttl: .seconds(10)) { _ in try await source.load() }
        }
        #expect(cache.count == 0)
    }

    @Test func writesFindAStaleKeyAbsent_andItDepartsExpired() async throws {
        // setIfAbsent stores, set replaces, update sees nothing, remove returns nothing; entries()
        // does not list it. Each on its own cache, the stale value departing expired once.
        let operations: [(String, (Cache<Int, Int>) -> Void)] = [
            ("setIfAbsent", { cache in #expect(cache.setIfAbsent(1, 99)) }),
            ("set", { cache in cache.set(1, 99) }),
            (
                "update",
                { cache in
                    cache.update(1) { old in
                        #expect(old == nil)
                        return 99
                    }
                }
            ),
            ("remove", { cache in #expect(cache.remove(1) == nil) }),
            ("entries", { cache in #expect(cache.entries().isEmpty) }),
        ]
        for (name, operation) in operations {
            let departed = Departed()
            let cache = Cache<Int, Int>(capacity: 10, policy: .lru, clock: clock) { departed.record($0, $1, $2) }
            let source = source
            _ = try await cache.get(1, ttl: .seconds(10), staleIfError: .seconds(60)) { _ in try await source.load() }
            clock.advance(by: .seconds(10))
            operation(cache)
            if name == "entries" {
                #expect(departed.all.isEmpty, "\(name)")
                continue
            }
            #expect(departed.all.map(\.cause) == [.expired], "\(name)")
            #expect(cache.get(1) == (name == "remove" ? nil : 99), "\(name)")
        }
    }

    @Test func callersJoiningTheFailedLoad_allGetTheStaleValue() async throws {
        let cache = makeCache()
        #expect(try await read(cache) == 10)
        clock.advance(by: .seconds(10))
        source.close()
        source.fail(true)
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 { group.addTask { try await read(cache) } }
            // Every caller has joined the one load before it may end.
            while cache._shard(for: 1).withLock({ $0._flights[1]?.waiters.count ?? 0 }) < 16 { await Task.yield() }
            source.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 10, count: 16))
        #expect(source.calls == 2)
        #expect(cache.stats().staleServedCount == 1, "one per failed load")
    }

    @Test func updateKeepingTheTTL_takesTheGraceOff() async throws {
        let cache = makeCache()
        #expect(try await read(cache) == 10)
        await cache.update(1) { ($0 ?? 0) + 1 }
        clock.advance(by: .seconds(10))
        source.fail(true)
        await #expect(throws: SourceDown.self) { try await read(cache) }
        #expect(cache.count == 0)
        #expect(causes() == [.replaced, .expired])
    }

    @Test func staleEntries_countTowardTheBound_andAreEvictedLikeAnyOther() async throws {
        let cache = makeCache(capacity: 4)
        for key in 0..<4 { _ = try await read(cache, key) }
        clock.advance(by: .seconds(10))
        #expect(cache.count == 4)
        for key in 4..<8 { cache.set(key, key) }
        #expect(cache.count == 4)
        #expect(departed.all.filter { $0.key < 4 }.count == 4)
        source.fail(true)
        await #expect(throws: SourceDown.self) { try await read(cache, 0) }
    }

    @Test func blockingRefreshingGet_servesTheStaleValue() throws {
        let cache = makeCache()
        let source = source
        let read: @Sendable () throws -> Int = {
            try cache.get(1, ttl: .seconds(10), refreshAfter: .seconds(5), staleIfError: .seconds(60)) { _ in
                try source.loadBlocking()
            }
        }
        #expect(try read() == 10)
        clock.advance(by: .seconds(10))
        source.fail(true)
        #expect(try read() == 10)
        #expect(cache.stats().staleServedCount == 1)
    }

    @Test func memoized_servesTheStaleResult_whenTheFunctionFails() async throws {
        let source = source
        let memoized = Memoized(capacity: 10, ttl: .seconds(10), staleIfError: .seconds(60), clock: clock) {
            (_: Int) async throws -> Int in try await source.load()
        }
        #expect(try await memoized(1) == 10)
        clock.advance(by: .seconds(10))
        source.fail(true)
        #expect(try await memoized(1) == 10)
        clock.advance(by: .seconds(60))
        await #expect(throws: SourceDown.self) { try await memoized(1) }
    }

    @Test func staleIfErrorZero_trapsNamingArgumentAndValue() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let cache = Cache<Int, Int>(capacity: 10)
            _ = try? await cache.get(1, ttl: .seconds(1), staleIfError: .zero) { $0 }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("staleIfError must be above .zero, got 0.0 seconds"))
    }
}
