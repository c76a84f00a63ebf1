import Dispatch
import Synchronization

/// Refresh ahead of expiry: serve the present value and reload it in the background.
extension Cache {
    /// The value for `key`, loading it with `loader` on the calling thread on a miss, and
    /// reloading it off the calling thread once it is `refreshAfter` old: the blocking counterpart
    /// of the async `get(_:ttl:refreshAfter:staleIfError:loader:)`, with its rules.
    ///
    /// ```swift
    /// let config = try settings.get("flags", ttl: .seconds(600), refreshAfter: .seconds(30)) { name in
    ///     try store.read(name)
    /// }
    /// ```
    ///
    /// A miss loads as the blocking ``get(_:ttl:loader:)`` does. A hit on a value that is due
    /// returns it at once and runs `loader` for the key on a Dispatch queue (hence a loader that
    /// escapes and is `Sendable`); ``close()`` drops what the reloads in flight return. With
    /// `staleIfError`, a load that fails serves the value kept past its TTL, as in the async form.
    ///
    /// - Precondition: `refreshAfter` and `staleIfError` (if given) are above `.zero`.
    /// - Complexity: as the async form's.
    @available(
        *,
        noasync,
        message: "blocks its thread; from async code use the async get(_:ttl:refreshAfter:staleIfError:loader:)"
    )
    @_disfavoredOverload
    @inlinable
    public func get(
        _ key: Key,
        ttl: Duration? = nil,
        refreshAfter: Duration,
        staleIfError: Duration? = nil,
        loader: @escaping @Sendable (Key) throws -> Value
    ) throws -> Value {
        LoadTerms.requirePositive(refreshAfter, named: "refreshAfter")
        LoadTerms.requirePositive(staleIfError, named: "staleIfError")
        let hashValue = hashValue(of: key)
        if let hit = _getNotingRefresh(key, hashValue: hashValue) {
            if hit.isRefreshDue {
                let terms = LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError)
                _refreshOffThread(key, hashValue: hashValue, terms: terms, loader: loader)
            }
            return hit.value
        }
        return try load(
            key,
            terms: LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError),
            loader: loader
        )
    }

    /// Reloads `key` now, in a new task, while its present value (if any) stays visible, and
    /// returns the task, which a caller may await (or not: the refresh runs either way).
    ///
    /// ```swift
    /// users.refresh(id) { id in try await database.user(id) }          // fire and forget
    /// let fresh = try await users.refresh(id) { id in try await database.user(id) }.value
    /// ```
    ///
    /// - If a load or a refresh of `key` is in flight, the task joins it instead of starting
    ///   another. During an update of the key it waits for the update's end first.
    /// - The loaded value is stored as a load's is (`ttl`, ``RemovalCause/replaced`` for the old
    ///   value, and a write meanwhile wins), due for a refresh after `refreshAfter` if given (for
    ///   the refreshing `get(_:ttl:refreshAfter:staleIfError:loader:)`). On failure the task throws, and the
    ///   present value stays.
    /// - Cancelling the task stops its wait; the refresh runs on. ``close()`` cancels it.
    ///
    /// Counts no request; the reload counts as a load and a refresh.
    ///
    /// - Precondition: `refreshAfter` and `staleIfError`, if given, are above `.zero`.
    /// - Complexity: O(1) besides the load.
    @discardableResult
    public func refresh(
        _ key: Key,
        ttl: Duration? = nil,
        refreshAfter: Duration? = nil,
        staleIfError: Duration? = nil,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) -> Task<Value, any Error> {
        let terms = LoadTerms(ttl: ttl, refreshAfter: refreshAfter, staleIfError: staleIfError)
        return Task {
            try await self.load(key, terms: terms, interruptible: true, reloading: true, loader: loader)
        }
    }

    /// Closes the cache (``close()``: its refreshes in flight are cancelled, and no more start),
    /// then waits until every one of them has ended: for a graceful server stop.
    ///
    /// ```swift
    /// await cache.shutdown()      // in a service's shutdown, after the last request
    /// ```
    ///
    /// - Complexity: O(shards + refreshes in flight), besides the wait.
    public func shutdown() async {
        let refreshes = _closeCancellingRefreshes()
        for (shard, key, flight) in refreshes {
            await _waitForEnd(of: flight, key: key, in: shard)
        }
    }

    /// Marks the cache closed, then supersedes and cancels every refresh in flight.
    ///
    /// - Returns: the refreshes, each with its shard and key, for ``shutdown()`` to wait for.
    @discardableResult
    func _closeCancellingRefreshes() -> [(CacheShard<Key, Value>, Key, LoadFlight<Value>)] {
        // Closed first: a refresh that begins after a shard is visited below sees the flag under
        // that shard's lock, and does not begin.
        _isClosed.store(true, ordering: .releasing)
        var refreshes: [(CacheShard<Key, Value>, Key, LoadFlight<Value>)] = []
        for shard in _shards {
            for (key, flight) in shard.withLock({ $0.supersedeRefreshes() }) {
                flight.task?.cancel()
                refreshes.append((shard, key, flight))
            }
        }
        return refreshes
    }

    /// Suspends until `flight`, the refresh of `key` in `shard`, has ended.
    private func _waitForEnd(of flight: LoadFlight<Value>, key: Key, in shard: CacheShard<Key, Value>) async {
        let ticket = LoadTicket()
        // The refresh's own error is its callers'; this only waits for its end.
        _ = try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let joined = shard.withLock { state in
                state.joinLoadInFlight(of: key, ticket: ticket, continuation: continuation, only: flight)
            }
            if !joined { continuation.resume(throwing: WatchEnded()) }
        }
    }

    /// A hit of `key` (its `hashValue` given), counted as ``get(_:)`` counts it, and whether its
    /// value is due for a refresh; `nil` on a miss.
    ///
    /// - Complexity: as ``get(_:)``, plus a clock read for a value with a refresh deadline.
    @inlinable @inline(__always)
    func _getNotingRefresh(_ key: Key, hashValue: Int) -> (value: Value, isRefreshDue: Bool)? {
        let hit = _withShard(hashValue: hashValue) { shard in
            shard.get(key, hashValue: hashValue, settler: self) { slot, present, state in
                state.isRefreshDue(slot, present: present)
            }
        }
        return hit.map { ($0.value, $0.isMarked) }
    }

    /// Begins the refresh of `key` (its `hashValue` given), if it is due and nothing else loads it,
    /// in a new task running `loader`.
    @usableFromInline
    func _refreshInBackground(
        _ key: Key,
        hashValue: Int,
        terms: LoadTerms,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) {
        _shard(hashValue: hashValue).withLock { state in
            guard let flight = state.beginRefresh(of: key, hashValue: hashValue, isClosed: isClosed) else { return }
            // Under the lock, as a load's task is created: `close()` then finds it to cancel.
            flight.task = Task {
                await self.runLoad(key, flight: flight, terms: terms, loader: loader)
            }
        }
    }

    /// Begins the refresh of `key` (its `hashValue` given), if it is due and nothing else loads it,
    /// running `loader` on a Dispatch queue.
    @usableFromInline
    func _refreshOffThread(
        _ key: Key,
        hashValue: Int,
        terms: LoadTerms,
        loader: @escaping @Sendable (Key) throws -> Value
    ) {
        let began = _shard(hashValue: hashValue).withLock { state in
            state.beginRefresh(of: key, hashValue: hashValue, isClosed: isClosed)
        }
        guard let flight = began else { return }
        DispatchQueue.global().async {
            let clock = ContinuousClock()
            let start = clock.now
            let result = Result { try loader(key) }
            self.finishLoad(key, flight: flight, result: result, duration: clock.now - start, terms: terms)
        }
    }
}
