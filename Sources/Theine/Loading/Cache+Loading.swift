/// Loading through the cache: one load per missing key, however many callers ask at once.
extension Cache {
    /// The value for `key`, loading it with `loader` on a miss; one load per key however many
    /// tasks ask at once; with `refreshAfter`, reloading it in the background once it is that old.
    ///
    /// ```swift
    /// let user = try await users.get(id, ttl: .seconds(60)) { id in
    ///     try await database.user(id)
    /// }
    /// // Served at once for ever after, reloaded in the background once a minute:
    /// let rates = try await quotes.get("EUR", ttl: .seconds(300), refreshAfter: .seconds(60)) { currency in
    ///     try await exchange.rates(currency)
    /// }
    /// ```
    ///
    /// - A hit returns at once. On a miss, the first caller starts `loader` in a new task; callers
    ///   that ask for the key while it runs wait for the same load (thundering-herd protection).
    ///   Every waiter gets the value or the error. Errors are not cached: the next call loads again.
    /// - The loaded value is stored with `ttl` (the rules of ``set(_:_:ttl:)``) unless a ``set(_:_:ttl:)``,
    ///   ``setIfAbsent(_:_:ttl:)``, ``remove(_:)``, ``update(_:ttl:_:)-4dv4r`` or ``removeAll()``
    ///   touched the key during the load: the waiters still get the loaded value, but the newer
    ///   write wins in the cache.
    /// - A cancelled caller stops waiting at once and throws `CancellationError`; the others keep
    ///   waiting. The load itself is cancelled only when every caller has gone.
    /// - The loader runs without any of the cache's locks: a slow load delays nobody but its own
    ///   waiters, and never blocks other keys, eviction or expiry.
    ///
    /// Refresh ahead of expiry, with `refreshAfter` (positive; the value stored is then due for a
    /// refresh that long after it was loaded):
    /// - A hit on a value that is due returns it at once, and starts one background reload of the
    ///   key in a new task, unless a load, a refresh or an update of the key is already running
    ///   (single flight: a miss meanwhile waits for the refresh).
    /// - On success the new value replaces the old (``RemovalCause/replaced``) with a fresh `ttl`,
    ///   due again after `refreshAfter`. On failure the old value stays until its TTL and the
    ///   failure is counted (``CacheStats/refreshFailureCount``); the next hit starts another
    ///   reload no sooner than `refreshAfter` or one second later, whichever is shorter.
    /// - A write or removal of the key during a refresh wins: the refresh's value is dropped, and
    ///   never notified. ``close()`` cancels the refreshes in flight, and a closed cache starts no
    ///   more; ``shutdown()`` also waits for their end.
    /// - Only values stored by a load with `refreshAfter` are refreshed: a value put by
    ///   ``set(_:_:ttl:)`` or ``update(_:ttl:_:)-4dv4r`` is not. Without `refreshAfter`, a hit
    ///   reads no clock and an entry carries nothing more.
    ///
    /// Fail-safe, with `staleIfError` (positive) and a `ttl`:
    /// - The value stored is kept that long past its TTL: invisible to every read (a plain ``get(_:)``
    ///   misses it, a loading `get` loads), but counted in ``count`` and toward the bound, and still
    ///   evicted by the policy like any entry.
    /// - A load of the key that fails while the value is kept answers every caller waiting on it with
    ///   the stale value instead of the error, stores nothing, and counts one
    ///   ``CacheStats/staleServedCount``. A load that succeeds replaces it.
    /// - The kept value departs once, as ``RemovalCause/expired``: when its time runs out, or when a
    ///   write or a successful load replaces it. A write (``set(_:_:ttl:)``, ``update(_:ttl:_:)-4dv4r``)
    ///   stores a value without this grace.
    ///
    /// A miss is counted for every caller that finds no value; a finished load counts as a success
    /// or a failure, and its time is added to ``CacheStats/totalLoadTime``; a refresh is counted as
    /// a load and in ``CacheStats/refreshCount``.
    ///
    /// - Precondition: `refreshAfter` and `staleIfError`, if given, are above `.zero` (a longer one
    ///   than 100 years never comes).
    /// - Complexity: O(1) besides the load: one hash of `key`; with `refreshAfter`, a clock read
    ///   on a hit on a value that has a refresh deadline.
    @inlinable
    public func get(
        _ key: Key,
        ttl: Duration? = nil,
        refreshAfter: Duration? = nil,
        staleIfError: Duration? = nil,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        LoadTerms.requirePositive(staleIfError, named: "staleIfError")
        guard let refreshAfter else {
            if let value = get(key) { return value }
            let terms = LoadTerms(ttl: ttl, refreshAfter: nil, staleIfError: staleIfError)
            return try await load(key, terms: terms, interruptible: true, loader: loader)
        }
        LoadTerms.requirePositive(refreshAfter, named: "refreshAfter")
        let hashValue = hashValue(of: key)
        if let hit = _getNotingRefresh(key, hashValue: hashValue) {
            if hit.isRefreshDue {
                let terms = LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError)
                _refreshInBackground(key, hashValue: hashValue, terms: terms, loader: loader)
            }
            return hit.value
        }
        let terms = LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError)
        return try await load(key, terms: terms, interruptible: true, loader: loader)
    }

    /// The miss path of the async `get(_:ttl:refreshAfter:staleIfError:loader:)`, for a caller that has just
    /// missed (and counted its miss); one that is not `interruptible` ignores its task's
    /// cancellation and waits for the result (``Memoized`` of a function that cannot throw
    /// `CancellationError`). The value it stores is stored on `terms`. When `reloading`, a present value does not answer: the load runs
    /// (or is joined) as a refresh.
    @usableFromInline
    func load(
        _ key: Key,
        terms: LoadTerms,
        interruptible: Bool,
        reloading: Bool = false,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        let hashValue = hashValue(of: key)
        let shard = _shard(hashValue: hashValue)
        let ticket = LoadTicket()
        while true {
            do {
                return try await joinLoad(
                    key,
                    hashValue: hashValue,
                    shard: shard,
                    ticket: ticket,
                    terms: terms,
                    interruptible: interruptible,
                    reloading: reloading,
                    loader: loader
                )
            } catch is WatchEnded {
                // An update of the key held the load back: look again, for its value.
            } catch is KeyLeftOut {
                // The bulk load this caller joined left the key out: load it with this loader.
            }
        }
    }

    /// Waits for the load of `key` (its `hashValue` given, in `shard`), starting it if none is in
    /// flight; throws ``WatchEnded`` when an update of the key held the caller back instead.
    private func joinLoad(
        _ key: Key,
        hashValue: Int,
        shard: CacheShard<Key, Value>,
        ticket: LoadTicket,
        terms: LoadTerms,
        interruptible: Bool,
        reloading: Bool,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let action = shard.withLock { state in
                    state.joinLoad(
                        of: key,
                        hashValue: hashValue,
                        ticket: ticket,
                        reloading: reloading,
                        continuation: continuation
                    ) { flight in
                        Task {
                            await self.runLoad(key, flight: flight, terms: terms, loader: loader)
                        }
                    }
                }
                if case .resume(let result) = action { continuation.resume(with: result) }
            }
        } onCancel: {
            guard interruptible else { return }
            let cancellation = shard.withLock { $0.cancelWaiter(holding: ticket, of: key) }
            cancellation.continuation?.resume(throwing: CancellationError())
            cancellation.abandonedTask?.cancel()
        }
    }

    /// Runs `loader` for `flight`, stores the value unless a write superseded it, and hands the
    /// result to the waiters after unlocking.
    func runLoad(
        _ key: Key,
        flight: LoadFlight<Value>,
        terms: LoadTerms,
        loader: @Sendable (Key) async throws -> Value
    ) async {
        let clock = ContinuousClock()
        let start = clock.now
        let result: Result<Value, any Error>
        do {
            result = .success(try await loader(key))
        } catch {
            result = .failure(error)
        }
        finishLoad(key, flight: flight, result: result, duration: clock.now - start, terms: terms)
    }

    /// The value for `key`, loading it with `loader` on the calling thread on a miss; one load per
    /// key however many threads (or tasks) ask at once. The blocking counterpart of the async
    /// `get(_:ttl:loader:)` for code that runs on its own threads.
    ///
    /// ```swift
    /// let page = try pages.get(url, ttl: .seconds(300)) { url in try render(url) }
    /// ```
    ///
    /// The first thread to miss runs `loader` itself; the others block until it ends and get its
    /// value or its error, as do async callers that join the load. Errors are not cached, and a
    /// write to the key during the load wins in the cache, as with the async form.
    ///
    /// Not for async code: a task that blocks holds one of the cooperative pool's few threads, and
    /// if the load it waits for needs one too (a waiter joining an async load), the program can
    /// deadlock. From async code use the async form, which suspends instead.
    ///
    /// - Complexity: O(1) besides the load.
    // Disfavoured so that, in async code, a closure that happens to be synchronous still picks the
    // async form instead of being ambiguous; synchronous code can only call this one.
    @available(*, noasync, message: "blocks its thread; from async code use the async get(_:ttl:loader:)")
    @_disfavoredOverload
    public func get(_ key: Key, ttl: Duration? = nil, loader: (Key) throws -> Value) throws -> Value {
        if let value = get(key) { return value }
        return try load(key, terms: LoadTerms(ttl: ttl, refreshAfter: nil, staleIfError: nil), loader: loader)
    }

    /// The miss path of the blocking `get(_:ttl:loader:)`, for a caller that has just missed (and
    /// counted its miss). The value it stores is stored on `terms`.
    @available(*, noasync)
    @usableFromInline
    func load(_ key: Key, terms: LoadTerms, loader: (Key) throws -> Value) throws -> Value {
        let hashValue = hashValue(of: key)
        while true {
            let role = _shard(hashValue: hashValue).withLock { $0.beginBlockingLoad(of: key, hashValue: hashValue) }
            switch role {
            case .found(let value):
                return value
            case .wait(let completion):
                let result = completion.wait()
                // The bulk load this thread joined left the key out: load it with this loader.
                if case .failure(is KeyLeftOut) = result { continue }
                return try result.get()
            case .waitForWatch(let completion):
                // An update of the key holds the load back: look again once it ends, for its value.
                _ = completion.wait()
            case .load(let flight):
                let clock = ContinuousClock()
                let start = clock.now
                let result = Result { try loader(key) }
                let served = finishLoad(key, flight: flight, result: result, duration: clock.now - start, terms: terms)
                return try served.get()
            }
        }
    }

    /// Ends `flight`: counts it, stores a loaded value on `terms` unless a write superseded it, and
    /// hands the result to the waiting tasks and threads after unlocking: the stale value instead
    /// of a failure while one is kept for the key (`staleIfError`).
    ///
    /// - Returns: what the waiters were handed, for the thread that ran the loader.
    @discardableResult
    func finishLoad(
        _ key: Key,
        flight: LoadFlight<Value>,
        result: Result<Value, any Error>,
        duration: Duration,
        terms: LoadTerms
    ) -> Result<Value, any Error> {
        let timeToLive = TimeToLive(terms.ttl)
        let weight = if case .success(let value) = result { _weight(of: key, value) } else { 0 }
        let hashValue = hashValue(of: key)
        var departures = Departures<Key, Value>()
        let handoff = _shard(hashValue: hashValue).withLock { state in
            state.finishLoad(
                flight,
                of: key,
                hashValue: hashValue,
                result: result,
                weight: weight,
                duration: duration,
                ttl: timeToLive,
                terms: terms,
                departures: &departures
            )
        }
        // The waiters first: what the store displaced is then told to the listener on this thread
        // (the load's task, or the thread that ran the loader), delaying none of them.
        let served = handoff.staleValue.map { .success($0) } ?? result
        for waiter in handoff.waiters { waiter.resume(with: served) }
        for bulkWaiter in handoff.bulkWaiters { bulkWaiter(served) }
        handoff.completion?.complete(served)
        _settle(departures)
        return served
    }
}
