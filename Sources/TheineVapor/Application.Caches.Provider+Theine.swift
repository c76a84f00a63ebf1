#if Vapor
import Theine
import Vapor

extension Application.Caches.Provider {
    /// A bounded, expiring in-memory cache backed by Theine, created now for `capacity` entries.
    ///
    /// ```swift
    /// try app.caches.use(.theine(capacity: 10_000))                  // adaptive W-TinyLFU
    /// try app.caches.use(.theine(capacity: settings.cacheSize, policy: .lru))
    /// ```
    ///
    /// The capacity is checked here, when the application is configured, not on first use: a
    /// capacity read from configuration that is out of range throws, and nothing is installed.
    /// (Vapor's providers cannot throw, so this function does, before it returns the provider.)
    ///
    /// Every `app.cache` and `req.cache` made from this provider shares one Theine cache; like
    /// Vapor's memory cache it is not shared between instances of the application. To read its
    /// statistics, create the storage yourself and use ``theine(_:)``.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries, in `1...Theine.Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (`.tinyLFU`) by default.
    ///   - shardCount: the cache's shards (`Theine.Cache.init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)`):
    ///     `nil`, the default, chooses from the capacity; more let more threads write at once.
    ///   - expireAfterAccess: how long a value lives without being read or written; with an
    ///     expiration time too, the earlier ends it. `nil` (the default): no limit.
    ///   - clock: the time expiry is measured in; `ContinuousCacheClock` by default. Tests pass a
    ///     `ManualCacheClock` and advance it instead of sleeping.
    /// - Throws: `CacheError.invalidCapacity(_:)` when `capacity` is out of range,
    ///   `CacheError.invalidShardCount(_:)` when `shardCount` is,
    ///   `CacheError.invalidExpireAfterAccess(_:)` when `expireAfterAccess` is not positive.
    public static func theine(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock()
    ) throws(CacheError) -> Self {
        .theine(
            try TheineVaporCache.Storage(
                validatingCapacity: capacity,
                policy: policy,
                shardCount: shardCount,
                expireAfterAccess: expireAfterAccess,
                clock: clock
            )
        )
    }

    /// A bounded, expiring in-memory cache backed by Theine, created now to hold entries weighing
    /// at most `maximumWeight` together: a budget of bytes rather than of entries.
    ///
    /// ```swift
    /// // Values stored as Data or String weigh their bytes; anything else 256.
    /// try app.caches.use(.theine(maximumWeight: 64 << 20) { key, value in
    ///     key.utf8.count + ((value as? Data)?.count ?? (value as? String)?.utf8.count ?? 256)
    /// })
    /// ```
    ///
    /// The rules are `Theine.Cache.init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)`'s:
    /// the weigher runs once per `set`, outside the cache's locks; a value of weight 0 is never
    /// evicted for size; one heavier than the cache's `maximumEntryWeight` is not kept. The maximum
    /// weight is checked here, when the application is configured, as for
    /// ``theine(capacity:policy:shardCount:expireAfterAccess:clock:)``.
    ///
    /// - Parameters:
    ///   - maximumWeight: the most the entries weigh together, in `1...Theine.Cache.maximumWeightLimit`.
    ///   - weigher: the weight of a value as it is stored (not encoded) for a key, at least 0.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (`.tinyLFU`) by default.
    ///   - shardCount: `nil` (the default) for one shard; more let more threads write at once, each
    ///     shard holding its share of the weight.
    ///   - expireAfterAccess: how long a value lives without being read or written; `nil` (the
    ///     default): no limit.
    ///   - clock: the time expiry is measured in; `ContinuousCacheClock` by default.
    /// - Throws: `CacheError.invalidMaximumWeight(_:)` when `maximumWeight` is out of range,
    ///   `CacheError.invalidShardCount(_:)` when `shardCount` is,
    ///   `CacheError.invalidExpireAfterAccess(_:)` when `expireAfterAccess` is not positive.
    public static func theine(
        maximumWeight: Int,
        weigher: @escaping @Sendable (_ key: String, _ value: any Encodable & Sendable) -> Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock()
    ) throws(CacheError) -> Self {
        .theine(
            try TheineVaporCache.Storage(
                validatingMaximumWeight: maximumWeight,
                weigher: weigher,
                policy: policy,
                shardCount: shardCount,
                expireAfterAccess: expireAfterAccess,
                clock: clock
            )
        )
    }

    /// A cache backed by `storage`, a Theine cache you created and keep, for its statistics:
    ///
    /// ```swift
    /// let storage = try TheineVaporCache.Storage(validatingCapacity: 10_000)
    /// app.caches.use(.theine(storage))
    /// let metrics = CacheMetrics(name: "vapor", cache: storage)    // TheineMetrics
    /// ```
    public static func theine(_ storage: TheineVaporCache.Storage) -> Self {
        .init { application in
            application.caches.use { application in
                TheineVaporCache(storage: storage, on: application.eventLoopGroup.next())
            }
        }
    }
}
#endif
