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
///   the others wait for its result; errors are not cached.
/// - The calls keep the function's effects. The function's error type is `Failure` (`Never` for a
///   function that does not throw, whose calls need no `try`). An async function is called with
///   `await`; a synchronous one (`Effect` is ``MemoizedEffect/Synchronous``) also with a blocking
///   call from synchronous code (`callAsFunction(_:)`).
/// - Cancellation: when `Failure` can carry `CancellationError` (a function that throws
///   `any Error`), a cancelled caller stops waiting alone and throws `CancellationError`. A function
///   that does not throw, or throws a concrete error type, cannot report it: its cancelled callers
///   wait for the result, as a call of the plain function runs to its end.
public struct Memoized<
    each Argument: Hashable & Sendable,
    Key: Hashable & Sendable,
    Value: Sendable,
    Failure: Error,
    Effect
>: Sendable {
    /// The cache behind the function: its stats, count, and `removeAll()` to forget every result.
    ///
    /// Read it and remove from it freely; load into it only through the function, whose error
    /// type its callers rely on.
    public let cache: Cache<Key, Value>

    /// The terms every result is stored on: its TTL, refresh and fail-safe.
    @usableFromInline let terms: LoadTerms
    /// The key function; `nil` when the arguments themselves are the key (`Key` is then
    /// ``ArgumentsKey``), which a hit then makes without calling through a closure.
    @usableFromInline let makeKey: (@Sendable (repeat each Argument) -> Key)?
    @usableFromInline let function: @Sendable (repeat each Argument) async throws(Failure) -> Value
    /// The function again when it is synchronous, for the blocking call; `nil` when it is async.
    @usableFromInline let synchronousFunction: (@Sendable (repeat each Argument) throws(Failure) -> Value)?
    /// Whether a cancelled caller stops waiting: only when `Failure` can carry `CancellationError`.
    @usableFromInline let interruptible: Bool

    /// An explicit key function is built in the caller's module (the public initializers are
    /// inlinable), so that it is specialized for the arguments; the automatic-key initializers
    /// pass `nil`, and a hit builds the ``ArgumentsKey`` itself.
    @usableFromInline
    init(
        capacity: Int,
        policy: EvictionPolicy,
        ttl: Duration?,
        refreshAfter: Duration?,
        staleIfError: Duration?,
        expireAfterAccess: Duration?,
        clock: any CacheClock,
        key: (@Sendable (repeat each Argument) -> Key)?,
        function: @escaping @Sendable (repeat each Argument) async throws(Failure) -> Value,
        synchronousFunction: (@Sendable (repeat each Argument) throws(Failure) -> Value)?
    ) {
        cache = Cache(capacity: capacity, policy: policy, expireAfterAccess: expireAfterAccess, clock: clock)
        terms = LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError)
        makeKey = key
        self.function = function
        self.synchronousFunction = synchronousFunction
        interruptible = CancellationError() is Failure
    }

    /// The key of a call with these arguments.
    ///
    /// - Complexity: O(1) beyond the key function; without one, the arguments are copied into an
    ///   ``ArgumentsKey``, a cast that specialization removes.
    @inlinable @inline(__always)
    func key(_ argument: repeat each Argument) -> Key {
        if let makeKey { return makeKey(repeat each argument) }
        // Only the initializers whose `Key` is `ArgumentsKey<repeat each Argument>` leave `makeKey` nil.
        return ArgumentsKey(repeat each argument) as! Key
    }

    /// The function's result for these arguments: cached, or computed once however many ask.
    ///
    /// Throws what the function throws (nothing when `Failure` is `Never`); a cancelled caller
    /// throws `CancellationError` only when `Failure` can carry it, and otherwise waits for the
    /// result (see the type's discussion).
    ///
    /// - Complexity: O(1) on a hit (one key made and hashed); the function's cost on a miss.
    @inlinable
    public func callAsFunction(_ argument: repeat each Argument) async throws(Failure) -> Value {
        let key = key(repeat each argument)
        let function = function
        if terms.refreshAfter != nil {
            let hashValue = Theine.hashValue(of: key)
            if let hit = cache._getNotingRefresh(key, hashValue: hashValue) {
                if hit.isRefreshDue {
                    cache._refreshInBackground(key, hashValue: hashValue, terms: terms) {
                        _ in
                        try await function(repeat each argument)
                    }
                }
                return hit.value
            }
        } else if let value = cache.get(key) {
            return value
        }
        do {
            return try await cache.load(key, terms: terms, interruptible: interruptible) {
                _ in try await function(repeat each argument)
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// An error of a load of ``cache``, as the function's own type. Every load runs the function,
    /// which throws only `Failure`; `CancellationError` arrives only where `Failure` carries it.
    @usableFromInline
    static func failure(_ error: any Error) -> Failure {
        guard let failure = error as? Failure else {
            preconditionFailure(
                "a load of a Memoized cache threw \(type(of: error)), not \(Failure.self): load it only through the function"
            )
        }
        return failure
    }
}

extension Memoized where Effect == MemoizedEffect.Asynchronous {
    /// Memoizes an async `function`, keyed by its arguments.
    ///
    /// - Parameters:
    ///   - capacity: the most results kept, in `1...Cache.maximumCapacity` (a literal out of range
    ///     traps, as ``Cache/init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)`` does).
    ///   - policy: which results to keep when full; adaptive W-TinyLFU by default.
    ///   - ttl: how long a result is served (the rules of ``Cache/set(_:_:ttl:)``); `nil` for ever.
    ///   - refreshAfter: how old a result may be before a call that finds it reruns the function
    ///     in the background, serving the result it has meanwhile (the rules of
    ///     ``Cache/get(_:ttl:refreshAfter:staleIfError:loader:)-(_,_,Duration?,_,_)``); `nil` (the default) for never.
    ///   - staleIfError: how long past its `ttl` a result is kept to be served when a rerun of the
    ///     function for the same arguments fails (the rules of the cache's loading `get`); `nil`
    ///     (the default) for not at all.
    ///   - expireAfterAccess: how long a result is kept without a call that uses it (sliding
    ///     expiration, the rules of ``Cache/expireAfterAccess``); with `ttl` too, the earlier ends
    ///     it. `nil` (the default) for no such limit; otherwise positive.
    ///   - clock: the time `ttl` is measured in; ``ContinuousCacheClock`` by default.
    ///   - function: the function to memoize.
    @inlinable
    public init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        ttl: Duration? = nil,
        refreshAfter: Duration? = nil,
        staleIfError: Duration? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        _ function: @escaping @Sendable (repeat each Argument) async throws(Failure) -> Value
    ) where Key == ArgumentsKey<repeat each Argument> {
        self.init(
            capacity: capacity,
            policy: policy,
            ttl: ttl,
            refreshAfter: refreshAfter,
            staleIfError: staleIfError,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            key: nil,
            function: function,
            synchronousFunction: nil
        )
    }

    /// Memoizes an async `function`, keyed by `key` applied to its arguments.
    ///
    /// Two calls whose arguments give equal keys share a result: the key function decides what
    /// counts as the same call. The other parameters are those of ``init(capacity:policy:ttl:refreshAfter:staleIfError:expireAfterAccess:clock:_:)-yn9z``.
    @inlinable
    public init(
        capacity: Int,
        policy: EvictionPolicy = .tinyLFU,
        ttl: Duration? = nil,
        refreshAfter: Duration? = nil,
        staleIfError: Duration? = nil,
        expireAfterAccess: Duration? = nil,
        clock: any CacheClock = ContinuousCacheClock(),
        key: @escaping @Sendable (repeat each Argument) -> Key,
        _ function: @escaping @Sendable (repeat each Argument) async throws(Failure) -> Value
    ) {
        self.init(
            capacity: capacity,
            policy: policy,
            ttl: ttl,
            refreshAfter: refreshAfter,
            staleIfError: staleIfError,
            expireAfterAccess: expireAfterAccess,
            clock: clock,
            key: key,
            function: function,
            synchronousFunction: nil
        )
    }
}
