/// Fail-safe in a shard's state: an entry a load stored with `staleIfError` is kept past its TTL,
/// invisible to reads, to answer a load of its key that fails.
///
/// Such an entry's wheel deadline is the end of its grace, so that it leaves then, and once
/// (``RemovalCause/expired``); ``_freshUntil`` holds the end of its TTL, where reads stop seeing it.
/// Every other entry's TTL ends at its wheel deadline, and costs one comparison more where a write
/// checks it.
extension CacheState {
    /// When the entry in `slot` stops being visible to reads: the end of its TTL, which is when it
    /// leaves unless it is kept past it, or its sliding expiry (`Int64.max`: never).
    @inlinable @inline(__always)
    func visibleDeadline(of slot: SlotIndex) -> Int64 {
        min(leaveDeadline(of: slot), _freshUntil.time(of: slot))
    }

    /// Whether the entry in `slot`, past its TTL, is kept for its grace and must stay in place
    /// when a read finds it.
    @inlinable
    func isKeptStale(_ slot: SlotIndex) -> Bool {
        _freshUntil.time(of: slot) != _freshUntil.vacant && now() < leaveDeadline(of: slot)
    }

    /// Keeps the entry just stored for `key` (its `hashValue` given), if it stayed and has a TTL,
    /// `grace` nanoseconds past its TTL.
    mutating func keepStale(
        _ key: Key,
        hashValue: Int,
        for grace: Int64,
        departures: inout Departures<Key, Value>
    ) {
        guard let slot = _table.slot(of: key, hashValue: hashValue) else { return }
        let endOfTTL = writeDeadline(of: slot)
        guard endOfTTL != .max else { return }
        let (endOfGrace, overflow) = endOfTTL.addingReportingOverflow(grace)
        _freshUntil.setTime(endOfTTL, of: slot)
        setDeadline(overflow ? .max - 1 : endOfGrace, of: slot, departures: &departures)
    }

    /// Takes the grace off the live entry in `slot`, whose value another write replaces keeping its
    /// TTL: it then leaves when its TTL ends, as a written value does.
    @inlinable
    mutating func endGrace(of slot: SlotIndex, departures: inout Departures<Key, Value>) {
        let endOfTTL = _freshUntil.time(of: slot)
        guard endOfTTL != _freshUntil.vacant else { return }
        _freshUntil.clear(slot)
        setDeadline(endOfTTL, of: slot, departures: &departures)
    }

    /// The value kept for `key` (its `hashValue` given) past its TTL, within its grace; `nil` if
    /// there is none.
    ///
    /// - Complexity: O(1): a lookup and a clock read.
    func staleValue(of key: Key, hashValue: Int) -> Value? {
        guard let stored = _table.lookUp(key, hashValue: hashValue) else { return nil }
        let endOfTTL = _freshUntil.time(of: stored.slot)
        guard endOfTTL != _freshUntil.vacant else { return nil }
        let present = now()
        return endOfTTL <= present && present < leaveDeadline(of: stored.slot) ? stored.value : nil
    }
}
