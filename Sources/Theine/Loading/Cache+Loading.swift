/// Loading through the cache: one load per missing key, however many callers ask at once.
extension Cache {
    /// The value for `key`, loading it with `loader` on a miss; one load per key however many
    /// tasks ask at once.
    ///
    /// ```swift
    /// let user = try await users.get(id, ttl: .seconds(60)) { id in
    ///     try await database.user(id)
    /// }
    /// ```
    ///
    /// - A hit returns at once. On a miss, the first caller starts `loader` in a new task; callers
    ///   that ask for the key while it runs wait for the same load (thundering-herd protection).
    ///   Every waiter gets the value or the error. Errors are not cached: the next call loads again.
    /// - The loaded value is stored with `ttl` (the rules of ``set(_:_:ttl:)``) unless a ``set(_:_:ttl:)``,
    ///   ``setIfAbsent(_:_:ttl:)``, ``remove(_:)`` or ``removeAll()`` touched the key during the
    ///   load: the waiters still get the loaded value, but the newer write wins in the cache.
    /// - A cancelled caller stops waiting at once and throws `CancellationError`; the others keep
    ///   waiting. The load itself is cancelled only when every caller has gone.
    /// - The loader runs without any of the cache's locks: a slow load delays nobody but its own
    ///   waiters, and never blocks other keys, eviction or expiry.
    ///
    /// A miss is counted for every caller that finds no value; a finished load counts as a success
    /// or a failure, and its time is added to ``CacheStats/totalLoadTime``.
    ///
    /// - Complexity: O(1) besides the load.
    public func get(
        _ key: Key,
        ttl: Duration? = nil,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        if let value = get(key) { return value }
        return try await load(key, ttl: ttl, interruptible: true, loader: loader)
    }

    /// The miss path of the async `get(_:ttl:loader:)`, for a caller that has just missed (and
    /// counted its miss); one that is not `interruptible` ignores its task's cancellation and
    /// waits for the result (``Memoized`` of a function that cannot throw `CancellationError`).
    @usableFromInline
    func load(
        _ key: Key,
        ttl: Duration?,
        interruptible: Bool,
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
                    ttl: ttl,
                    interruptible: interruptible,
                    loader: loader
                )
            } catch is WatchEnded {
                // An update of the key held the load back: look again, for its value.
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
        ttl: Duration?,
        interruptible: Bool,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let action = shard.withLock { state in
                    state.joinLoad(of: key, hashValue: hashValue, ticket: ticket, continuation: continuation) {
                        flight in
                        Task { await self.runLoad(key, flight: flight, ttl: ttl, loader: loader) }
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
    private func runLoad(
        _ key: Key,
        flight: LoadFlight<Value>,
        ttl: Duration?,
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
        finishLoad(key, flight: flight, result: result, duration: clock.now - start, ttl: ttl)
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
        return try load(key, ttl: ttl, loader: loader)
    }

    /// The miss path of the blocking `get(_:ttl:loader:)`, for a caller that has just missed (and
    /// counted its miss).
    @available(*, noasync)
    @usableFromInline
    func load(_ key: Key, ttl: Duration?, loader: (Key) throws -> Value) throws -> Value {
        let hashValue = hashValue(of: key)
        while true {
            let role = _shard(hashValue: hashValue).withLock { $0.beginBlockingLoad(of: key, hashValue: hashValue) }
            switch role {
            case .found(let value):
                return value
            case .wait(let completion):
                return try completion.wait().get()
            case .waitForWatch(let completion):
                // An update of the key holds the load back: look again once it ends, for its value.
                _ = completion.wait()
            case .load(let flight):
                let clock = ContinuousClock()
                let start = clock.now
                let result = Result { try loader(key) }
                finishLoad(key, flight: flight, result: result, duration: clock.now - start, ttl: ttl)
                return try result.get()
            }
        }
    }

    /// Ends `flight`: counts it, stores a loaded value unless a write superseded it, and hands the
    /// result to the waiting tasks and threads after unlocking.
    private func finishLoad(
        _ key: Key,
        flight: LoadFlight<Value>,
        result: Result<Value, any Error>,
        duration: Duration,
        ttl: Duration?
    ) {
        let timeToLive = TimeToLive(ttl)
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
                departures: &departures
            )
        }
        // The waiters first: what the store displaced is then told to the listener on this thread
        // (the load's task, or the thread that ran the loader), delaying none of them.
        for waiter in handoff.waiters { waiter.resume(with: result) }
        handoff.completion?.complete(result)
        _settle(departures)
    }
}
