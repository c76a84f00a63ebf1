/// The shard's side of ``Cache/update(_:ttl:_:)``: a snapshot of the key's entry under a
/// ``KeyWatch``, and a commit that writes the body's result only over the entry the body saw.
extension CacheState {
    /// What an update's body saw: the live value (`nil`: absent or expired) and the watch's
    /// change count when it was read.
    @usableFromInline
    struct UpdateSnapshot {
        @usableFromInline let watch: KeyWatch<Value>
        @usableFromInline let value: Value?
        @usableFromInline let changeCount: Int

        @inlinable
        init(watch: KeyWatch<Value>, value: Value?, changeCount: Int) {
            self.watch = watch
            self.value = value
            self.changeCount = changeCount
        }
    }

    /// How a commit ended: written (the loads the watch held back are to be woken), or refused
    /// because the entry changed since the snapshot (the body runs again on the new one).
    @usableFromInline
    enum UpdateCommit {
        case committed(WatchRelease<Value>)
        case rerun(UpdateSnapshot)
    }

    /// Begins an update of `key` (its `hashValue` given): watches the key and reads its live value,
    /// without counting a request or recording an access.
    ///
    /// - Returns: the snapshot, or `nil` while a load of the key is in flight: an update waits for
    ///   it (``completionOfLoad(of:)``, ``joinLoadInFlight(of:ticket:continuation:)``) and begins
    ///   again, so that it sees the loaded value. It does not wait for a refresh, whose value it
    ///   supersedes instead: the old value is still there to update.
    /// - Complexity: O(1).
    @inlinable
    mutating func beginUpdate(of key: Key, hashValue: Int) -> UpdateSnapshot? {
        if !_flights.isEmpty, let flight = _flights[key] {
            guard flight.isRefresh else { return nil }
            flight.isSuperseded = true
        }
        let watch = beginWatch(of: key)
        return UpdateSnapshot(
            watch: watch,
            value: peekLiveValue(key, hashValue: hashValue),
            changeCount: watch.changeCount
        )
    }

    /// Where a thread waits for the load of `key` in flight: the flight's completion, created if
    /// no thread waits yet; `nil` if the load has ended.
    mutating func completionOfLoad(of key: Key) -> BlockingCompletion<Value>? {
        guard let flight = _flights[key] else { return nil }
        let completion = flight.completion ?? BlockingCompletion()
        flight.completion = completion
        return completion
    }

    /// Adds `continuation` to the waiters of the load of `key` in flight (when `only` is given,
    /// only if that flight is the one in flight), under `ticket` (which the caller keeps alive);
    /// `false` if no such load is in flight.
    mutating func joinLoadInFlight(
        of key: Key,
        ticket: LoadTicket,
        continuation: CheckedContinuation<Value, any Error>,
        only expected: LoadFlight<Value>? = nil
    ) -> Bool {
        guard let flight = _flights[key], expected == nil || flight === expected else { return false }
        flight.waiters[ObjectIdentifier(ticket)] = continuation
        return true
    }

    /// Writes an update's result for `key` (its `hashValue` given) if the entry is still the one
    /// `snapshot` saw: `newValue` (weighing `weight`) to live for `ttl`, or for the entry's
    /// current deadline when `ttl` is `nil`; `nil` (or a `ttl` of ``TimeToLive/expired``) removes
    /// the entry (``RemovalCause/explicit``). What the write displaces departs.
    ///
    /// The entry is still the one seen when the watch noted no write or removal and the entry is as
    /// live as it was: an eviction or an expiry since leaves it absent (a live value may also have
    /// passed its deadline without leaving yet).
    ///
    /// - Complexity: a write's amortized O(1).
    @inlinable
    mutating func commitUpdate(
        _ snapshot: UpdateSnapshot,
        of key: Key,
        hashValue: Int,
        newValue: Value?,
        weight: Int,
        ttl: TimeToLive?,
        departures: inout Departures<Key, Value>
    ) -> UpdateCommit {
        // Advance the wheel first: an entry it expires is then absent, as it would be to a read.
        let (present, _) = advanceTime(for: ttl ?? .forever, departures: &departures)
        let stored = _table.lookUp(key, hashValue: hashValue)
        let live = stored.flatMap { visibleDeadline(of: $0.slot) <= present ? nil : $0 }
        let watch = snapshot.watch
        if watch.changeCount != snapshot.changeCount || (live == nil) != (snapshot.value == nil) {
            return .rerun(UpdateSnapshot(watch: watch, value: live?.value, changeCount: watch.changeCount))
        }
        // Ended before the write: with no other watch of the key, the write then finds none to
        // tell (one lookup of the key fewer).
        let release = endWatch(watch, of: key)
        if let newValue, ttl != .expired {
            if let ttl {
                set(key, newValue, ttl: ttl, weight: weight, hashValue: hashValue, departures: &departures)
            } else if let live {
                replaceKeepingDeadline(
                    live.slot,
                    key: key,
                    with: newValue,
                    weight: weight,
                    writtenAt: present,
                    departures: &departures
                )
            } else {
                // No live entry, so no deadline to keep: the value does not expire (an expired
                // entry in its place departs as `set` has it depart).
                set(key, newValue, ttl: .forever, weight: weight, hashValue: hashValue, departures: &departures)
            }
        } else {
            _ = remove(key, hashValue: hashValue, departures: &departures)
        }
        return .committed(release)
    }

    /// Replaces the value of the live entry in `slot` with `value` (weighing `weight`) at `present`,
    /// keeping its deadline (its sliding expiry counts the write as an access); the old value
    /// departs ``RemovalCause/replaced``.
    @inlinable
    mutating func replaceKeepingDeadline(
        _ slot: SlotIndex,
        key: Key,
        with value: Value,
        weight: Int,
        writtenAt present: Int64,
        departures: inout Departures<Key, Value>
    ) {
        noteWrite(of: key)
        let oldValue = _table.replaceValue(at: slot, with: value)
        recordWriteAccess(of: slot, at: present)
        endGrace(of: slot, departures: &departures)
        forgetLoadTerms(of: slot)
        _replacementCount &+= 1
        departures.append(key, oldValue, cause: .replaced)
        _policy.recordAccess(slot)
        if _evictor != nil { reweigh(slot, weight: weight, departures: &departures) }
        checkInvariantsIfEnabled()
    }
}
