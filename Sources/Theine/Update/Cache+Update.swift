/// Atomic read-modify-write of one entry.
extension Cache {
    /// Replaces `key`'s value with what `body` makes of it, atomically: no write to the key is lost
    /// between the read and the write.
    ///
    /// ```swift
    /// // A rate limiter: the window's deadline survives every increment (`ttl: nil`).
    /// let count = limits.update(client) { ($0 ?? 0) + 1 }
    /// if count == 1 { limits.update(client, ttl: .seconds(60)) { $0 } }
    /// ```
    ///
    /// - `body` gets the live value (`nil` if there is none or it has expired) and returns the new
    ///   one; `nil` removes the entry (``RemovalCause/explicit``). The old value departs
    ///   ``RemovalCause/replaced``.
    /// - `ttl: nil` (the default) keeps the entry's deadline, so a window of time survives its
    ///   updates; a new entry then never expires. A `ttl` gives the entry a new deadline, with
    ///   the rules of ``set(_:_:ttl:)`` (`.zero` or less removes it).
    /// - `body` runs outside the cache's locks, on a snapshot: it may read and write other keys.
    ///   The result is written only if the entry did not change meanwhile (a write, a removal, an
    ///   eviction or an expiry of the key); otherwise `body` runs again on the new value. So it
    ///   **may run more than once, and must have no side effects**, and it must not write or load
    ///   `key` itself: that change would make it run again forever, and a load of `key` waits
    ///   for the update to end.
    /// - An update and a load of one key are ordered: an update waits for a load of `key` in
    ///   flight and then sees its value; a load that starts during an update waits for it and
    ///   then finds its value (or, if the update removed the entry, loads).
    /// - If `body` throws, nothing changes and the error is rethrown.
    /// - A closed cache updates as an open one does.
    ///
    /// Counts no request (no hit or miss); the write counts as ``set(_:_:ttl:)``'s does. Blocks
    /// while a load of `key` is in flight, so async code uses the async form, which suspends.
    ///
    /// - Returns: the value `body` returned, now stored (`nil`: the entry was removed, or `ttl`
    ///   was `.zero` or less). A weighted cache may evict it at once when it is heavier than
    ///   ``maximumEntryWeight``.
    /// - Complexity: two visits to the key's shard, each amortized O(1), plus `body`'s time, once
    ///   more for each rerun.
    @available(
        *,
        noasync,
        message: "may block while a load of the key runs; from async code use the async update(_:ttl:_:)"
    )
    @_disfavoredOverload
    @discardableResult
    @inlinable
    public func update(_ key: Key, ttl: Duration? = nil, _ body: (Value?) throws -> Value?) rethrows -> Value? {
        let hashValue = hashValue(of: key)
        let shard = _shard(hashValue: hashValue)
        var snapshot =
            shard.withLock { $0.beginUpdate(of: key, hashValue: hashValue) }
            ?? _beginUpdateAfterLoad(of: key, hashValue: hashValue, in: shard)
        while true {
            let newValue: Value?
            do {
                newValue = try body(snapshot.value)
            } catch {
                _abandonUpdate(snapshot, of: key, in: shard)
                throw error
            }
            switch _commitUpdate(snapshot, of: key, hashValue: hashValue, in: shard, newValue: newValue, ttl: ttl) {
            case .committed(let stored): return stored
            case .rerun(let newer): snapshot = newer
            }
        }
    }

    /// Replaces `key`'s value with what the async `body` makes of it, atomically: the async twin of
    /// the blocking form (the same name, with a synchronous body), with the same rules.
    ///
    /// ```swift
    /// let balance = try await balances.update(account) { old in
    ///     try await ledger.apply(pending, to: old ?? .zero)    // no side effects: it may rerun
    /// }
    /// ```
    ///
    /// It suspends, instead of blocking, while a load of `key` is in flight. The key is held for
    /// the whole of `body`: a load of it that starts meanwhile waits for the update to end.
    ///
    /// - Returns: the value `body` returned, now stored (`nil`: the entry was removed).
    /// - Complexity: as the blocking form's.
    @discardableResult
    @inlinable
    public func update(
        _ key: Key,
        ttl: Duration? = nil,
        _ body: (Value?) async throws -> Value?
    ) async rethrows -> Value? {
        let hashValue = hashValue(of: key)
        let shard = _shard(hashValue: hashValue)
        var snapshot: CacheState<Key, Value>.UpdateSnapshot
        if let begun = shard.withLock({ $0.beginUpdate(of: key, hashValue: hashValue) }) {
            snapshot = begun
        } else {
            snapshot = await _beginUpdateAfterLoad(of: key, hashValue: hashValue, in: shard)
        }
        while true {
            let newValue: Value?
            do {
                newValue = try await body(snapshot.value)
            } catch {
                _abandonUpdate(snapshot, of: key, in: shard)
                throw error
            }
            switch _commitUpdate(snapshot, of: key, hashValue: hashValue, in: shard, newValue: newValue, ttl: ttl) {
            case .committed(let stored): return stored
            case .rerun(let newer): snapshot = newer
            }
        }
    }

    /// How an update's commit ended, after unlocking.
    @usableFromInline
    enum _UpdateOutcome {
        /// Written: the value now stored.
        case committed(Value?)
        /// The entry changed since the body ran: run it again on this snapshot.
        case rerun(CacheState<Key, Value>.UpdateSnapshot)
    }

    /// Watches `key` and reads its value, once the load of it in flight has ended (blocking the
    /// thread while it runs): an update's slow start.
    @available(*, noasync)
    @usableFromInline
    func _beginUpdateAfterLoad(
        of key: Key,
        hashValue: Int,
        in shard: CacheShard<Key, Value>
    ) -> CacheState<Key, Value>.UpdateSnapshot {
        while true {
            let load = shard.withLock { $0.completionOfLoad(of: key) }
            // The load's own error is its callers'; the update only waits for its end.
            _ = load?.wait()
            if let snapshot = shard.withLock({ $0.beginUpdate(of: key, hashValue: hashValue) }) { return snapshot }
        }
    }

    /// Watches `key` and reads its value, once the load of it in flight has ended (suspended while
    /// it runs): an update's slow start.
    @usableFromInline
    func _beginUpdateAfterLoad(
        of key: Key,
        hashValue: Int,
        in shard: CacheShard<Key, Value>
    ) async -> CacheState<Key, Value>.UpdateSnapshot {
        let ticket = LoadTicket()
        while true {
            // The load's own error is its callers'; the update only waits for its end.
            _ = try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let joined = shard.withLock { $0.joinLoadInFlight(of: key, ticket: ticket, continuation: continuation) }
                if !joined { continuation.resume(throwing: WatchEnded()) }
            }
            if let snapshot = shard.withLock({ $0.beginUpdate(of: key, hashValue: hashValue) }) { return snapshot }
        }
    }

    /// Writes `newValue` (weighed here, outside the lock) over the entry `snapshot` saw, or
    /// reports that it changed; settles what departed and wakes the loads the update held back.
    @inlinable
    func _commitUpdate(
        _ snapshot: CacheState<Key, Value>.UpdateSnapshot,
        of key: Key,
        hashValue: Int,
        in shard: CacheShard<Key, Value>,
        newValue: Value?,
        ttl: Duration?
    ) -> _UpdateOutcome {
        let timeToLive = ttl.map(TimeToLive.init)
        let weight = newValue.map { _weight(of: key, $0) } ?? 0
        var departures = Departures<Key, Value>()
        let commit = shard.withLock { state in
            state.commitUpdate(
                snapshot,
                of: key,
                hashValue: hashValue,
                newValue: newValue,
                weight: weight,
                ttl: timeToLive,
                departures: &departures
            )
        }
        _settle(departures)
        switch commit {
        case .committed(let release):
            if !release.isEmpty { release.wake() }
            return .committed(timeToLive == .expired ? nil : newValue)
        case .rerun(let newer):
            return .rerun(newer)
        }
    }

    /// Ends an update whose body threw: nothing was written.
    @usableFromInline
    func _abandonUpdate(
        _ snapshot: CacheState<Key, Value>.UpdateSnapshot,
        of key: Key,
        in shard: CacheShard<Key, Value>
    ) {
        shard.withLock { $0.endWatch(snapshot.watch, of: key) }.wake()
    }
}
