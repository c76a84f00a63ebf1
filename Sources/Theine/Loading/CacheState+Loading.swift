/// Loading's edits of a shard's state: the loads in flight by key, their waiters and their ends.
///
/// Each method runs under the shard's lock and returns what the caller must do once it is
/// released (resume a continuation, cancel a task, wake blocked threads, settle departures), as
/// swift-nio's state machines return an action: nothing here resumes, cancels or wakes anything.
extension CacheState {
    /// What a task that missed does after unlocking: resume at once, or wait for a load's end.
    enum AsyncLoadAction {
        /// Resume with this result: a value arrived meanwhile, or the caller was cancelled first.
        case resume(Result<Value, any Error>)
        /// The continuation waits in a flight; the flight's end resumes it.
        case wait
    }

    /// What a thread that missed does in the blocking `get`: return a value that arrived
    /// meanwhile, wait for another caller's load, wait for an update of the key to end and look
    /// again, or run the load itself.
    enum BlockingLoadRole {
        case found(Value)
        case wait(BlockingCompletion<Value>)
        case waitForWatch(BlockingCompletion<Value>)
        case load(LoadFlight<Value>)
    }

    /// What a cancelled waiter's handler does after unlocking.
    struct LoadCancellation {
        /// The waiter's continuation, to resume with `CancellationError` (`nil`: already resumed).
        var continuation: CheckedContinuation<Value, any Error>?
        /// The load's task, to cancel: the waiter was the last caller waiting.
        var abandonedTask: Task<Void, Never>?
    }

    /// What the end of a load hands out after unlocking: the waiting tasks and blocked threads.
    struct LoadHandoff {
        var waiters: [CheckedContinuation<Value, any Error>]
        var completion: BlockingCompletion<Value>?
        var bulkWaiters: [LoadResultHandler<Value>]
        /// The value kept past its TTL that answers a failed load instead of its error.
        var staleValue: Value?
    }

    /// Joins the load of `key` (its `hashValue` given) for the task holding `ticket`, starting one
    /// with `startLoad` if none is in flight, unless a live value is there already or the caller
    /// was cancelled. While the key is watched (``KeyWatch``: an update in progress), the caller
    /// waits for the watch to end instead, and is resumed with ``WatchEnded`` to look again.
    ///
    /// When `reloading` (``Cache/refresh(_:ttl:refreshAfter:staleIfError:loader:)``), a live value does not
    /// answer the caller, and a load it starts is a refresh (``LoadFlight/isRefresh``).
    ///
    /// - Complexity: O(1).
    mutating func joinLoad(
        of key: Key,
        hashValue: Int,
        ticket: LoadTicket,
        reloading: Bool,
        continuation: CheckedContinuation<Value, any Error>,
        startLoad: (LoadFlight<Value>) -> Task<Void, Never>
    ) -> AsyncLoadAction {
        if ticket.isCancelled { return .resume(.failure(CancellationError())) }
        if !reloading, let value = peekLiveValue(key, hashValue: hashValue) { return .resume(.success(value)) }
        if let watch = _watches[key] {
            watch.waitingLoads[ObjectIdentifier(ticket)] = continuation
            return .wait
        }
        let flight: LoadFlight<Value>
        if let existing = _flights[key], existing.admitsWaiter() {
            flight = existing
        } else {
            flight = LoadFlight(isRefresh: reloading)
            replaceFlight(of: key, with: flight)
            flight.task = startLoad(flight)
        }
        flight.waiters[ObjectIdentifier(ticket)] = continuation
        return .wait
    }

    /// Takes the waiter holding `ticket` out of `key`'s load, marking the ticket cancelled (so that
    /// a caller not yet registered never waits); the load is abandoned when it was the last waiter
    /// and no thread is blocked on it (threads cannot cancel: it runs on while any waits), unless
    /// it is a refresh, which needs no waiter; a bulk load, when it was the last waiter of any of
    /// its keys.
    ///
    /// - Complexity: O(1).
    mutating func cancelWaiter(holding ticket: LoadTicket, of key: Key) -> LoadCancellation {
        ticket.isCancelled = true
        if let continuation = _watches[key]?.waitingLoads.removeValue(forKey: ObjectIdentifier(ticket)) {
            return LoadCancellation(continuation: continuation, abandonedTask: nil)
        }
        guard let flight = _flights[key],
            let continuation = flight.waiters.removeValue(forKey: ObjectIdentifier(ticket))
        else { return LoadCancellation() }
        return LoadCancellation(continuation: continuation, abandonedTask: taskAbandoned(byLeaving: flight))
    }

    /// The role of a thread that missed `key` (its `hashValue` given) in the blocking `get`, or in
    /// the blocking `getAll`, whose load of the key belongs to `group`.
    ///
    /// - Complexity: O(1).
    mutating func beginBlockingLoad(of key: Key, hashValue: Int, group: BulkLoadGroup? = nil) -> BlockingLoadRole {
        if let value = peekLiveValue(key, hashValue: hashValue) { return .found(value) }
        if let watch = _watches[key] {
            let completion = watch.blockedLoads ?? BlockingCompletion()
            watch.blockedLoads = completion
            return .waitForWatch(completion)
        }
        if let flight = _flights[key], flight.admitsWaiter() {
            let completion = flight.completion ?? BlockingCompletion()
            flight.completion = completion
            return .wait(completion)
        }
        let flight = LoadFlight<Value>(group: group)
        flight.completion = BlockingCompletion()
        replaceFlight(of: key, with: flight)
        return .load(flight)
    }

    /// Makes `flight` the load of `key` in flight. One there already was abandoned (its bulk
    /// load's waiters all left): it is superseded, so that its result, if it comes, stores nothing.
    mutating func replaceFlight(of key: Key, with flight: LoadFlight<Value>) {
        _flights.updateValue(flight, forKey: key)?.isSuperseded = true
    }

    /// The task to cancel now that a waiter left `flight`: its own, once no caller waits (but a
    /// refresh, which needs none); its bulk load's, once no caller waits for any of its keys.
    func taskAbandoned(byLeaving flight: LoadFlight<Value>) -> Task<Void, Never>? {
        if let group = flight.group { return group.removeWaiter() }
        return flight.hasNoWaiter && !flight.isRefresh ? flight.task : nil
    }

    /// Ends `flight`, the load of `key` (its `hashValue` given): counts it, and stores a loaded
    /// value with `ttl`, weighing `weight`, unless a write superseded the load (what the store
    /// displaces departs). With `refreshAfter` (nanoseconds), the stored entry is due for a
    /// refresh that long after now; a refresh that stored nothing postpones the next one
    /// (``postponeRefresh(of:hashValue:refreshAfter:)``).
    ///
    /// - Returns: the waiters to hand `result` to after unlocking.
    /// - Complexity: O(waiters), plus a write's amortized O(1).
    mutating func finishLoad(
        _ flight: LoadFlight<Value>,
        of key: Key,
        hashValue: Int,
        result: Result<Value, any Error>,
        weight: Int,
        duration: Duration,
        ttl: TimeToLive,
        terms: LoadTerms,
        departures: inout Departures<Key, Value>
    ) -> LoadHandoff {
        if _flights[key] === flight { _flights[key] = nil }
        // A bulk load counts once, for all its keys (``Cache/finishBulkLoad``).
        if flight.group == nil {
            recordLoad(succeeded: result.isSuccess, duration: duration, isRefresh: flight.isRefresh)
        }
        var isStored = false
        if case .success(let value) = result, !flight.isSuperseded, ttl != .expired {
            set(key, value, ttl: ttl, weight: weight, hashValue: hashValue, departures: &departures)
            isStored = true
            if let refreshAfter = terms.refreshAfter {
                scheduleRefresh(of: key, hashValue: hashValue, after: refreshAfter)
            }
            if let grace = terms.staleIfError {
                keepStale(key, hashValue: hashValue, for: grace, departures: &departures)
            }
        }
        if flight.isRefresh, !isStored, let refreshAfter = terms.refreshAfter {
            postponeRefresh(of: key, hashValue: hashValue, refreshAfter: refreshAfter)
        }
        let isAwaited = !flight.hasNoWaiter
        var handoff = LoadHandoff(
            waiters: Array(flight.waiters.values),
            completion: flight.completion,
            bulkWaiters: Array(flight.bulkWaiters.values)
        )
        flight.waiters = [:]
        flight.bulkWaiters = [:]
        // A caller waits (a refresh may have none): one stale answer, however many it reaches. A
        // key a bulk loader left out did not fail.
        if case .failure(let error) = result, !(error is KeyLeftOut), isAwaited {
            handoff.staleValue = staleValue(of: key, hashValue: hashValue)
            if handoff.staleValue != nil { _staleServedCount += 1 }
        }
        return handoff
    }

    /// The live value for `key` (its `hashValue` given), without counting a request or recording an
    /// access.
    @inlinable
    func peekLiveValue(_ key: Key, hashValue: Int) -> Value? {
        guard let stored = _table.lookUp(key, hashValue: hashValue), !isExpired(stored.slot) else { return nil }
        return stored.value
    }

    /// Marks the load in flight for `key`, if any, as superseded by a write: its value will not be
    /// stored (``noteWrite(of:)``).
    @usableFromInline
    func markSuperseded(_ key: Key) {
        _flights[key]?.isSuperseded = true
    }

    /// Counts a finished load, and a finished refresh (which is a load too).
    mutating func recordLoad(succeeded: Bool, duration: Duration, isRefresh: Bool) {
        if succeeded { _loadSuccessCount += 1 } else { _loadFailureCount += 1 }
        _totalLoadTime += duration
        guard isRefresh else { return }
        _refreshCount += 1
        if !succeeded { _refreshFailureCount += 1 }
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}
