import Dispatch
import Synchronization

/// A thread-safe, bounded in-memory cache with a choice of eviction policy.
///
/// ```swift
/// import Theine
///
/// // Adaptive W-TinyLFU, the default policy.
/// let users = Cache<String, User>(capacity: 10_000)
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
/// ## Sliding expiration
/// A cache created with `expireAfterAccess` also expires an entry that nobody has accessed for
/// that long (``RemovalCause/expired``), as sessions and tokens want; with a TTL too, the earlier
/// of the two ends the entry.
///
/// ```swift
/// let sessions = Cache<String, Session>(
///     capacity: 100_000,
///     expireAfterAccess: .seconds(1_800)
/// )
/// // Lives while it is used.
/// sessions.set(token, session)
/// // Lives while it is used, and at most 8 hours.
/// sessions.set(apiKey, grant, ttl: .seconds(8 * 3_600))
/// ```
///
/// Accesses are a hit of any `get` (the loading and bulk ones included), a write (``set(_:_:ttl:)``,
/// a load's store, ``update(_:ttl:_:)-4dv4r``); not ``entries()``, ``hottest(_:)``, ``coldest(_:)``, nor a
/// ``setIfAbsent(_:_:ttl:)`` that finds the key. A hit records its time in the entry's own word
/// without a lock, and the timer wheel checks that word before it removes an entry, so an entry in
/// use is never expired for want of access, and an idle one leaves as an entry with a TTL does.
/// With the default clock on Linux, hits read the kernel's coarse clock, whose resolution is its
/// tick (a few milliseconds; `clock_getres(CLOCK_MONOTONIC_COARSE)`), so an idle entry may be
/// returned up to one tick past its limit (never before it), and leaves within about a tick of
/// it; with any other clock (a ``ManualCacheClock``), every access and check reads that clock,
/// exactly. It costs every hit a
/// coarse clock read (a TTL adds a precise one, as without sliding expiry), and 16 bytes an entry.
///
/// ## Thread safety
/// Every method may be called from any thread or task at any time. A large cache is split into
/// shards by key hash, each with its own lock, so threads using different keys rarely wait for each
/// other; a cache under 262,144 entries is one shard unless you ask for more (`shardCount`). Reads
/// take no lock: a hit is counted and recorded for the policy on the calling thread's own stripe,
/// and the policy learns of it in batches, so reads scale with threads. A read waits only while a
/// write to its shard is in progress; writes wait for no read. Calls are short (O(1), no allocation
/// on a hit), and a write is visible to every read that starts after it returns.
///
/// While a call is inside a shard the cache runs one piece of your code: the key's `hash(into:)`
/// and `==`. They must not call back into the same cache (that could deadlock). Values and keys that
/// leave the cache (replaced, removed, evicted, cleared) are released after the shard is left, so a
/// `deinit` may use the cache.
///
/// Each shard evicts within its share of the capacity (the shares add up to ``capacity``), so the
/// count never exceeds the capacity. Each runs its own instance of the policy, so the hit ratio of
/// a sharded cache differs from one policy over the whole capacity: hardly for LRU, by more for the
/// adaptive policies (`ShardLayout` says when a cache is sharded; `Documentation/DesignNotes.md`
/// has the figures).
///
/// ## Removal notifications
/// Pass `onRemoval` to learn of every entry that leaves, with its ``RemovalCause``: to close a
/// handle a value holds, to count evictions by cause, to write behind.
///
/// ```swift
/// let files = Cache<String, FileHandle>(capacity: 64) { path, handle, cause in
///     try? handle.close()
/// }
/// ```
///
/// | Operation | The departing value's cause |
/// |---|---|
/// | ``remove(_:)`` of a live entry | ``RemovalCause/explicit`` |
/// | ``removeAll()`` | ``RemovalCause/explicit``, or ``RemovalCause/expired`` for an entry past its deadline |
/// | ``set(_:_:ttl:)`` over a live value | ``RemovalCause/replaced`` (the old value) |
/// | ``set(_:_:ttl:)`` over a value past its deadline | ``RemovalCause/expired`` (the old value) |
/// | ``set(_:_:ttl:)`` with a TTL of zero or less | as ``remove(_:)`` (the old value) |
/// | ``remove(_:)`` of an entry past its deadline | ``RemovalCause/expired`` (and it returns `nil`) |
/// | ``setIfAbsent(_:_:ttl:)`` over a value past its deadline | ``RemovalCause/expired`` (the old value) |
/// | an insertion beyond the capacity | ``RemovalCause/evicted`` (the entry the policy chose) |
/// | W-TinyLFU refusing a stored newcomer its main space | ``RemovalCause/evicted`` (`setIfAbsent` returned `true`) |
/// | a read, a write or ``removeExpired()`` finding an entry past its deadline | ``RemovalCause/expired`` |
/// | the background ticker | ``RemovalCause/expired``, delivered off the ticker (below) |
/// | a loaded value that a write superseded | none: it was never stored |
/// | a loaded value stored over one past its deadline | ``RemovalCause/expired`` (the old value) |
/// | ``close()`` | none: the entries stay |
/// | the cache's release | none |
///
/// Each departing value is notified exactly once, after the shard's lock is released, so the
/// listener may call the cache (even to put the key back), and on the thread whose call caused the
/// departure, before that call returns; what a load's store displaces, on the thread that ran the
/// load (the load's task for the async `get`), after its waiters are resumed. Entries the
/// background ticker expires are notified on a serial queue of the cache's own, in the order they
/// expired, so that a slow listener delays neither the ticker nor any other cache's expiry. Notifications of one key from different
/// threads are not ordered among themselves: a listener that sees a key's `.replaced` may see an
/// older value's `.expired` after it.
///
/// ## Weights
/// A cache created with ``init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)`` is
/// bounded by the total of its entries' weights (``totalWeight``, at most ``maximumWeight``) rather
/// than by their number, so that it can hold a budget of bytes:
///
/// - The weigher runs once per write, before the write enters a shard, so a slow weigher delays
///   only its own call. A value keeps the weight it was stored with until it is replaced.
/// - An insertion may evict several entries, each departing ``RemovalCause/evicted``, until the
///   total is within the maximum again; ``CacheStats/evictionWeight`` sums their weights.
/// - An entry of weight 0 is never evicted for size: it stays until removed, replaced or expired.
/// - An entry heavier than ``maximumEntryWeight`` is not kept: it departs ``RemovalCause/evicted``
///   as it is stored (and the value it replaced departs ``RemovalCause/replaced``).
/// - A weighted cache is one shard unless `shardCount` says otherwise; with more, each shard holds
///   its share of the weight, and ``maximumEntryWeight`` is that share.
/// - ``totalWeight`` never exceeds ``maximumWeight`` while no call is in progress.
///
/// ## Memory
/// Storage grows with the number of entries, not with the capacity: a cache created with a
/// capacity of 100 million that holds ten entries uses a few kilobytes.
public final class Cache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    // Lock order: a call enters one shard (`CacheShard`: shared for reads, exclusive for the rest)
    // at a time and never another while inside; no user closure runs inside except the key's
    // `hash(into:)` and `==` (and a custom clock's `now`).

    @usableFromInline
    let _shards: ContiguousArray<CacheShard<Key, Value>>

    /// `_shards` as unmanaged references, which the hot paths use: a shard reached through them is
    /// not retained and released around each call (two atomic operations on a reference count that
    /// every thread shares). `_shards` keeps them alive.
    @usableFromInline
    let _unretainedShards: ContiguousArray<Unmanaged<CacheShard<Key, Value>>>

    @usableFromInline
    let _layout: ShardLayout

    /// The shared ticker that removes expired entries in the background (joined on the first TTL).
    @usableFromInline
    let _ticker: ExpirationTicker

    @usableFromInline
    let _hasJoinedTicker = Atomic<Bool>(false)

    @usableFromInline
    let _isClosed = Atomic<Bool>(false)

    /// The removal listener, if any.
    @usableFromInline
    let _onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)?

    /// Where the background ticker's expirations are notified, in order, off the ticker's queue;
    /// only with a listener.
    let _removalQueue: DispatchQueue?

    /// What gives each entry its weight, in a weighted cache.
    @usableFromInline
    let _weigher: (@Sendable (Key, Value) -> Int)?

    /// The cache's bound: its capacity, or for a weighted cache its maximum weight; changed by
    /// ``resize(to:)``.
    let _bound: Atomic<Int>

    /// Whether the cache is bounded by weight.
    let _isWeighted: Bool

    /// The maximum number of entries the cache holds: as created, or as last resized
    /// (``resize(to:)``). A weighted cache
    /// (``init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)``) is bounded by weight
    /// instead, and reports ``Cache/maximumCapacity``: no bound by count.
    public var capacity: Int {
        _isWeighted ? maximumCacheCapacity : _bound.load(ordering: .relaxed)
    }

    /// The most the entries of a weighted cache weigh together, as created or as last resized
    /// (``resize(to:)``); `nil` for a cache bounded by count.
    public var maximumWeight: Int? {
        _isWeighted ? _bound.load(ordering: .relaxed) : nil
    }

    /// The eviction policy the cache follows.
    public let policy: EvictionPolicy

    /// How long an entry lives without being accessed (see "Sliding expiration" above); `nil` when
    /// entries do not expire for want of access.
    public let expireAfterAccess: Duration?

    /// The largest capacity a cache accepts: 2,147,483,647 entries (slots are addressed by `Int32`).
    public static var maximumCapacity: Int { maximumCacheCapacity }

    /// The most shards a cache accepts: 1,024.
    public static var maximumShardCount: Int { ShardLayout.validCounts.upperBound }

    /// Creates an empty cache that holds at most `capacity` entries.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries, in `1...Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (``EvictionPolicy/tinyLFU``) by default.
    ///   - shardCount: how many shards to split the cache into, each with its own lock: `nil` (the
    ///     default) chooses from the capacity and the processors, one shard under 262,144 entries;
    ///     otherwise a number in `1...Cache.maximumShardCount`, rounded up to a power of two and
    ///     lowered to the largest power of two at or below `capacity`, so that every shard holds an
    ///     entry. More shards let more writers in at once, at the price of the policy's exactness
    ///     (see ``Cache``).
    ///   - expireAfterAccess: how long an entry lives without being accessed (see "Sliding
    ///     expiration" above); `nil` (the default), or more than 100 years, for no such limit.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default. Tests pass a
    ///     ``ManualCacheClock``.
    ///   - onRemoval: called with every entry that leaves the cache and why, once each, outside the
    ///     cache's locks (see "Removal notifications" above); `nil` (the default) for none.
    /// - Precondition: `capacity` is in `1...Cache.maximumCapacity`, `shardCount`, if any, in
    ///   `1...Cache.maximumShardCount` and `expireAfterAccess`, if any, positive; anything else is
    ///   a programmer error and traps. For values
    ///   read from configuration, use ``init(validatingCapacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``,
    ///   which throws instead.
    public convenience init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) {
        self.init(
            capacity: capacity,
            policy: policy,
            admissionSeed: UInt64.random(in: .min ... .max),
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            onRemoval: onRemoval
        )
    }

    /// Creates an empty cache from run-time configuration, throwing on an invalid capacity or shard
    /// count.
    ///
    /// ```swift
    /// let cache = try Cache<String, Data>(validatingCapacity: settings.cacheSize)
    /// ```
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries, in `1...Cache.maximumCapacity`.
    ///   - policy: the eviction policy; adaptive W-TinyLFU by default.
    ///   - shardCount: the shards, as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``:
    ///     `nil` (the default) chooses, otherwise in `1...Cache.maximumShardCount`.
    ///   - expireAfterAccess: how long an entry lives without being accessed; `nil` (the default)
    ///     for no such limit, otherwise positive.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default.
    ///   - onRemoval: the removal listener, as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    /// - Throws: ``CacheError/invalidCapacity(_:)`` when `capacity` is out of range,
    ///   ``CacheError/invalidShardCount(_:)`` when `shardCount` is,
    ///   ``CacheError/invalidExpireAfterAccess(_:)`` when `expireAfterAccess` is not positive.
    public convenience init(
        validatingCapacity capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) throws(CacheError) {
        guard (1...maximumCacheCapacity).contains(capacity) else { throw .invalidCapacity(capacity) }
        if let shardCount, !ShardLayout.validCounts.contains(shardCount) { throw .invalidShardCount(shardCount) }
        if let expireAfterAccess, expireAfterAccess <= .zero { throw .invalidExpireAfterAccess(expireAfterAccess) }
        self.init(
            capacity: capacity,
            policy: policy,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            onRemoval: onRemoval
        )
    }

    /// Creates an empty cache whose random admission decisions follow `admissionSeed`, so that hit
    /// ratios are reproducible (with `SWIFT_DETERMINISTIC_HASHING=1`), split into `shardCount`
    /// shards (as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``), and visited by
    /// `ticker` once it holds entries with a TTL. For the simulator and tests.
    package convenience init(
        capacity: Int,
        policy: EvictionPolicy,
        admissionSeed: UInt64,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        ticker: ExpirationTicker = .shared,
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) {
        // `fatalError` rather than `precondition`: its message survives optimized builds.
        guard (1...maximumCacheCapacity).contains(capacity) else {
            fatalError("capacity must be in 1...\(maximumCacheCapacity), got \(capacity)")
        }
        self.init(
            bound: .count(capacity),
            policy: policy,
            admissionSeed: admissionSeed,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            ticker: ticker,
            onRemoval: onRemoval
        )
    }

    /// Creates an empty cache that holds entries weighing at most `maximumWeight` together, each
    /// weighing what `weigher` returns for it: bytes, rows, or any unit.
    ///
    /// ```swift
    /// let pages = Cache<URL, Data>(maximumWeight: 64 << 20) { _, body in body.count }
    /// ```
    ///
    /// See "Weights" above for the rules: an entry of weight 0 is never evicted for size, and one
    /// heavier than ``maximumEntryWeight`` is not kept.
    ///
    /// - Parameters:
    ///   - maximumWeight: the most the entries weigh together, in `1...Cache.maximumWeightLimit`.
    ///   - weigher: the weight of a value stored for a key, at least 0. It runs once per write
    ///     (``set(_:_:ttl:)``, ``setIfAbsent(_:_:ttl:)``, a load's store), on the writing thread,
    ///     outside the cache's locks.
    ///   - policy: the eviction policy; adaptive W-TinyLFU (``EvictionPolicy/tinyLFU``) by default.
    ///   - shardCount: `nil` (the default) for one shard; otherwise a number in
    ///     `1...Cache.maximumShardCount`, rounded up to a power of two, and each shard holds its
    ///     share of the weight (so ``maximumEntryWeight`` shrinks with it).
    ///   - expireAfterAccess: how long an entry lives without being accessed; `nil` (the default)
    ///     for no such limit, as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default.
    ///   - onRemoval: the removal listener, as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    /// - Precondition: `maximumWeight` is in `1...Cache.maximumWeightLimit`, `shardCount`, if
    ///   any, in `1...Cache.maximumShardCount` and `expireAfterAccess`, if any, positive; anything
    ///   else traps. For values read from
    ///   configuration, use ``init(validatingMaximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    ///   The weigher returning a negative weight is a programmer error too, and traps with the
    ///   weight and the key's type (not the key).
    public convenience init(
        maximumWeight: Int,
        weigher: @escaping @Sendable (Key, Value) -> Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) {
        self.init(
            maximumWeight: maximumWeight,
            weigher: weigher,
            policy: policy,
            admissionSeed: UInt64.random(in: .min ... .max),
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            onRemoval: onRemoval
        )
    }

    /// Creates an empty cache bounded by weight from run-time configuration, throwing on an invalid
    /// maximum weight or shard count.
    ///
    /// ```swift
    /// let pages = try Cache<URL, Data>(validatingMaximumWeight: settings.cacheBytes) { _, body in body.count }
    /// ```
    ///
    /// - Parameters:
    ///   - maximumWeight: the most the entries weigh together, in `1...Cache.maximumWeightLimit`.
    ///   - weigher: the weight of a value stored for a key, at least 0, as for
    ///     ``init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    ///   - policy: the eviction policy; adaptive W-TinyLFU by default.
    ///   - shardCount: `nil` (the default) for one shard, otherwise in `1...Cache.maximumShardCount`.
    ///   - expireAfterAccess: how long an entry lives without being accessed; `nil` (the default)
    ///     for no such limit, otherwise positive.
    ///   - clock: the time TTLs are measured in; ``ContinuousCacheClock`` by default.
    ///   - onRemoval: the removal listener, as for ``init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``.
    /// - Throws: ``CacheError/invalidMaximumWeight(_:)`` when `maximumWeight` is not in
    ///   `1...Cache.maximumWeightLimit`, ``CacheError/invalidShardCount(_:)`` when `shardCount` is
    ///   out of range, ``CacheError/invalidExpireAfterAccess(_:)`` when `expireAfterAccess` is not
    ///   positive.
    public convenience init(
        validatingMaximumWeight maximumWeight: Int,
        weigher: @escaping @Sendable (Key, Value) -> Int,
        policy: EvictionPolicy = .tinyLFU,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) throws(CacheError) {
        guard (1...Self.maximumWeightLimit).contains(maximumWeight) else {
            throw .invalidMaximumWeight(maximumWeight)
        }
        if let shardCount, !ShardLayout.validCounts.contains(shardCount) { throw .invalidShardCount(shardCount) }
        if let expireAfterAccess, expireAfterAccess <= .zero { throw .invalidExpireAfterAccess(expireAfterAccess) }
        self.init(
            maximumWeight: maximumWeight,
            weigher: weigher,
            policy: policy,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            onRemoval: onRemoval
        )
    }

    /// ``init(maximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)`` whose random admission
    /// decisions follow `admissionSeed` and whose expirations `ticker` visits, as for the
    /// count-bounded twin. For the simulator and tests.
    package convenience init(
        maximumWeight: Int,
        weigher: @escaping @Sendable (Key, Value) -> Int,
        policy: EvictionPolicy,
        admissionSeed: UInt64,
        shardCount: Int? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        ticker: ExpirationTicker = .shared,
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)? = nil
    ) {
        guard (1...Self.maximumWeightLimit).contains(maximumWeight) else {
            fatalError("maximumWeight must be in 1...\(Self.maximumWeightLimit), got \(maximumWeight)")
        }
        self.init(
            bound: .weight(maximumWeight, weigher),
            policy: policy,
            admissionSeed: admissionSeed,
            shardCount: shardCount,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            ticker: ticker,
            onRemoval: onRemoval
        )
    }

    /// The largest maximum weight a cache accepts: `Int.max / 2`, so that a shard's total plus one
    /// more entry never overflows.
    public static var maximumWeightLimit: Int { Int.max / 2 }

    /// What bounds a cache: the number of its entries, or their weight.
    enum Bound {
        case count(Int)
        case weight(Int, @Sendable (Key, Value) -> Int)
    }

    private init(
        bound: Bound,
        policy: EvictionPolicy,
        admissionSeed: UInt64,
        shardCount: Int?,
        expireAfterAccess: Duration?,
        clock: any CacheClock,
        ticker: ExpirationTicker,
        onRemoval: (@Sendable (Key, Value, RemovalCause) -> Void)?
    ) {
        if let expireAfterAccess, expireAfterAccess <= .zero {
            fatalError("expireAfterAccess must be positive, got \(expireAfterAccess)")
        }
        // Longer than 100 years, as a TTL: never.
        let timeToIdle: Int64 =
            if case .nanoseconds(let nanoseconds) = TimeToLive(expireAfterAccess) { nanoseconds } else { .max }
        self.expireAfterAccess = timeToIdle == .max ? nil : expireAfterAccess
        let layout: ShardLayout
        let total: Int
        switch bound {
        case .count(let capacity):
            total = capacity
            _isWeighted = false
            _weigher = nil
            layout =
                shardCount.map { Self.requestedLayout(count: $0, total: capacity) } ?? .automatic(capacity: capacity)
        case .weight(let maximumWeight, let weigher):
            total = maximumWeight
            _isWeighted = true
            _weigher = weigher
            layout = shardCount.map { Self.requestedLayout(count: $0, total: maximumWeight) } ?? .single
        }
        _bound = Atomic(total)
        self.policy = policy
        _layout = layout
        _ticker = ticker
        _onRemoval = onRemoval
        _removalQueue = onRemoval == nil ? nil : DispatchQueue(label: "Theine.Cache.removals")
        let ownedStripeCount = ReadStripe.ownedCountPerShard
        let isWeighted = _isWeighted
        let maximumEntryWeight = total / layout.count
        _shards = ContiguousArray(
            (0..<layout.count).map { index in
                let share = layout.capacity(ofShard: index, total: total)
                let weights = isWeighted ? SlotWeights(maximum: share, maximumEntryWeight: maximumEntryWeight) : nil
                let policy = policy.makePolicy(capacity: share, seed: admissionSeed &+ UInt64(index), weights: weights)
                return CacheShard(
                    CacheState(policy: policy, clock: clock, weights: weights, timeToIdle: timeToIdle),
                    ownedStripeCount: ownedStripeCount
                )
            }
        )
        _unretainedShards = ContiguousArray(_shards.map { Unmanaged.passUnretained($0) })
    }

    /// The layout for `count` shards requested of a cache bounded by `total` (entries or weight).
    private static func requestedLayout(count: Int, total: Int) -> ShardLayout {
        guard ShardLayout.validCounts.contains(count) else {
            fatalError("shardCount must be in \(ShardLayout.validCounts), got \(count)")
        }
        return .requested(count: count, capacity: total)
    }

    /// The number of shards the cache is split into: a power of two, 1 for a cache under 262,144
    /// entries unless it was created with more.
    public var shardCount: Int { _layout.count }

    /// Calls `body` with the shard that holds the key whose `hashValue` is `hashValue`, which is not
    /// retained for the call. Every key is hashed once a call: the shard's table takes the same
    /// `hashValue`.
    ///
    /// - Complexity: O(1).
    @inlinable @inline(__always)
    func _withShard<Result>(hashValue: Int, _ body: (CacheShard<Key, Value>) throws -> Result) rethrows -> Result {
        let index = _layout.count == 1 ? 0 : _layout.index(ofHashValue: hashValue)
        return try _unretainedShards[index]._withUnsafeGuaranteedRef(body)
    }

    /// The shard that holds the key whose `hashValue` is `hashValue`, retained: for the paths that
    /// keep it, such as a load across its suspensions.
    @inlinable
    func _shard(hashValue: Int) -> CacheShard<Key, Value> {
        _withShard(hashValue: hashValue) { $0 }
    }

    /// The shard that holds `key`, retained.
    func _shard(for key: Key) -> CacheShard<Key, Value> {
        _shard(hashValue: hashValue(of: key))
    }

    /// The value stored for `key`, or `nil` if there is none or it has expired. Counts a hit or a
    /// miss; a hit is an access for ``expireAfterAccess``.
    ///
    /// - Complexity: O(1): one hash of `key`; no allocation. A clock read if the entry has a TTL or
    ///   the cache expires entries after access.
    @inlinable
    public func get(_ key: Key) -> Value? {
        let hashValue = hashValue(of: key)
        return _withShard(hashValue: hashValue) { $0.get(key, hashValue: hashValue, settler: self) }
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
        let weight = _weight(of: key, value)
        let hashValue = hashValue(of: key)
        var departures = Departures<Key, Value>()
        _withShard(hashValue: hashValue) {
            $0.withLock { $0.set(key, value, ttl: ttl, weight: weight, hashValue: hashValue, departures: &departures) }
        }
        _settle(departures)
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
        let weight = _weight(of: key, value)
        let hashValue = hashValue(of: key)
        var departures = Departures<Key, Value>()
        let stored = _withShard(hashValue: hashValue) { shard in
            shard.withLock {
                $0.setIfAbsent(key, value, ttl: ttl, weight: weight, hashValue: hashValue, departures: &departures)
            }
        }
        _settle(departures)
        return stored
    }

    /// Removes `key`'s entry.
    ///
    /// - Returns: the value that was stored for `key`, or `nil` if there was none or it had expired.
    /// - Complexity: O(1).
    @inlinable
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        let hashValue = hashValue(of: key)
        var departures = Departures<Key, Value>()
        let removed = _withShard(hashValue: hashValue) {
            $0.withLock { $0.remove(key, hashValue: hashValue, departures: &departures) }
        }
        _settle(departures)
        return removed
    }

    /// Removes every entry. Statistics are kept, and count what leaves: entries past their deadline
    /// as expirations, the others as explicit removals (their removal causes).
    ///
    /// Shards are cleared one after another: a write that runs concurrently with `removeAll` may
    /// survive it.
    ///
    /// - Complexity: O(n) to release the entries, done after unlocking; under each shard's lock,
    ///   O(1) plus amortized O(1) for each entry past its deadline (as ``removeExpired()``).
    public func removeAll() {
        for shard in _shards {
            var departures = Departures<Key, Value>()
            shard.withLock { $0.removeAll(departures: &departures) }
            _settle(departures)
        }
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
        _shards.reduce(0) { removed, shard in
            var departures = Departures<Key, Value>()
            let count = shard.withLock { $0.removeExpired(departures: &departures) }
            _settle(departures)
            return removed + count
        }
    }

    /// The number of entries in the cache, never above ``capacity`` between calls.
    ///
    /// Expired entries count until they leave (within about half a second of their deadline, or
    /// at once on ``removeExpired()``). With several shards the count is summed shard by shard, so
    /// under concurrent writes it is a recent value, not an instant's.
    ///
    /// - Complexity: O(shards).
    public var count: Int {
        _shards.reduce(0) { count, shard in count + shard.withLock { $0._table.count } }
    }

    /// A snapshot of the cache's counters, exact when no call is in progress.
    ///
    /// - Complexity: O(shards).
    public func stats() -> CacheStats {
        _shards.reduce(CacheStats()) { total, shard in total + shard.stats() }
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool {
        _isClosed.load(ordering: .acquiring)
    }

    /// Marks the cache closed and stops its background work. Idempotent.
    ///
    /// A closed cache stays a usable map (every method keeps working, and reads never return an
    /// expired entry), but the background ticker no longer removes its expired entries: they leave
    /// when read, overwritten, evicted, or on ``removeExpired()``. A cache that is released
    /// without being closed stops its background work too.
    ///
    /// The refreshes in flight (``get(_:ttl:refreshAfter:staleIfError:loader:)-(_,_,Duration?,_,_)``, ``refresh(_:ttl:refreshAfter:staleIfError:loader:)``)
    /// are cancelled, and what they load is not stored; a closed cache starts no background
    /// refresh. ``shutdown()`` also waits for their end.
    ///
    /// - Complexity: O(shards + loads in flight).
    public func close() {
        _closeCancellingRefreshes()
    }
}

extension Cache: ExpirationTickerClient {
    /// Asks the ticker for visits the first time a deadline is set, unless the cache is closed.
    @usableFromInline
    func joinExpirationTickerOnce() {
        guard !_hasJoinedTicker.load(ordering: .relaxed), !isClosed else { return }
        guard _hasJoinedTicker.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            return
        }
        _ticker.register(self)
    }

    func expireEntriesOnTick() -> Bool {
        guard !isClosed else { return false }
        for shard in _shards {
            var departures = Departures<Key, Value>()
            let count = shard.withLock { $0.removeExpired(departures: &departures) }
            if count > 0, let removalQueue = _removalQueue {
                // Off the ticker's queue, which every cache shares.
                let pending = PendingDepartures(departures)
                removalQueue.async { pending.tell(self) }
            } else {
                _settle(departures)
            }
        }
        return true
    }
}

extension Cache: DepartureSettling {
    /// Settles what left a shard during one call, after its lock is released: the one place where
    /// the removal listener hears of departing entries and where they are released (when
    /// `departures` ends, here), and where a call that set a deadline has the cache join the
    /// expiration ticker.
    ///
    /// - Complexity: O(1) besides the listener's calls and releasing the departed entries.
    @inlinable @inline(__always)
    func _settle(_ departures: consuming Departures<Key, Value>) {
        if departures.scheduledDeadline { joinExpirationTickerOnce() }
        if _onRemoval != nil && !departures.isEmpty { departures.tell(self) }
    }

    /// Tells the removal listener, which the cache has, that `key`'s `value` left for `cause`.
    ///
    /// The listener is called straight from its stored property: bound to a local, or passed as a
    /// closure, it would be retained and released on every departure (an atomic operation on a
    /// count that every writing thread shares).
    @inlinable @inline(__always)
    func _tell(_ key: Key, _ value: Value, _ cause: RemovalCause) {
        _onRemoval!(key, value, cause)
    }

    /// Waits until the removal listener has heard of every entry the background ticker expired so
    /// far; for tests.
    package func waitForBackgroundRemovals() {
        _removalQueue?.sync {}
    }
}

extension Cache {
    /// Traps if the cache's internal structures are inconsistent. O(n); for tests.
    func checkInvariants() {
        for shard in _shards {
            shard.withLock { $0.checkInvariants() }
        }
    }

    /// Whether `key` has an entry, expired or not, without counting a request, recording an
    /// access or reading the clock; for tests, and for a near cache's bookkeeping.
    package func containsQuietly(_ key: Key) -> Bool {
        _shard(for: key).withLock { $0._table.slot(of: key) != nil }
    }

    /// The value stored for `key`, expired or not, without counting a request, recording an access
    /// or reading the clock; for tests.
    func peekQuietly(_ key: Key) -> Value? {
        let hashValue = hashValue(of: key)
        return _shard(hashValue: hashValue).withLock { $0._table.lookUp(key, hashValue: hashValue)?.value }
    }

    /// Whether a writer holds some shard's lock now; for tests of what runs outside the locks.
    var isAnyShardLocked: Bool {
        _shards.contains { $0._lock.isWriterActive }
    }
}
