#if Metrics
import CoreMetrics
import MetricsTestKit
import Testing
import Theine
import TheineMetrics

struct CacheMetricsTests {
    static let dimensions = [("cache", "sessions")]

    /// The total a counter of the cache "sessions" reached.
    static func total(_ label: String, in metrics: TestMetrics) throws -> Int64 {
        try metrics.expectCounter("theine_cache_\(label)", dimensions).totalValue
    }

    /// A scripted 3 hits, 2 misses, 1 eviction, 1 expiry, 1 replacement and 1 explicit removal on
    /// a cache of two entries under LRU.
    static func script(on cache: Cache<String, Int>, clock: ManualCacheClock) {
        cache.set("a", 1)
        cache.set("e", 5)
        cache.remove("e")
        cache.set("b", 0, ttl: .seconds(10))
        cache.set("b", 2, ttl: .seconds(10))  // replaces 0
        for _ in 0..<3 { _ = cache.get("a") }
        _ = cache.get("x")
        _ = cache.get("y")
        clock.advance(by: .seconds(10))
        cache.removeExpired()  // b expires
        cache.set("c", 3)
        cache.set("d", 4)  // evicts a
    }

    @Test func update_afterScriptedTraffic_recordsExactCounts() throws {
        let metrics = TestMetrics()
        let clock = ManualCacheClock()
        let cache = Cache<String, Int>(capacity: 2, policy: .lru, clock: clock)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        Self.script(on: cache, clock: clock)

        cacheMetrics.update()

        #expect(try Self.total("hits", in: metrics) == 3)
        #expect(try Self.total("misses", in: metrics) == 2)
        #expect(try Self.total("evictions", in: metrics) == 1)
        #expect(try Self.total("eviction_weight", in: metrics) == 1)
        #expect(try Self.total("expirations", in: metrics) == 1)
        #expect(try Self.total("explicit_removals", in: metrics) == 1)
        #expect(try Self.total("replacements", in: metrics) == 1)
        #expect(try Self.total("load_successes", in: metrics) == 0)
        #expect(try Self.total("load_failures", in: metrics) == 0)
        #expect(try Self.total("load_time_nanoseconds", in: metrics) == 0)
        #expect(try metrics.expectGauge("theine_cache_size", Self.dimensions).lastValue == 2)
    }

    @Test func update_ofAWeightedCache_recordsTheEvictedWeightAndTheTotalWeight() throws {
        let metrics = TestMetrics()
        let cache = Cache<String, Int>(maximumWeight: 10, weigher: { _, value in value }, policy: .lru)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        cache.set("a", 4)
        cache.set("b", 3)
        cache.set("c", 6)  // 13: evicts a (4)
        cache.set("d", 11)  // heavier than the cache: evicted at once

        cacheMetrics.update()

        #expect(try Self.total("evictions", in: metrics) == 2)
        #expect(try Self.total("eviction_weight", in: metrics) == 15)
        #expect(try metrics.expectGauge("theine_cache_size", Self.dimensions).lastValue == 2)
        #expect(try metrics.expectGauge("theine_cache_weight", Self.dimensions).lastValue == 9)
    }

    @Test func update_twice_recordsEachChangeOnce() throws {
        let metrics = TestMetrics()
        let clock = ManualCacheClock()
        let cache = Cache<String, Int>(capacity: 2, policy: .lru, clock: clock)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        Self.script(on: cache, clock: clock)
        cacheMetrics.update()
        _ = cache.get("c")

        cacheMetrics.update()

        #expect(try Self.total("hits", in: metrics) == 4)
        #expect(try Self.total("misses", in: metrics) == 2)
        #expect(try metrics.expectCounter("theine_cache_hits", Self.dimensions).values == [3, 1])
    }

    @Test func update_afterLoads_recordsSuccessesFailuresAndTime() async throws {
        struct LoadFailed: Error {}
        let metrics = TestMetrics()
        let cache = Cache<String, Int>(capacity: 10)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        _ = try await cache.get("a") { _ in 1 }
        _ = try? await cache.get("b") { _ in throw LoadFailed() }

        cacheMetrics.update()

        #expect(try Self.total("load_successes", in: metrics) == 1)
        #expect(try Self.total("load_failures", in: metrics) == 1)
        let (seconds, attoseconds) = cache.stats().totalLoadTime.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        #expect(try Self.total("load_time_nanoseconds", in: metrics) == nanoseconds)
    }

    @Test func update_afterRefreshes_recordsRefreshesAndTheirFailures() async throws {
        struct LoadFailed: Error {}
        let metrics = TestMetrics()
        let cache = Cache<String, Int>(capacity: 10)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        _ = try await cache.refresh("a") { _ in 1 }.value
        _ = try? await cache.refresh("a") { _ in throw LoadFailed() }.value
        _ = try await cache.refresh("b") { _ in 2 }.value

        cacheMetrics.update()

        #expect(try Self.total("refreshes", in: metrics) == 3)
        #expect(try Self.total("refresh_failures", in: metrics) == 1)
        #expect(try Self.total("load_successes", in: metrics) == 2)
    }

    @Test func run_updatesFirstThenStopsWhenCancelled() async throws {
        let metrics = TestMetrics()
        let cache = Cache<String, Int>(capacity: 10)
        cache.set("a", 1)
        let cacheMetrics = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        let polling = Task { try await cacheMetrics.run(every: .seconds(3_600)) }
        polling.cancel()

        await #expect(throws: CancellationError.self) { try await polling.value }
        #expect(try metrics.expectGauge("theine_cache_size", Self.dimensions).lastValue == 1)
    }

    @Test func init_recordsNothingUntilTheFirstUpdate() {
        let metrics = TestMetrics()
        let cache = Cache<String, Int>(capacity: 10)
        _ = CacheMetrics(name: "sessions", cache: cache, factory: metrics)
        _ = cache.get("a")
        #expect(metrics.counters.allSatisfy { $0.values.isEmpty })
    }
}
#endif
