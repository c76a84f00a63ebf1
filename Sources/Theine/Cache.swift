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
    /// - Precondition: `capacity` is in `1...Cache.maximumCapacity`; anything else is a programmer
    ///   error and traps. For a capacity read from configuration, use
    ///   ``init(validatingCapacity:policy:)``, which throws instead.
    public convenience init(capacity: Int, policy: EvictionPolicy = .tinyLFU) {
        self.init(capacity: capacity, policy: policy, admissionSeed: UInt64.random(in: .min ... .max))
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
    /// - Throws: ``CacheError/invalidCapacity(_:)`` when `capacity` is out of range.
    public convenience init(validatingCapacity capacity: Int, policy: EvictionPolicy = .tinyLFU) throws(CacheError) {
        guard (1...maximumCacheCapacity).contains(capacity) else { throw .invalidCapacity(capacity) }
        self.init(capacity: capacity, policy: policy)
    }

    /// Creates an empty cache whose random admission decisions follow `admissionSeed`, so that hit
    /// ratios are reproducible (with `SWIFT_DETERMINISTIC_HASHING=1`). For the simulator and tests.
    package init(capacity: Int, policy: EvictionPolicy, admissionSeed: UInt64) {
        // `fatalError` rather than `precondition`: its message survives optimized builds.
        guard (1...maximumCacheCapacity).contains(capacity) else {
            fatalError("capacity must be in 1...\(maximumCacheCapacity), got \(capacity)")
        }
        self.capacity = capacity
        self.policy = policy
        _state = LockedState(CacheState(policy: policy.makePolicy(capacity: capacity, seed: admissionSeed)))
    }

    /// The value stored for `key`, or `nil` if there is none. Counts a hit or a miss.
    ///
    /// - Complexity: O(1): one hash of `key`; no allocation.
    @inlinable
    public func get(_ key: Key) -> Value? {
        _state.withLock { $0.get(key) }
    }

    /// Stores `value` for `key`, replacing any value stored for it.
    ///
    /// A new key may evict another entry (or, under W-TinyLFU, be rejected itself if it is used less
    /// often than the entry it would displace). Overwriting a present key evicts nothing.
    ///
    /// - Complexity: amortized O(1). Overwriting a present key does not allocate.
    @inlinable
    public func set(_ key: Key, _ value: Value) {
        // Whatever left the cache is released here, after unlocking.
        _ = _state.withLock { $0.set(key, value) }
    }

    /// Stores `value` for `key` only if `key` has no value, atomically.
    ///
    /// Of several threads racing to set the same absent key, exactly one succeeds.
    ///
    /// - Returns: `true` if `value` was stored, `false` if `key` already had a value (left unchanged).
    /// - Complexity: amortized O(1).
    @inlinable
    @discardableResult
    public func setIfAbsent(_ key: Key, _ value: Value) -> Bool {
        _state.withLock { $0.setIfAbsent(key, value) }.stored
    }

    /// Removes `key`'s entry.
    ///
    /// - Returns: the value that was stored for `key`, or `nil` if there was none.
    /// - Complexity: O(1).
    @inlinable
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        _state.withLock { $0.remove(key) }?.value
    }

    /// Removes every entry. Statistics are kept.
    ///
    /// - Complexity: O(n) to release the entries, done after unlocking; O(1) under the lock.
    public func removeAll() {
        _ = _state.withLock { $0.removeAll() }
    }

    /// The number of entries in the cache, never above ``capacity`` between calls.
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

    /// Marks the cache closed. Idempotent.
    ///
    /// A closed cache stays a usable map (every method keeps working); closing stops the background
    /// work a cache takes part in.
    public func close() {
        _state.withLock { $0._isClosed = true }
    }
}

extension Cache {
    /// Traps if the cache's internal structures are inconsistent. O(n); for tests.
    func checkInvariants() {
        _state.withLock { $0.checkInvariants() }
    }

    /// Whether `key` has an entry, without counting a request or recording an access; for tests.
    func containsQuietly(_ key: Key) -> Bool {
        _state.withLock { $0._table.slot(of: key) != nil }
    }
}
