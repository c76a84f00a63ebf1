/// A function whose results are cached by its arguments: a callable value, like Python's memoize
/// decorator, with single-flight loading and the cache's eviction and expiry.
///
/// ```swift
/// let user = Memoized(capacity: 1_000, ttl: .seconds(60)) { (id: Int, region: String) async throws -> User in
///     try await database.user(id, in: region)
/// }
/// let alice = try await user(42, "eu")        // runs the function
/// let again = try await user(42, "eu")        // served from the cache
/// ```
///
/// - The key is the arguments themselves (``ArgumentsKey``): every argument must be
///   `Hashable & Sendable`, and the compiler checks it. Or give a key function, whose parameter
///   types the compiler checks against the function's:
///
///   ```swift
///   let price = Memoized(capacity: 10_000, key: { (sku: String, currency: String) in "\(currency):\(sku)" }) {
///       (sku: String, currency: String) in try await catalog.price(sku, currency)
///   }
///   ```
///
/// - Concurrent calls with the same key share one run of the function (``Cache/get(_:ttl:loader:)``):
///   the others wait for its result; errors are not cached; a cancelled caller stops waiting alone.
/// - Any function can be wrapped, synchronous or not, throwing or not; calls are `try await`, as a
///   call may wait for another caller's run.
public struct Memoized<each Argument: Hashable & Sendable, Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The cache behind the function: its stats, count, and `removeAll()` to forget every result.
    public let cache: Cache<Key, Value>

    private let ttl: Duration?
    private let makeKey: @Sendable (repeat each Argument) -> Key
    private let function: @Sendable (repeat each Argument) async throws -> Value

    /// Memoizes `function`, keyed by its arguments.
    ///
    /// - Parameters:
    ///   - capacity: the most results kept, in `1...Cache.maximumCapacity` (a literal out of range
    ///     traps, as ``Cache/init(capacity:policy:clock:)`` does).
    ///   - policy: which results to keep when full; adaptive W-TinyLFU by default.
    ///   - ttl: how long a result is served (the rules of ``Cache/set(_:_:ttl:)``); `nil` for ever.
    ///   - clock: the time `ttl` is measured in; ``ContinuousCacheClock`` by default.
    ///   - function: the function to memoize.
    public init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        ttl: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        _ function: @escaping @Sendable (repeat each Argument) async throws -> Value
    ) where Key == ArgumentsKey<repeat each Argument> {
        self.init(capacity: capacity, policy: policy, ttl: ttl, clock: clock, key: { (argument: repeat each Argument) in
            ArgumentsKey(repeat each argument)
        }, function)
    }

    /// Memoizes `function`, keyed by `key` applied to its arguments.
    ///
    /// Two calls whose arguments give equal keys share a result: the key function decides what
    /// counts as the same call.
    public init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        ttl: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        key: @escaping @Sendable (repeat each Argument) -> Key,
        _ function: @escaping @Sendable (repeat each Argument) async throws -> Value
    ) {
        cache = Cache(capacity: capacity, policy: policy, clock: clock)
        self.ttl = ttl
        makeKey = key
        self.function = function
    }

    /// The function's result for these arguments: cached, or computed once however many ask.
    ///
    /// - Complexity: O(1) on a hit (one key made and hashed); the function's cost on a miss.
    public func callAsFunction(_ argument: repeat each Argument) async throws -> Value {
        let key = makeKey(repeat each argument)
        return try await cache.get(key, ttl: ttl) { _ in try await function(repeat each argument) }
    }
}
