#if Metrics
import CoreMetrics
import Synchronization
import Theine

/// Exports a cache's statistics through swift-metrics, read from `Cache.stats()` when
/// polled, never from the cache's `get` and `set`.
///
/// ```swift
/// let users = Cache<String, User>(capacity: 10_000)
/// let metrics = CacheMetrics(name: "users", cache: users)
/// Task { try await metrics.run(every: .seconds(10)) }     // or metrics.update() on collection
/// ```
///
/// Each ``update()`` reads one snapshot of the counters and records what changed since the last
/// one, under these labels, each with the dimension `("cache", name)`:
///
/// | Label                                  | Kind    | Value                                   |
/// |----------------------------------------|---------|-----------------------------------------|
/// | `theine_cache_hits`                    | counter | lookups that found a value              |
/// | `theine_cache_misses`                  | counter | lookups that found none                 |
/// | `theine_cache_evictions`               | counter | entries evicted for capacity            |
/// | `theine_cache_eviction_weight`         | counter | their weight (their number if unweighted)|
/// | `theine_cache_expirations`             | counter | entries removed because their TTL passed|
/// | `theine_cache_explicit_removals`       | counter | live entries removed by a call          |
/// | `theine_cache_replacements`            | counter | live values overwritten                 |
/// | `theine_cache_load_successes`          | counter | loads that produced a value             |
/// | `theine_cache_load_failures`           | counter | loads that threw                        |
/// | `theine_cache_load_time_nanoseconds`   | counter | time spent in loads                     |
/// | `theine_cache_refreshes`               | counter | refreshes that ended (also loads)       |
/// | `theine_cache_refresh_failures`        | counter | refreshes that threw (also load failures)|
/// | `theine_cache_stale_served`            | counter | failed loads answered with a stale value |
/// | `theine_cache_size`                    | gauge   | entries in the cache                    |
/// | `theine_cache_weight`                  | gauge   | their total weight (`Cache.totalWeight`)|
///
/// The counters are cumulative, as swift-metrics' counters are, so a backend computes rates from
/// them (Prometheus: `rate(theine_cache_hits_total[1m])`).
public final class CacheMetrics: Sendable {
    /// The name in the `cache` dimension of every metric.
    public let name: String

    private let readStats: @Sendable () -> CacheStats
    private let readCount: @Sendable () -> Int
    private let readTotalWeight: @Sendable () -> Int
    /// The snapshot recorded last, so that each update increments the counters by the difference.
    private let recorded = Mutex(CacheStats())

    private let hits: Counter
    private let misses: Counter
    private let evictions: Counter
    private let evictionWeight: Counter
    private let expirations: Counter
    private let explicitRemovals: Counter
    private let replacements: Counter
    private let loadSuccesses: Counter
    private let loadFailures: Counter
    private let loadTime: Counter
    private let refreshes: Counter
    private let refreshFailures: Counter
    private let staleServed: Counter
    private let size: Gauge
    private let weight: Gauge

    /// Creates the metrics of `cache`, labelled with `name`; nothing is recorded until the first
    /// ``update()``.
    ///
    /// - Parameters:
    ///   - name: the cache's name, in the `cache` dimension of every metric.
    ///   - cache: the cache to poll; the metrics hold it until they are released.
    ///   - factory: the metrics backend; `MetricsSystem.factory`, the one bootstrapped, by default.
    public init<Key, Value>(
        name: String,
        cache: Theine.Cache<Key, Value>,
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        readStats = { cache.stats() }
        readCount = { cache.count }
        readTotalWeight = { cache.totalWeight }
        let dimensions = [("cache", name)]
        func counter(_ label: String) -> Counter {
            Counter(label: "theine_cache_\(label)", dimensions: dimensions, factory: factory)
        }
        hits = counter("hits")
        misses = counter("misses")
        evictions = counter("evictions")
        evictionWeight = counter("eviction_weight")
        expirations = counter("expirations")
        explicitRemovals = counter("explicit_removals")
        replacements = counter("replacements")
        loadSuccesses = counter("load_successes")
        loadFailures = counter("load_failures")
        loadTime = counter("load_time_nanoseconds")
        refreshes = counter("refreshes")
        refreshFailures = counter("refresh_failures")
        staleServed = counter("stale_served")
        size = Gauge(label: "theine_cache_size", dimensions: dimensions, factory: factory)
        weight = Gauge(label: "theine_cache_weight", dimensions: dimensions, factory: factory)
    }

    /// Reads the cache's statistics and records what changed since the last update, its size and
    /// its total weight.
    ///
    /// Call it when the metrics are collected (before rendering a scrape), or let ``run(every:)``
    /// call it periodically. Concurrent updates record each change once.
    ///
    /// - Complexity: O(shards) to read the cache's counters.
    public func update() {
        let delta = recorded.withLock { recorded in
            let now = readStats()
            defer { recorded = now }
            return now - recorded
        }
        hits.increment(by: delta.hitCount)
        misses.increment(by: delta.missCount)
        evictions.increment(by: delta.evictionCount)
        evictionWeight.increment(by: delta.evictionWeight)
        expirations.increment(by: delta.expirationCount)
        explicitRemovals.increment(by: delta.explicitRemovalCount)
        replacements.increment(by: delta.replacementCount)
        loadSuccesses.increment(by: delta.loadSuccessCount)
        loadFailures.increment(by: delta.loadFailureCount)
        loadTime.increment(by: delta.totalLoadTime.nanoseconds)
        refreshes.increment(by: delta.refreshCount)
        refreshFailures.increment(by: delta.refreshFailureCount)
        staleServed.increment(by: delta.staleServedCount)
        size.record(readCount())
        weight.record(readTotalWeight())
    }

    /// Calls ``update()`` every `interval` until the task is cancelled.
    ///
    /// - Throws: `CancellationError` when the task is cancelled.
    public func run(every interval: Duration) async throws {
        while true {
            update()
            try await Task.sleep(for: interval)
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || overflowAgain ? .max : total
    }
}
#endif
