/// Bulk loading's edits of a shard's state (`Cache.getAll(_:ttl:loader:)`): each key of a bulk
/// load has a flight of its own, so that a caller of one key joins it as any load, and a bulk
/// caller joins the loads of other callers key by key.
extension CacheState where Key: Sendable {
    /// What a bulk caller that missed a key does with it after unlocking.
    enum BulkJoin {
        /// The key's live value, which arrived meanwhile.
        case found(Value)
        /// The caller waits in another caller's load of the key, or for an update of it to end.
        case waiting
        /// The caller's own load is to load the key: it waits in this new flight.
        case claimed(LoadFlight<Value>)
        /// The caller stopped waiting (cancelled): it registers nowhere more.
        case ended
    }

    /// Places `waiter` in the load of `key` (its `hashValue` given): the one in flight, or a new
    /// one of `group` when none is; or, while an update of the key runs, in the update's watch,
    /// to look the key up again once it ends.
    ///
    /// - Complexity: O(1).
    mutating func joinBulkLoad(
        of key: Key,
        hashValue: Int,
        waiter: BulkWaiter<Key, Value>,
        group: BulkLoadGroup
    ) -> BulkJoin {
        if let value = peekLiveValue(key, hashValue: hashValue) { return .found(value) }
        guard waiter.isWaiting else { return .ended }
        let id = ObjectIdentifier(waiter)
        if let watch = _watches[key] {
            watch.waitingBulkLoads[id] = waiter.handler(for: key)
            waiter.noteRegistration(.watch, for: key)
            return .waiting
        }
        if let flight = _flights[key], flight.admitsWaiter() {
            flight.bulkWaiters[id] = waiter.handler(for: key)
            waiter.noteRegistration(.flight(flight), for: key)
            return .waiting
        }
        let flight = LoadFlight<Value>(group: group)
        _ = group.addWaiter()
        flight.bulkWaiters[id] = waiter.handler(for: key)
        replaceFlight(of: key, with: flight)
        waiter.noteRegistration(.flight(flight), for: key)
        return .claimed(flight)
    }

    /// Takes `waiter` out of where it waits for `key` (`registration`), if it still does.
    ///
    /// - Returns: the load's task to cancel after unlocking, when no caller waits for it any more.
    /// - Complexity: O(1).
    mutating func leaveBulkLoad(
        of key: Key,
        waiter: BulkWaiter<Key, Value>,
        registration: BulkWaiter<Key, Value>.Registration
    ) -> Task<Void, Never>? {
        let id = ObjectIdentifier(waiter)
        switch registration {
        case .watch:
            _watches[key]?.waitingBulkLoads[id] = nil
            return nil
        case .flight(let flight):
            guard flight.bulkWaiters.removeValue(forKey: id) != nil else { return nil }
            return taskAbandoned(byLeaving: flight)
        }
    }
}
