/// Memoized synchronous functions: the same cache and single flight, and a blocking call for
/// synchronous code besides the async one.
///
/// ```swift
/// let render = Memoized(capacity: 500) { (page: String) throws -> String in try template.render(page) }
/// let html = try render("home")            // from synchronous code: blocks while another thread renders it
/// let same = try await render("home")      // from async code: suspends instead
/// ```
extension Memoized where Effect == MemoizedEffect.Synchronous {
    /// Memoizes a synchronous `function`, keyed by its arguments.
    ///
    /// - Parameters:
    ///   - capacity: the most results kept, in `1...Cache.maximumCapacity` (a literal out of range
    ///     traps, as ``Cache/init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)`` does).
    ///   - policy: which results to keep when full; adaptive W-TinyLFU by default.
    ///   - ttl: how long a result is served (the rules of ``Cache/set(_:_:ttl:)``); `nil` for ever.
    ///   - refreshAfter: how old a result may be before a call that finds it reruns the function
    ///     in the background, serving the result it has meanwhile (the rules of
    ///     ``Cache/get(_:ttl:refreshAfter:staleIfError:loader:)-(_,_,Duration,_,_)``); `nil` (the default) for never.
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
        _ function: @escaping @Sendable (repeat each Argument) throws(Failure) -> Value
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
            function: Self.asynchronous(function),
            synchronousFunction: function
        )
    }

    /// Memoizes a synchronous `function`, keyed by `key` applied to its arguments.
    ///
    /// Two calls whose arguments give equal keys share a result: the key function decides what
    /// counts as the same call.
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
        _ function: @escaping @Sendable (repeat each Argument) throws(Failure) -> Value
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
            function: Self.asynchronous(function),
            synchronousFunction: function
        )
    }

    /// `function` as an async function, for the async call.
    @inlinable
    static func asynchronous(
        _ function: @escaping @Sendable (repeat each Argument) throws(Failure) -> Value
    ) -> @Sendable (repeat each Argument) async throws(Failure) -> Value {
        { (argument: repeat each Argument) async throws(Failure) -> Value in
            try function(repeat each argument)
        }
    }

    /// The function, present whenever `Effect` is synchronous: only the synchronous initializers
    /// make it so.
    @usableFromInline
    var synchronous: @Sendable (repeat each Argument) throws(Failure) -> Value {
        guard let synchronousFunction else {
            preconditionFailure("a Memoized of Effect Synchronous holds an async function")
        }
        return synchronousFunction
    }

    /// The function's result for these arguments, from synchronous code: cached, or computed
    /// once however many threads ask (the blocking `Cache.get(_:ttl:loader:)`).
    ///
    /// The first caller to miss runs the function on its own thread; the others block until it
    /// ends and get its result or its error. Throws what the function throws (nothing when
    /// `Failure` is `Never`).
    ///
    /// Not for async code, where the async call suspends instead: a task that blocks holds one of
    /// the cooperative pool's few threads, and if the run it waits for needs one (an async caller's
    /// run), async code can deadlock.
    ///
    /// - Complexity: O(1) on a hit (one key made and hashed); the function's cost on a miss.
    @available(*, noasync, message: "blocks its thread; from async code call it with await")
    @inlinable
    public func callAsFunction(_ argument: repeat each Argument) throws(Failure) -> Value {
        let key = key(repeat each argument)
        let synchronous = synchronous
        if terms.refreshAfter != nil {
            let hashValue = Theine.hashValue(of: key)
            if let hit = cache._getNotingRefresh(key, hashValue: hashValue) {
                if hit.isRefreshDue {
                    cache._refreshOffThread(key, hashValue: hashValue, terms: terms) { _ in
                        try synchronous(repeat each argument)
                    }
                }
                return hit.value
            }
        } else if let value = cache.get(key) {
            return value
        }
        do {
            return try cache.load(key, terms: terms) { _ in
                try synchronous(repeat each argument)
            }
        } catch {
            throw Self.failure(error)
        }
    }
}
