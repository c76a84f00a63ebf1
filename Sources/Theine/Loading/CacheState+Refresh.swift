/// Refresh ahead of expiry in a shard's state: which entries are due for a background reload, and
/// the start and end of those reloads.
///
/// Only an entry stored by a refreshing load (``Cache/get(_:ttl:refreshAfter:staleIfError:loader:)`` with a
/// `refreshAfter`) has a refresh deadline, in ``_refreshDeadlines``; every other path pays one
/// comparison where a slot is freed or its value replaced by another write.
extension CacheState {
    /// The longest a failed refresh postpones the next one: with a shorter `refreshAfter`, that.
    @usableFromInline static var refreshRetryLimit: Int64 { 1_000_000_000 }
    /// The refresh deadline of a slot without one.
    @usableFromInline static var noRefresh: Int64 { .min }
    /// The refresh deadline of a slot whose refresh is running.
    @usableFromInline static var refreshRunning: Int64 { .max }

    /// Forgets what a load stored with the entry in `slot`, which leaves or whose value another
    /// write replaces: its refresh deadline (a refresh is for values a refreshing load stored) and
    /// the end of its TTL if it is kept past it (``keepStale(_:for:departures:)``). The caller sets
    /// or cancels its wheel deadline.
    ///
    /// - Complexity: O(1); two comparisons in a cache that never refreshes nor keeps values stale.
    @inlinable @inline(__always)
    mutating func forgetLoadTerms(of slot: SlotIndex) {
        _refreshDeadlines.clear(slot)
        _freshUntil.clear(slot)
    }

    /// Whether the live entry in `slot` is due for a refresh: it has a deadline, no refresh of it
    /// is running, and the deadline has passed, at `present` if the caller has just read the clock
    /// (a hit that checked the entry's TTL), else at a reading taken here. Reads only, so readers
    /// may run it side by side.
    ///
    /// - Complexity: O(1); a clock read only for an entry with a refresh deadline and no `present`.
    @inlinable
    func isRefreshDue(_ slot: SlotIndex, present: Int64 = timeNotRead) -> Bool {
        let deadline = _refreshDeadlines.time(of: slot)
        guard deadline != Self.noRefresh, deadline != Self.refreshRunning else { return false }
        return deadline <= (present == Self.timeNotRead ? now() : present)
    }

    /// Begins the background refresh of `key` (its `hashValue` given) if its live entry is due and
    /// nothing else loads, updates or refreshes the key, and the cache is open: the entry is
    /// marked as being refreshed and a refresh flight is registered.
    ///
    /// - Returns: the flight, for the caller to run; `nil` when no refresh begins.
    /// - Complexity: O(1).
    @usableFromInline
    mutating func beginRefresh(of key: Key, hashValue: Int, isClosed: Bool) -> LoadFlight<Value>? {
        guard !isClosed, _flights[key] == nil, _watches[key] == nil,
            let slot = _table.slot(of: key, hashValue: hashValue), !isExpired(slot), isRefreshDue(slot)
        else { return nil }
        _refreshDeadlines.setTime(Self.refreshRunning, of: slot)
        let flight = LoadFlight<Value>(isRefresh: true)
        _flights[key] = flight
        return flight
    }

    /// Gives the entry just stored for `key` (its `hashValue` given), if it stayed, a refresh
    /// deadline `refreshAfter` nanoseconds from now.
    mutating func scheduleRefresh(of key: Key, hashValue: Int, after refreshAfter: Int64) {
        guard let slot = _table.slot(of: key, hashValue: hashValue) else { return }
        let (deadline, overflow) = now().addingReportingOverflow(refreshAfter)
        _refreshDeadlines.setTime(overflow ? Self.refreshRunning - 1 : deadline, of: slot)
    }

    /// After a refresh that stored nothing (it failed, or a write or ``Cache/close()`` superseded
    /// it): if `key`'s entry is still marked as being refreshed, it is due again after
    /// `refreshAfter` or ``refreshRetryLimit``, whichever is shorter, so that a failing source is
    /// not asked again on every hit.
    mutating func postponeRefresh(of key: Key, hashValue: Int, refreshAfter: Int64) {
        guard let slot = _table.slot(of: key, hashValue: hashValue),
            _refreshDeadlines.time(of: slot) == Self.refreshRunning
        else { return }
        _refreshDeadlines.setTime(now() &+ min(refreshAfter, Self.refreshRetryLimit), of: slot)
    }

    /// Marks every refresh in flight superseded, so that none stores its value (``Cache/close()``).
    ///
    /// - Returns: the refreshes, to cancel (and await) after unlocking.
    /// - Complexity: O(loads in flight).
    mutating func supersedeRefreshes() -> [(key: Key, flight: LoadFlight<Value>)] {
        var refreshes: [(key: Key, flight: LoadFlight<Value>)] = []
        for (key, flight) in _flights where flight.isRefresh {
            flight.isSuperseded = true
            refreshes.append((key, flight))
        }
        return refreshes
    }
}
