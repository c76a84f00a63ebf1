#if Hummingbird
import Hummingbird
import Theine

/// A Hummingbird `PersistDriver` backed by a bounded, expiring Theine cache: a drop-in for
/// `MemoryPersistDriver` that never holds more than its capacity, in values or, with
/// ``init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:)``, in weight (bytes, say).
///
/// ```swift
/// let persist = try TheinePersistDriver(capacity: 10_000)
/// router.post("/sessions/:id") { request, context in
///     try await persist.create(key: id, value: session, expires: .seconds(1_800))
///     …
/// }
/// let app = Application(router: router, services: [persist])
/// ```
///
/// It keeps `PersistDriver`'s contract as `MemoryPersistDriver` does: ``create(key:value:expires:)``
/// throws `PersistError.duplicate` for a key that holds a live value (atomically: of several
/// concurrent creates of one key, exactly one succeeds); ``set(key:value:expires:)`` without
/// `expires` keeps an existing value's expiry; ``get(key:as:)`` returns `nil` for a missing or
/// expired key and throws `PersistError.invalidConversion` for a value stored as another type.
/// Values are stored as they are, not encoded.
///
/// When the cache is full, a new key evicts another (the eviction policy picks which), so a value
/// may be gone before it expires: use it for what can be recomputed or re-created (sessions that may
/// lapse, rate-limit windows, cached responses). Expired values leave in the background through
/// Theine's shared ticker; the driver needs no task of its own, and as a service it only closes the
/// cache on shutdown.
public struct TheinePersistDriver: PersistDriver {
    /// An entry as the driver stores it: the value, and when it expires on the driver's clock.
    public struct Entry: Sendable {
        let value: any Codable & Sendable
        let deadline: Duration?
    }

    /// The Theine cache that holds the entries: for its statistics (`Cache.stats()`,
    /// `TheineMetrics`) and `Cache.count`.
    public let cache: Theine.Cache<String, Entry>

    private let clock: any CacheClock

    /// Creates a driver that holds at most `capacity` values.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of values, in `1...Theine.Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (`.tinyLFU`) by default.
    ///   - shardCount: the cache's shards (`Theine.Cache.init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)`):
    ///     `nil`, the default, chooses from the capacity; more let more threads write at once.
    ///   - expireAfterAccess: how long a value lives without being read or written (sessions that
    ///     lapse when idle); with `expires` too, the earlier ends it. `nil` (the default): no limit.
    ///   - clock: the time expiry is measured in; `ContinuousCacheClock` by default. Tests pass a
    ///     `ManualCacheClock` and advance it instead of sleeping.
    /// - Throws: `CacheError.invalidCapacity(_:)` when `capacity` is out of range,
    ///   `CacheError.invalidShardCount(_:)` when `shardCount` is,
    ///   `CacheError.invalidExpireAfterAccess(_:)` when `expireAfterAccess` is not positive.
    public init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock()
    ) throws(CacheError) {
        cache = try Theine.Cache(
            validatingCapacity: capacity,
            policy: policy,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock
        )
        self.clock = clock
    }

    /// Creates a driver whose values weigh at most `maximumWeight` together: a budget of bytes
    /// rather than of values.
    ///
    /// ```swift
    /// // Sessions weigh their key and their encoded size, estimated by the app.
    /// let persist = try TheinePersistDriver(maximumWeight: 32 << 20) { key, value in
    ///     key.utf8.count + ((value as? Session)?.estimatedSize ?? 512)
    /// }
    /// ```
    ///
    /// The rules are `Theine.Cache.init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)`'s:
    /// the weigher runs once per write, outside the cache's locks; a value of weight 0 is never
    /// evicted for size; one heavier than the cache's `maximumEntryWeight` is not kept (a
    /// ``create(key:value:expires:)`` of it succeeds, and the key then holds nothing).
    ///
    /// - Parameters:
    ///   - maximumWeight: the most the values weigh together, in `1...Theine.Cache.maximumWeightLimit`.
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
    public init(
        maximumWeight: Int,
        weigher: @escaping @Sendable (_ key: String, _ value: any Codable & Sendable) -> Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock()
    ) throws(CacheError) {
        cache = try Theine.Cache(
            validatingMaximumWeight: maximumWeight,
            weigher: { key, entry in weigher(key, entry.value) },
            policy: policy,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock
        )
        self.clock = clock
    }

    /// Stores `value` for `key` if `key` holds no live value, to expire after `expires`.
    ///
    /// An `expires` of zero or less stores a value that has already expired: nothing is kept, but
    /// the call still fails on a key that holds a live value.
    ///
    /// - Throws: `PersistError.duplicate` if `key` holds a live value.
    /// - Complexity: amortized O(1); a new key may evict another value.
    public func create(key: String, value: some Codable & Sendable, expires: Duration?) async throws {
        if let expires, expires <= .zero {
            guard cache.get(key) == nil else { throw PersistError.duplicate }
            return
        }
        guard cache.setIfAbsent(key, entry(value, expires: expires), ttl: expires) else {
            throw PersistError.duplicate
        }
    }

    /// Stores `value` for `key`, replacing any value, to expire after `expires`.
    ///
    /// Without `expires`, a value that replaces one with an expiry keeps that expiry (the
    /// `PersistDriver` contract); it takes one lookup, counted in the cache's statistics, and two
    /// such calls racing with an expiring `set` of the same key may keep the older expiry.
    ///
    /// - Complexity: amortized O(1); a new key may evict another value.
    public func set(key: String, value: some Codable & Sendable, expires: Duration?) async throws {
        let ttl = expires ?? cache.get(key)?.deadline.map { $0 - clock.now }
        cache.set(key, entry(value, expires: ttl), ttl: ttl)
    }

    /// The value stored for `key`; `nil` if there is none or it has expired.
    ///
    /// - Throws: `PersistError.invalidConversion` if the value was stored as another type.
    /// - Complexity: O(1).
    public func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try lookUp(key, as: type)?.object
    }

    /// The value stored for `key` and the time it has left to live (`nil`: it never expires);
    /// `nil` if there is none or it has expired. With `expireAfterAccess`, this read renews the
    /// value's idle time, so the time left is at most that: the earlier of it and `expires`.
    ///
    /// - Throws: `PersistError.invalidConversion` if the value was stored as another type.
    /// - Complexity: O(1).
    public func getWithTTL<Object: Codable & Sendable>(
        key: String,
        as type: Object.Type
    ) async throws -> (object: Object, ttl: Duration?)? {
        try lookUp(key, as: type)
    }

    /// Removes the value stored for `key`, if any.
    ///
    /// - Complexity: O(1).
    public func remove(key: String) async throws {
        cache.remove(key)
    }

    /// Closes the cache, which stops its background expiry; the driver keeps answering.
    public func shutdown() async throws {
        cache.close()
    }

    /// An entry for `value` expiring after `expires` from now.
    private func entry(_ value: some Codable & Sendable, expires: Duration?) -> Entry {
        Entry(value: value, deadline: expires.map { clock.now + $0 })
    }

    /// The value for `key` as an `Object`, and its time left: the body of `get` and `getWithTTL`.
    private func lookUp<Object: Codable & Sendable>(
        _ key: String,
        as type: Object.Type
    ) throws -> (object: Object, ttl: Duration?)? {
        guard let entry = cache.get(key) else { return nil }
        guard let object = entry.value as? Object else { throw PersistError.invalidConversion }
        // The read just renewed the idle time in full.
        let untilDeadline = entry.deadline.map { max($0 - clock.now, .zero) }
        guard let idle = cache.expireAfterAccess else { return (object, untilDeadline) }
        return (object, untilDeadline.map { min($0, idle) } ?? idle)
    }
}
#endif
