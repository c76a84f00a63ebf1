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
        let shard = _shard(for: key)
        let ticket = LoadTicket()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let immediate: Result<Value, any Error>? = shard.withLock { state in
                    if ticket.isCancelled { return .failure(CancellationError()) }
                    if let value = state.peekLiveValue(key) { return .success(value) }
                    let flight: LoadFlight<Value>
                    if let existing = state._flights[key] {
                        flight = existing
                    } else {
                        flight = LoadFlight()
                        state._flights[key] = flight
                        flight.task = Task { await self.runLoad(key, flight: flight, ttl: ttl, loader: loader) }
                    }
                    flight.waiters[ObjectIdentifier(ticket)] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let (continuation, abandonedTask) = shard.withLock { state -> (CheckedContinuation<Value, any Error>?, Task<Void, Never>?) in
                ticket.isCancelled = true
                guard let flight = state._flights[key],
                    let continuation = flight.waiters.removeValue(forKey: ObjectIdentifier(ticket))
                else { return (nil, nil) }
                return (continuation, flight.waiters.isEmpty ? flight.task : nil)
            }
            continuation?.resume(throwing: CancellationError())
            abandonedTask?.cancel()
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
        let elapsed = clock.now - start
        let timeToLive = TimeToLive(ttl)
        let (waiters, departures) = _shard(for: key).withLock { state -> ([CheckedContinuation<Value, any Error>], Departures<Key, Value>?) in
            if state._flights[key] === flight { state._flights[key] = nil }
            state.recordLoad(succeeded: result.isSuccess, duration: elapsed)
            var departures: Departures<Key, Value>?
            if case .success(let value) = result, !flight.isSuperseded, timeToLive != .expired {
                departures = state.set(key, value, ttl: timeToLive)
            }
            let waiters = Array(flight.waiters.values)
            flight.waiters = [:]
            return (waiters, departures)
        }
        if departures?.scheduledDeadline == true { joinExpirationTickerOnce() }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}
