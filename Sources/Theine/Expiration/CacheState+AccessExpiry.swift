/// Sliding expiry in a shard's state (``AccessExpiry``): an entry leaves at the earlier of its
/// write deadline (its TTL, or the end of its grace) and its last access plus the cache's
/// `expireAfterAccess`. Accesses are hits and writes (``Cache/update(_:ttl:_:)`` included); not
/// the walks over entries nor a ``Cache/setIfAbsent(_:_:ttl:)`` that finds the key.
///
/// With sliding expiry on, every entry has a wheel deadline, which may be earlier than the entry's
/// leave deadline (accessed since): the wheel's deadlines are read only to find entries to check.
/// Without it, an entry's wheel deadline is its write deadline, and these calls cost one
/// comparison.
extension CacheState {
    /// When the entry in `slot` leaves the cache (`Int64.max`: never): its wheel deadline, or with
    /// sliding expiry the earlier of its write deadline and its last access plus the idle time.
    @inlinable @inline(__always)
    func leaveDeadline(of slot: SlotIndex) -> Int64 {
        _accessExpiry.isEnabled ? _accessExpiry.leaveDeadline(of: slot) : _wheel.deadline(of: slot)
    }

    /// When the writes' TTL (and grace) of the entry in `slot` end it (`Int64.max`: never),
    /// whatever its accesses.
    @inlinable
    func writeDeadline(of slot: SlotIndex) -> Int64 {
        _accessExpiry.isEnabled ? _accessExpiry.writeDeadline(of: slot) : _wheel.deadline(of: slot)
    }

    /// Records that the entry in `slot`, which keeps its deadline, was written at `present` (a
    /// clock reading), an access for sliding expiry; nothing without it. (A write that gives its
    /// entry a deadline records it with ``setDeadline(_:of:writtenAt:departures:)``.)
    @inlinable @inline(__always)
    mutating func recordWriteAccess(of slot: SlotIndex, at present: Int64) {
        guard _accessExpiry.isEnabled else { return }
        _accessExpiry.recordWrite(of: slot, at: present)
    }

    /// ``setDeadline(_:of:writtenAt:departures:)`` under sliding expiry: records a write's access
    /// (unless `present` is ``timeNotRead``) and the write deadline, and schedules the earlier of it
    /// and the idle deadline. Out of line, so that the writes of a cache without sliding expiry stay
    /// small enough to inline.
    @inlinable @inline(never)
    mutating func setSlidingDeadline(
        _ deadline: Int64,
        of slot: SlotIndex,
        writtenAt present: Int64,
        departures: inout Departures<Key, Value>
    ) {
        if present != Self.timeNotRead { _accessExpiry.recordWrite(of: slot, at: present) }
        _accessExpiry.setWriteDeadline(deadline, of: slot)
        _wheel.schedule(slot, at: _accessExpiry.leaveDeadline(of: slot))
        departures.scheduledDeadline = true
    }

    /// Records a hit on the entry in `slot` with the shard's lock held, for sliding expiry (a clock
    /// read); nothing without it.
    @inlinable @inline(__always)
    func recordHitAccess(of slot: SlotIndex) {
        guard _accessExpiry.isEnabled else { return }
        _accessExpiry.recordAccess(of: slot, at: now())
    }

    /// Whether the entry in `slot`, which the wheel reported due at `present`, was accessed since
    /// it was scheduled: then it is scheduled again at its leave deadline, and stays.
    @inlinable
    mutating func rescheduleIfAccessed(_ slot: SlotIndex, at present: Int64) -> Bool {
        guard _accessExpiry.isEnabled else { return false }
        let deadline = _accessExpiry.leaveDeadline(of: slot)
        guard deadline > present else { return false }
        _wheel.schedule(slot, at: deadline)
        return true
    }
}
