/// A snapshot of a cache's counters.
///
/// Take one with ``Cache/stats()``; subtract two snapshots to see what happened in between:
///
/// ```swift
/// let before = cache.stats()
/// handleRequests()
/// let window = cache.stats() - before
/// print(window.hitRate, window.evictionCount)
/// ```
///
/// Requests are lookups: every ``Cache/get(_:)`` is a hit or a miss (a lookup that finds an expired
/// entry is a miss). Writes are not requests.
///
/// Every entry that leaves the cache is counted once, by its ``RemovalCause``, exactly as the
/// removal listener is told: ``evictionCount``, ``expirationCount``, ``explicitRemovalCount`` and
/// ``replacementCount`` equal the notifications by cause, once the background ticker's have been
/// delivered (they are counted when the ticker removes the entries, and told on the cache's own
/// queue just after).
public struct CacheStats: Sendable, Equatable, CustomStringConvertible {
    /// The number of lookups that found a value.
    public var hitCount: Int
    /// The number of lookups that found no value.
    public var missCount: Int
    /// The number of entries removed to keep the cache within its capacity (not explicit removals,
    /// not expirations).
    public var evictionCount: Int
    /// The weight of the entries counted in ``evictionCount``: for a cache bounded by weight, what
    /// its weigher gave them; for a cache bounded by count, where every entry weighs 1, the count.
    public var evictionWeight: Int
    /// The number of entries removed because their TTL had passed, whether a read found them
    /// expired or the background expiry removed them.
    public var expirationCount: Int
    /// The number of live entries removed by a call: ``Cache/remove(_:)``, ``Cache/removeAll()``,
    /// or a ``Cache/set(_:_:ttl:)`` with a TTL of zero or less (``RemovalCause/explicit``).
    public var explicitRemovalCount: Int
    /// The number of live values overwritten by a ``Cache/set(_:_:ttl:)`` or a load of their key
    /// (``RemovalCause/replaced``).
    public var replacementCount: Int
    /// The number of loads that produced a value (``Cache/get(_:ttl:loader:)``).
    public var loadSuccessCount: Int
    /// The number of loads that threw, cancelled ones included.
    public var loadFailureCount: Int
    /// The total time spent in loads, successful or not.
    public var totalLoadTime: Duration
    /// The number of refreshes that ended, successful or not: the background reloads of
    /// ``Cache/get(_:ttl:refreshAfter:staleIfError:loader:)-(_,_,Duration?,_,_)`` and the reloads of
    /// ``Cache/refresh(_:ttl:refreshAfter:staleIfError:loader:)``. A refresh is a load too: each is also
    /// counted in ``loadSuccessCount`` or ``loadFailureCount``, and its time in ``totalLoadTime``.
    public var refreshCount: Int
    /// The number of refreshes that threw (cancelled ones included), of ``refreshCount``; the
    /// value they would have replaced stayed.
    public var refreshFailureCount: Int
    /// The number of failed loads answered with a value kept past its TTL instead of their error
    /// (`staleIfError` on ``Cache/get(_:ttl:refreshAfter:staleIfError:loader:)-(_,_,Duration?,_,_)``): one per load,
    /// however many callers waited on it. Each is also in ``loadFailureCount``.
    public var staleServedCount: Int

    /// Creates a snapshot from its counters; every count defaults to zero.
    public init(
        hitCount: Int = 0,
        missCount: Int = 0,
        evictionCount: Int = 0,
        evictionWeight: Int = 0,
        expirationCount: Int = 0,
        explicitRemovalCount: Int = 0,
        replacementCount: Int = 0,
        loadSuccessCount: Int = 0,
        loadFailureCount: Int = 0,
        totalLoadTime: Duration = .zero,
        refreshCount: Int = 0,
        refreshFailureCount: Int = 0,
        staleServedCount: Int = 0
    ) {
        self.hitCount = hitCount
        self.missCount = missCount
        self.evictionCount = evictionCount
        self.evictionWeight = evictionWeight
        self.expirationCount = expirationCount
        self.explicitRemovalCount = explicitRemovalCount
        self.replacementCount = replacementCount
        self.loadSuccessCount = loadSuccessCount
        self.loadFailureCount = loadFailureCount
        self.totalLoadTime = totalLoadTime
        self.refreshCount = refreshCount
        self.refreshFailureCount = refreshFailureCount
        self.staleServedCount = staleServedCount
    }

    /// The number of lookups: hits plus misses.
    public var requestCount: Int { hitCount + missCount }

    /// The fraction of lookups that hit, in 0...1; 0 when there were no lookups.
    public var hitRate: Double {
        requestCount == 0 ? 0 : Double(hitCount) / Double(requestCount)
    }

    /// The number of loads, successful or not.
    public var loadCount: Int { loadSuccessCount + loadFailureCount }

    /// The average time a load took, successful or not; `.zero` when there were none.
    public var averageLoadPenalty: Duration {
        loadCount == 0 ? .zero : totalLoadTime / loadCount
    }

    /// The fraction of lookups that missed, in 0...1; 0 when there were no lookups.
    public var missRate: Double {
        requestCount == 0 ? 0 : Double(missCount) / Double(requestCount)
    }

    /// Every count and rate on one line, for a log: `CacheStats(requests: 10, hits: 9, ...)`.
    public var description: String {
        "CacheStats(requests: \(requestCount), hits: \(hitCount), misses: \(missCount), "
            + "hitRate: \(hitRate), evictions: \(evictionCount), evictionWeight: \(evictionWeight), "
            + "expirations: \(expirationCount), explicitRemovals: \(explicitRemovalCount), "
            + "replacements: \(replacementCount), loadSuccesses: \(loadSuccessCount), "
            + "loadFailures: \(loadFailureCount), totalLoadTime: \(totalLoadTime), "
            + "refreshes: \(refreshCount), refreshFailures: \(refreshFailureCount), "
            + "staleServed: \(staleServedCount))"
    }

    /// The counts accumulated between two snapshots: `later - earlier`.
    public static func - (later: CacheStats, earlier: CacheStats) -> CacheStats {
        CacheStats(
            hitCount: later.hitCount - earlier.hitCount,
            missCount: later.missCount - earlier.missCount,
            evictionCount: later.evictionCount - earlier.evictionCount,
            evictionWeight: later.evictionWeight - earlier.evictionWeight,
            expirationCount: later.expirationCount - earlier.expirationCount,
            explicitRemovalCount: later.explicitRemovalCount - earlier.explicitRemovalCount,
            replacementCount: later.replacementCount - earlier.replacementCount,
            loadSuccessCount: later.loadSuccessCount - earlier.loadSuccessCount,
            loadFailureCount: later.loadFailureCount - earlier.loadFailureCount,
            totalLoadTime: later.totalLoadTime - earlier.totalLoadTime,
            refreshCount: later.refreshCount - earlier.refreshCount,
            refreshFailureCount: later.refreshFailureCount - earlier.refreshFailureCount,
            staleServedCount: later.staleServedCount - earlier.staleServedCount
        )
    }

    /// The counts of two caches (or shards) together.
    static func + (left: CacheStats, right: CacheStats) -> CacheStats {
        CacheStats(
            hitCount: left.hitCount + right.hitCount,
            missCount: left.missCount + right.missCount,
            evictionCount: left.evictionCount + right.evictionCount,
            evictionWeight: left.evictionWeight + right.evictionWeight,
            expirationCount: left.expirationCount + right.expirationCount,
            explicitRemovalCount: left.explicitRemovalCount + right.explicitRemovalCount,
            replacementCount: left.replacementCount + right.replacementCount,
            loadSuccessCount: left.loadSuccessCount + right.loadSuccessCount,
            loadFailureCount: left.loadFailureCount + right.loadFailureCount,
            totalLoadTime: left.totalLoadTime + right.totalLoadTime,
            refreshCount: left.refreshCount + right.refreshCount,
            refreshFailureCount: left.refreshFailureCount + right.refreshFailureCount,
            staleServedCount: left.staleServedCount + right.staleServedCount
        )
    }
}
