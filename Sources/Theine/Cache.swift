/// A thread-safe, bounded in-memory cache with a choice of eviction policy.
///
/// ```swift
/// import Theine
///
/// let users = Cache<String, User>(capacity: 10_000)          // adaptive W-TinyLFU
/// users.set("alice", alice)
/// if let user = users.get("alice") { greet(user) }
/// users.remove("alice")
/// print(users.stats().hitRate)
/// ```
///
/// The cache holds at most ``capacity`` entries; when a new key would exceed it, the
/// ``EvictionPolicy`` picks an entry to evict (with W-TinyLFU, possibly the newcomer, when it is
/// used less often than what it would displace).
///
/// ## Expiration
/// Entries may have a time to live (``set(_:_:ttl:)``). An expired entry is never returned, and
/// leaves the cache soon after its deadline even if nobody reads it: one shared background ticker,
/// started on the first TTL and stopped when no cache needs it, serves every cache; no cache has a
/// thread of its own. Deadlines sit in a hierarchical timer wheel, so expiry costs amortized O(1)
/// per entry and never scans the cache.
///
/// ## Thread safety
/// Every method may be called from any thread or task at any time. In this version one pthread
/// mutex guards each cache; calls are short (O(1), no allocation on a hit) and never wait for
/// anything but that mutex.
///
/// While the mutex is held the cache runs one piece of your code: the key's `hash(into:)` and `==`.
/// They must not call back into the same cache (that would deadlock). Values and keys that leave
/// the cache (replaced, removed, evicted, cleared) are released after the mutex is unlocked, so a
/// `deinit` may use the cache.
///
/// ## Memory
/// Storage grows with the number of entries, not with the capacity: a cache created with a
/// capacity of 100 million that holds ten entries uses a few kilobytes.
public final class Cache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    // Lock order: each cache has one lock (`_state`'s pthread mutex) and never takes another while
    // holding it; no user closure runs under it except the key's `hash(into:)` and `==`.

    @usableFromInline
    let _state: LockedState<CacheState<Key, Value>>

    /// The shared ticker that removes expired entries in the background (joined on the first TTL).
    @usableFromInline
    let _ticker: ExpirationTicker

    /// The maximum number of entries the cache holds.
    public let capacity: Int

    /// The eviction policy the cache follows.
    public let policy: EvictionPolicy

    /// The largest capacity a cache accepts: 2,147,483,647 entries (slots are addressed by `Int32`).
    public static var maximumCapacity: Int { maximumCacheCapacity }

    /// Creates an empty cache that holds at most `capacity` entries.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries, in `1...Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (``EvictionPolicy/tinyLFU``) by default.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default. Tests pass a
    ///     ``ManualCacheClock``.
    /// - Precondition: `capacity` is in `1...Cache.maximumCapacity`; anything else is a programmer
    ///   error and traps. For a capacity read from configuration, use
    ///   ``init(validatingCapacity:policy:clock:)``, which throws instead.
    public convenience init(capacity: Int, policy: EvictionPolicy = .tinyLFU, clock: any CacheClock = ContinuousCacheClock()) {
        self.init(capacity: capacity, policy: policy, admissionSeed: UInt64.random(in: .min ... .max), clock: clock)
    }

    /// Creates an empty cache from run-time configuration, throwing on an invalid capacity.
    ///
    /// ```swift
    /// let cache = try Cache<String, Data>(validatingCapacity: settings.cacheSize)
    /// ```
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries, in `1...Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU by default.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default.
    /// - Throws: ``CacheError/invalidCapacity(_:)`` when `capacity` is out of range.
    public convenience init(
        validatingCapacity capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        clock: any CacheClock = ContinuousCacheClock()
    ) throws(CacheError) {
        guard (1...maximumCacheCapacity).contains(capacity) else { throw .invalidCapacity(capacity) }
        self.init(capacity: capacity, policy: policy, clock: clock)
    }

    /// Creates an empty cache whose random admission decisions follow `admissionSeed`, so that hit
    /// ratios are reproducible (with `SWIFT_DETERMINISTIC_HASHING=1`), and which is visited by
    /// `ticker` once it holds entries with a TTL. For the simulator and tests.
    package init(
        capacity: Int,
        policy: EvictionPolicy,
        admissionSeed: UInt64,
        clock: any CacheClock = ContinuousCacheClock(),
        ticker: ExpirationTicker = .shared
    ) {
        // `fatalError` rather than `precondition`: its message survives optimized builds.
        guard (1...maximumCacheCapacity).contains(capacity) else {
            fatalError("capacity must be in 1...\(maximumCacheCapacity), got \(capacity)")
        }
        self.capacity = capacity
        self.policy = policy
        _ticker = ticker
        _state = LockedState(
            CacheState(policy: policy.makePolicy(capacity: capacity, seed: admissionSeed), clock: clock)
        )
    }

    /// The value stored for `key`, or `nil` if there is none or it has expired. Counts a hit or a
    /// miss.
    ///
    /// - Complexity: O(1): one hash of `key`; no allocation. A clock read if the entry has a TTL.
    @inlinable
    public func get(_ key: Key) -> Value? {
        // An expired entry found here leaves with the tuple, released after unlocking.
        _state.withLock { $0.get(key) }.value
    }

    /// Stores `value` for `key`, replacing any value stored for it, to live for `ttl`.
    ///
    /// ```swift
    /// sessions.set(token, session, ttl: .seconds(1_800))
    /// sessions.set(token, session)              // no TTL: stays until evicted or removed
    /// ```
    ///
    /// A new key may evict another entry (or, under W-TinyLFU, be rejected itself if it is used less
    /// often than the entry it would displace). Overwriting a present key evicts nothing, and
    /// replaces its TTL: without `ttl`, the entry no longer expires.
    ///
    /// TTLs are often computed at run time, so none is an error:
    /// - `nil` (the default) or more than 100 years: the entry never expires.
    /// - `.zero` or less: nothing is stored, and any entry for `key` is removed, as ``remove(_:)``.
    /// - Otherwise the entry expires when the cache's clock has advanced by `ttl`. From then on no
    ///   read returns it, and it leaves the cache within about half a second even if nobody reads
    ///   it (see ``removeExpired()``).
    ///
    /// - Complexity: amortized O(1). Overwriting a present key does not allocate.
    @inlinable
    public func set(_ key: Key, _ value: Value, ttl: Duration? = nil) {
        let ttl = TimeToLive(ttl)
        guard ttl != .expired else {
            remove(key)
            return
        }
        // Whatever left the cache is released here, after unlocking.
        let departures = _state.withLock { $0.set(key, value, ttl: ttl) }
        if departures.joinsTicker { joinExpirationTicker() }
    }

    /// Stores `value` for `key` only if `key` has no value, atomically, to live for `ttl`.
    ///
    /// Of several threads racing to set the same absent key, exactly one succeeds. An expired entry
    /// counts as absent. `ttl` follows the rules of ``set(_:_:ttl:)``; a TTL of `.zero` or less
    /// stores nothing and returns `false`.
    ///
    /// - Returns: `true` if `value` was stored, `false` if `key` already had a value (left unchanged).
    /// - Complexity: amortized O(1).
    @inlinable
    @discardableResult
    public func setIfAbsent(_ key: Key, _ value: Value, ttl: Duration? = nil) -> Bool {
        let ttl = TimeToLive(ttl)
        guard ttl != .expired else { return false }
        let (stored, departures) = _state.withLock { $0.setIfAbsent(key, value, ttl: ttl) }
        if departures.joinsTicker { joinExpirationTicker() }
        return stored
    }

    /// Removes `key`'s entry.
    ///
    /// - Returns: the value that was stored for `key`, or `nil` if there was none or it had expired.
    /// - Complexity: O(1).
    @inlinable
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        guard let removed = _state.withLock({ $0.remove(key) }), removed.wasLive else { return nil }
        return removed.entry.value
    }

    /// Removes every entry. Statistics are kept.
    ///
    /// - Complexity: O(n) to release the entries, done after unlocking; O(1) under the lock.
    public func removeAll() {
        _ = _state.withLock { $0.removeAll() }
    }

    /// Removes every entry whose TTL has passed, now.
    ///
    /// The cache does this by itself about twice a second from a shared background ticker, and
    /// reads never return an expired entry, so calling this is never needed for correctness. It is
    /// for tests on a ``ManualCacheClock`` and for releasing expired values at a chosen moment.
    ///
    /// - Returns: the number of entries removed.
    /// - Complexity: amortized O(1) per expired entry, plus O(k) for the k entries due within the
    ///   present second.
    @discardableResult
    public func removeExpired() -> Int {
        _state.withLock { $0.removeExpired() }.count
    }

    /// The number of entries in the cache, never above ``capacity`` between calls.
    ///
    /// Expired entries count until they leave (within about half a second of their deadline, or
    /// at once on ``removeExpired()``).
    ///
    /// - Complexity: O(1).
    public var count: Int {
        _state.withLock { $0._table.count }
    }

    /// A snapshot of the cache's counters.
    ///
    /// - Complexity: O(1).
    public func stats() -> CacheStats {
        _state.withLock { $0.stats }
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool {
        _state.withLock { $0._isClosed }
    }

    /// Marks the cache closed and stops its background work. Idempotent.
    ///
    /// A closed cache stays a usable map (every method keeps working, and reads never return an
    /// expired entry), but the background ticker no longer removes its expired entries: they leave
    /// when read, overwritten, evicted, or on ``removeExpired()``. A cache that is released
    /// without being closed stops its background work too.
    public func close() {
        _state.withLock { $0._isClosed = true }
    }
}

extension Cache: ExpirationTickerClient {
    /// Asks the ticker for visits; called once, after unlocking, when the first deadline is set.
    @usableFromInline
    func joinExpirationTicker() {
        _ticker.register(self)
    }

    func expireEntriesOnTick() -> Bool {
        // The expired entries are released after unlocking, when the tuple goes.
        let (isOpen, _) = _state.withLock { state in (!state._isClosed, state.removeExpired()) }
        return isOpen
    }
}

extension Cache {
    /// Traps if the cache's internal structures are inconsistent. O(n); for tests.
    func checkInvariants() {
        _state.withLock { $0.checkInvariants() }
    }

    /// Whether `key` has an entry, expired or not, without counting a request, recording an
    /// access or reading the clock; for tests.
    func containsQuietly(_ key: Key) -> Bool {
        _state.withLock { $0._table.slot(of: key) != nil }
    }
}
