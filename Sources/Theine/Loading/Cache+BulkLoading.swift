/// Bulk loading: the values of many keys, the missing ones loaded in one call.
extension Cache {
    /// The values for `keys`, loading those that are missing with one call of `loader`.
    ///
    /// ```swift
    /// let users = try await cache.getAll(ids, ttl: .seconds(60)) { missing in
    ///     try await database.users(ids: missing)  // one query for every id not cached
    /// }
    /// ```
    ///
    /// - Present keys are hits. The missing ones go to `loader` in one call (each once, however
    ///   often `keys` repeats it), except keys that another caller is loading already (a loading
    ///   `get`, another `getAll`): those are joined, and their loads' results taken. Callers that
    ///   ask for one of the keys meanwhile join this load (thundering-herd protection, key by key).
    /// - What `loader` returns is stored with `ttl` (the rules of ``set(_:_:ttl:)``), unless a write
    ///   touched the key during the load, as for the loading `get`. A key it leaves out is absent
    ///   from the result and not stored, also for the bulk callers that joined it; a caller of the
    ///   single-key loading `get` that joined it loads the key itself. Keys it returns that were
    ///   not asked for are stored, and not returned.
    /// - An error of `loader` reaches every caller waiting for one of its keys, and stores nothing;
    ///   so does the error of a load this call joined.
    /// - A cancelled caller stops waiting at once and throws `CancellationError`. The loader's task
    ///   is cancelled only when no caller waits for any of its keys.
    /// - `loader` runs in a new task, without any of the cache's locks.
    ///
    /// Counts one hit or miss per distinct key, and one load per call of `loader`.
    ///
    /// - Returns: the value of every key of `keys` that is present or loaded.
    /// - Complexity: O(k) for k keys, besides the load.
    @inlinable
    public func getAll(
        _ keys: some Sequence<Key>,
        ttl: Duration? = nil,
        loader: @escaping @Sendable ([Key]) async throws -> [Key: Value]
    ) async throws -> [Key: Value] {
        var (values, missing) = _lookUpAll(keys)
        if !missing.isEmpty {
            let terms = LoadTerms(ttl: ttl, refreshAfter: nil, staleIfError: nil)
            try await _loadAll(missing, into: &values, terms: terms, loader: loader)
        }
        return values
    }

    /// The miss path of the async `getAll`: loads `missing` (distinct keys) into `values`.
    @usableFromInline
    func _loadAll(
        _ missing: [Key],
        into values: inout [Key: Value],
        terms: LoadTerms,
        loader: @escaping @Sendable ([Key]) async throws -> [Key: Value]
    ) async throws {
        var missing = missing
        while !missing.isEmpty {
            let outcome = try await _loadRound(missing, terms: terms, loader: loader)
            values.merge(outcome.values) { _, loaded in loaded }
            // An update of these keys held the load back: they are looked up again.
            missing = outcome.heldBack
        }
    }

    /// The values for `keys`, loading those that are missing with one call of `loader` on the
    /// calling thread. The blocking counterpart of the async `getAll(_:ttl:loader:)`, for code
    /// that runs on its own threads; the same rules, but that a thread cannot be cancelled.
    ///
    /// ```swift
    /// let pages = try cache.getAll(urls, ttl: .seconds(300)) { missing in try render(missing) }
    /// ```
    ///
    /// The thread runs `loader` for the keys nobody loads, then waits for the loads it joined.
    /// Not for async code, as the blocking `get(_:ttl:loader:)`.
    ///
    /// - Returns: the value of every key of `keys` that is present or loaded.
    /// - Complexity: O(k) for k keys, besides the load.
    @available(*, noasync, message: "blocks its thread; from async code use the async getAll(_:ttl:loader:)")
    @_disfavoredOverload
    @inlinable
    public func getAll(
        _ keys: some Sequence<Key>,
        ttl: Duration? = nil,
        loader: ([Key]) throws -> [Key: Value]
    ) throws -> [Key: Value] {
        var (values, missing) = _lookUpAll(keys)
        if !missing.isEmpty {
            let terms = LoadTerms(ttl: ttl, refreshAfter: nil, staleIfError: nil)
            try _loadAll(missing, into: &values, terms: terms, loader: loader)
        }
        return values
    }

    /// The miss path of the blocking `getAll`: loads `missing` (distinct keys) into `values`, the
    /// keys nobody loads with one call of `loader` on this thread, then waits for the loads it joined.
    @available(*, noasync)
    @usableFromInline
    func _loadAll(
        _ missing: [Key],
        into values: inout [Key: Value],
        terms: LoadTerms,
        loader: ([Key]) throws -> [Key: Value]
    ) throws {
        var missing = missing
        while !missing.isEmpty {
            // The group is never abandoned: this thread waits for its keys until they end.
            let group = BulkLoadGroup()
            _ = group.addWaiter()
            var claimed: [(key: Key, flight: LoadFlight<Value>)] = []
            var joined: [(key: Key, completion: BlockingCompletion<Value>)] = []
            for key in missing {
                let hashValue = hashValue(of: key)
                let role = _shard(hashValue: hashValue).withLock {
                    $0.beginBlockingLoad(of: key, hashValue: hashValue, group: group)
                }
                switch role {
                case .found(let value): values[key] = value
                // An update's watch ends with ``WatchEnded``, as a load this thread must look again after.
                case .wait(let completion), .waitForWatch(let completion): joined.append((key, completion))
                case .load(let flight): claimed.append((key, flight))
                }
            }
            if !claimed.isEmpty {
                let clock = ContinuousClock()
                let start = clock.now
                let result = Result { try loader(claimed.map(\.key)) }
                _finishBulkLoad(claimed, result: result, duration: clock.now - start, terms: terms)
                let loaded = try result.get()
                for (key, _) in claimed { values[key] = loaded[key] }
            }
            var heldBack: [Key] = []
            for (key, completion) in joined {
                switch completion.wait() {
                case .success(let value): values[key] = value
                case .failure(is KeyLeftOut): break
                case .failure(is WatchEnded): heldBack.append(key)
                case .failure(let error): throw error
                }
            }
            missing = heldBack
        }
    }

    /// The values of the distinct keys of `keys` that are present, each counted as a hit, and the
    /// missing ones, each counted as a miss, in the order of `keys`.
    ///
    /// - Complexity: O(k) for k keys.
    @inlinable
    func _lookUpAll(_ keys: some Sequence<Key>) -> (values: [Key: Value], missing: [Key]) {
        var values: [Key: Value] = [:]
        // Sized once (for a collection, its count): growing would hash every key again each time.
        values.reserveCapacity(keys.underestimatedCount)
        var missing: [Key] = []
        var missingSet: Set<Key> = []
        for key in keys where values[key] == nil && !missingSet.contains(key) {
            if let value = get(key) {
                values[key] = value
            } else {
                missingSet.insert(key)
                missing.append(key)
            }
        }
        return (values, missing)
    }

    /// Waits for the loads of `missing` (distinct keys): the ones in flight joined, the others
    /// loaded by one call of `loader` in a new task; leaves the loads it still waits in when it
    /// stops early (cancelled, or a failure).
    private func _loadRound(
        _ missing: [Key],
        terms: LoadTerms,
        loader: @escaping @Sendable ([Key]) async throws -> [Key: Value]
    ) async throws -> BulkWaiter<Key, Value>.Outcome {
        let waiter = BulkWaiter<Key, Value>(count: missing.count)
        defer { _leave(waiter) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.begin(continuation) else { return }
                let group = BulkLoadGroup()
                var claimed: [(key: Key, flight: LoadFlight<Value>)] = []
                for key in missing {
                    let hashValue = hashValue(of: key)
                    let join = _shard(hashValue: hashValue).withLock { state in
                        state.joinBulkLoad(of: key, hashValue: hashValue, waiter: waiter, group: group)
                    }
                    switch join {
                    case .found(let value): waiter.deliver(.success(value), for: key)
                    case .waiting: break
                    case .claimed(let flight): claimed.append((key, flight))
                    case .ended: break
                    }
                }
                guard !claimed.isEmpty else { return }
                group.run(
                    Task {
                        let clock = ContinuousClock()
                        let start = clock.now
                        let result: Result<[Key: Value], any Error>
                        do {
                            result = .success(try await loader(claimed.map(\.key)))
                        } catch {
                            result = .failure(error)
                        }
                        self._finishBulkLoad(claimed, result: result, duration: clock.now - start, terms: terms)
                    }
                )
            }
        } onCancel: {
            waiter.cancel()
        }
    }

    /// Takes `waiter` out of the loads and watches it still waits in; cancels each load that no
    /// caller waits for any more.
    private func _leave(_ waiter: BulkWaiter<Key, Value>) {
        for (key, registration) in waiter.takeRegistrations() {
            let abandoned = _shard(for: key).withLock { state in
                state.leaveBulkLoad(of: key, waiter: waiter, registration: registration)
            }
            abandoned?.cancel()
        }
    }

    /// Ends the flights of a bulk load's `claimed` keys with `result`: counts one load, then ends
    /// each key's flight as a single key's load ends, with its value, with ``KeyLeftOut`` for a key
    /// the loader left out, or with the loader's error; stores the keys it returned unasked.
    func _finishBulkLoad(
        _ claimed: [(key: Key, flight: LoadFlight<Value>)],
        result: Result<[Key: Value], any Error>,
        duration: Duration,
        terms: LoadTerms
    ) {
        guard let first = claimed.first else { return }
        _shard(for: first.key).withLock { state in
            state.recordLoad(succeeded: (try? result.get()) != nil, duration: duration, isRefresh: false)
        }
        switch result {
        case .success(var loaded):
            for (key, flight) in claimed {
                let keyResult: Result<Value, any Error> =
                    loaded.removeValue(forKey: key).map { .success($0) }
                    ?? .failure(KeyLeftOut())
                finishLoad(key, flight: flight, result: keyResult, duration: duration, terms: terms)
            }
            for (key, value) in loaded { set(key, value, ttl: terms.ttl) }
        case .failure(let error):
            for (key, flight) in claimed {
                finishLoad(key, flight: flight, result: .failure(error), duration: duration, terms: terms)
            }
        }
    }
}
