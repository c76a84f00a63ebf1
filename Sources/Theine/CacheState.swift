/// The largest capacity a cache accepts: slots are addressed by `Int32`, `-1` being the null link.
let maximumCacheCapacity = Int(Int32.max)

/// Everything one shard of a ``Cache`` guards with its lock: the entries, the policy, the deadlines and the
/// counters.
///
/// Guarded by: its ``CacheShard``. Every method here runs under the shard's exclusive access
/// (`withLock`), except the static ``lookUp(_:hashValue:in:)``, which readers run side by side while
/// no writer is active; the read rings' drains touch only `_policy`, under the shard's lock.
///
/// Invariants (checked by `checkInvariants()`): the table, the policy and the timer wheel hold the
/// same entries (the wheel, those with a deadline); `table.count <= capacity`; the counters only
/// grow.
///
/// Expiry: an entry whose deadline is at or before the clock's present is logically absent. Reads
/// and writes that find one remove it and count it expired; the rest leave through the timer wheel,
/// advanced by writes and by the shared ticker.
///
/// User code that runs here: the key's `hash(into:)` and `==` (map lookups), and the clock's `now`.
/// Keys and values that leave the cache are returned to the caller, which releases them after
/// unlocking, so a `deinit` that calls back into the cache does not deadlock.
@usableFromInline
struct CacheState<Key: Hashable, Value: Sendable>: ~Copyable {
    @usableFromInline typealias Entry = EntryTable<Key, Value>.Entry

    @usableFromInline var _table: EntryTable<Key, Value>
    @usableFromInline let _policy: any CachePolicy
    @usableFromInline var _wheel: TimerWheel
    @usableFromInline let _clock: any CacheClock
    /// Whether `_clock` is the default clock, read directly through the system (`ContinuousCacheClock.systemNanoseconds`).
    @usableFromInline let _readsSystemClock: Bool
    @usableFromInline var _hitCount = 0
    @usableFromInline var _missCount = 0
    @usableFromInline var _evictionCount = 0
    @usableFromInline var _expirationCount = 0
    @usableFromInline var _loadSuccessCount = 0
    @usableFromInline var _loadFailureCount = 0
    @usableFromInline var _totalLoadTime = Duration.zero
    /// The loads in flight, by key (`Cache.get(_:ttl:loader:)`).
    @usableFromInline var _flights: [Key: LoadFlight<Value>] = [:]
    /// Scratch space for the slots the wheel expires, kept to avoid allocating on every advance.
    @usableFromInline var _expiredSlots: [SlotIndex] = []

    init(policy: any CachePolicy, clock: any CacheClock) {
        _table = EntryTable()
        _policy = policy
        _clock = clock
        let systemNanoseconds = clock is ContinuousCacheClock ? ContinuousCacheClock.systemNanoseconds() : nil
        _readsSystemClock = systemNanoseconds != nil
        _wheel = TimerWheel(currentTime: systemNanoseconds ?? clock.now.nanosecondsClamped)
    }

    /// The clock's present, in nanoseconds.
    ///
    /// - Complexity: O(1): for the default clock on Linux, a vDSO `clock_gettime` (no system call).
    @inlinable
    func now() -> Int64 {
        if _readsSystemClock, let nanoseconds = ContinuousCacheClock.systemNanoseconds() { return nanoseconds }
        return _clock.now.nanosecondsClamped
    }

    /// Whether the entry in `slot` has a deadline at or before the present. Reads the wheel's
    /// deadline only while some entry has one, and the clock only for entries with a deadline.
    @inlinable @inline(__always)
    func isExpired(_ slot: SlotIndex) -> Bool {
        guard !_wheel.isEmpty else { return false }
        let deadline = _wheel.deadline(of: slot)
        return deadline != .max && deadline <= now()
    }

    /// Looks `key` up (its `hashValue` given), counting a hit or a miss and recording the access
    /// with the policy. An expired entry is a miss, and leaves the cache: it is returned for
    /// release after unlocking.
    ///
    /// - Complexity: O(1), no allocation; a clock read for an entry with a TTL.
    @inlinable @inline(__always)
    mutating func get(_ key: Key, hashValue: Int) -> (value: Value?, expired: Entry?) {
        guard let stored = _table.lookUp(key, hashValue: hashValue) else {
            _missCount &+= 1
            return (nil, nil)
        }
        if isExpired(stored.slot) {
            _missCount &+= 1
            return (nil, removeExpired(stored.slot))
        }
        _hitCount &+= 1
        _policy.recordAccess(stored.slot)
        checkInvariantsIfEnabled()
        return (stored.value, nil)
    }

    /// What a read-only lookup found.
    @usableFromInline
    enum Lookup {
        /// A live entry: its slot and value.
        case hit(SlotIndex, Value)
        /// No entry.
        case miss
        /// An entry past its deadline, which a read may not return and must remove.
        case expired
    }

    /// Looks `key` up (its `hashValue` given) in `state` without changing anything: no counter, no
    /// policy update. For the shared read path of ``CacheShard/get(_:hashValue:)``, which counts and
    /// records the hit itself, while other readers may be looking up too.
    ///
    /// A static function over the shard's pointer, reading only the fields it needs: a method call
    /// through the pointer would copy the whole state (a retain of every buffer in it), and a
    /// `mutating` one would count as a write for the thread sanitizer.
    ///
    /// - Complexity: O(1); a clock read for an entry with a TTL.
    @inlinable @inline(__always)
    static func lookUp(_ key: Key, hashValue: Int, in state: UnsafeMutablePointer<Self>) -> Lookup {
        guard let stored = state.pointee._table.lookUp(key, hashValue: hashValue) else { return .miss }
        if !state.pointee._wheel.isEmpty {
            let deadline = state.pointee._wheel.deadline(of: stored.slot)
            if deadline != .max && deadline <= state.pointee.now() { return .expired }
        }
        return .hit(stored.slot, stored.value)
    }

    /// Stores `value` for `key` (its `hashValue` given) to live `ttl` (which is not `.expired`), and
    /// reports what left.
    ///
    /// - Complexity: amortized O(1): no hash of `key`, but one of an evicted key. With entries that
    ///   have a TTL, one clock read and an amortized O(1) advance of the timer wheel.
    @inlinable
    mutating func set(_ key: Key, _ value: Value, ttl: TimeToLive, hashValue: Int) -> Departures<Key, Value> {
        var departures = Departures<Key, Value>()
        supersedeLoad(of: key)
        let (present, deadline) = advanceTime(for: ttl, departures: &departures)
        if let (slot, oldValue) = _table.replaceValue(ofKey: key, hashValue: hashValue, with: value) {
            if _wheel.deadline(of: slot) <= present { _expirationCount &+= 1 }
            departures.replacedValue = oldValue
            _policy.recordAccess(slot)
            setDeadline(deadline, of: slot, departures: &departures)
            checkInvariantsIfEnabled()
            return departures
        }
        departures.evicted = insertNew(key, value, hashValue: hashValue, deadline: deadline, departures: &departures)
        return departures
    }

    /// Stores `value` for `key` (its `hashValue` given) only if `key` has no live entry (an expired
    /// one counts as absent).
    @inlinable
    mutating func setIfAbsent(
        _ key: Key,
        _ value: Value,
        ttl: TimeToLive,
        hashValue: Int
    ) -> (stored: Bool, departures: Departures<Key, Value>) {
        var departures = Departures<Key, Value>()
        let (present, deadline) = advanceTime(for: ttl, departures: &departures)
        if let slot = _table.slot(of: key, hashValue: hashValue) {
            guard _wheel.deadline(of: slot) <= present else { return (false, departures) }
            departures.expired.append(removeExpired(slot))
        }
        supersedeLoad(of: key)
        departures.evicted = insertNew(key, value, hashValue: hashValue, deadline: deadline, departures: &departures)
        return (true, departures)
    }

    /// Removes `key`'s entry (its `hashValue` given), returning it, and whether it was live (an
    /// expired entry is removed and counted, but its value is not handed back).
    @inlinable
    mutating func remove(_ key: Key, hashValue: Int) -> (entry: Entry, wasLive: Bool)? {
        supersedeLoad(of: key)
        guard let slot = _table.slot(of: key, hashValue: hashValue) else { return nil }
        if isExpired(slot) { return (removeExpired(slot), false) }
        _wheel.cancel(slot)
        _policy.recordRemoval(slot)
        let entry = _table.removeEntry(at: slot)
        checkInvariantsIfEnabled()
        return (entry, true)
    }

    /// Removes every entry, returning the old table so that the caller releases it after unlocking.
    @inlinable
    mutating func removeAll() -> EntryTable<Key, Value> {
        supersedeAllLoads()
        _policy.removeAll()
        _wheel.removeAll()
        var old = EntryTable<Key, Value>()
        swap(&old, &_table)
        checkInvariantsIfEnabled()
        return old
    }

    /// Removes every entry whose deadline is at or before the present, returning them.
    ///
    /// - Complexity: amortized O(1) per entry with a TTL, plus O(k) for the k entries due within
    ///   the present second; O(1) when no entry has a TTL.
    mutating func removeExpired() -> [Entry] {
        guard !_wheel.isEmpty else { return [] }
        _wheel.expireAll(upTo: now(), expired: &_expiredSlots)
        return takeExpiredSlots()
    }

    /// The live value for `key` (its `hashValue` given), without counting a request or recording an
    /// access.
    func peekLiveValue(_ key: Key, hashValue: Int) -> Value? {
        guard let stored = _table.lookUp(key, hashValue: hashValue), !isExpired(stored.slot) else { return nil }
        return stored.value
    }

    // MARK: Loads

    /// Marks the load in flight for `key`, if any, as superseded by a write: its value will not be
    /// stored. O(1); a count check when no load is in flight.
    @inlinable @inline(__always)
    func supersedeLoad(of key: Key) {
        guard !_flights.isEmpty else { return }
        markSuperseded(key)
    }

    @usableFromInline
    func markSuperseded(_ key: Key) {
        _flights[key]?.isSuperseded = true
    }

    @usableFromInline
    func supersedeAllLoads() {
        for flight in _flights.values { flight.isSuperseded = true }
    }

    /// Counts a finished load.
    mutating func recordLoad(succeeded: Bool, duration: Duration) {
        if succeeded { _loadSuccessCount += 1 } else { _loadFailureCount += 1 }
        _totalLoadTime += duration
    }

    // MARK: Writes

    /// Inserts a new entry and returns the entry evicted to make room, if any.
    @inlinable
    mutating func insertNew(
        _ key: Key,
        _ value: Value,
        hashValue: Int,
        deadline: Int64,
        departures: inout Departures<Key, Value>
    ) -> Entry? {
        let slot = _table.insert(key, value, hashValue: hashValue)
        let victim = _policy.recordInsertion(slot, hash: policyHash(ofHashValue: hashValue))
        var evicted: Entry?
        if victim != .none {
            _wheel.cancel(victim)
            evicted = _table.removeEntry(at: victim)
            _evictionCount &+= 1
        }
        if victim != slot {
            setDeadline(deadline, of: slot, departures: &departures)
        }
        checkInvariantsIfEnabled()
        return evicted
    }

    /// Reads the clock if `ttl` needs it or entries have deadlines, and expires what the wheel finds
    /// due.
    ///
    /// - Returns: the present (`Int64.min` when the clock was not read: then no entry has a
    ///   deadline, so none is at or before it), and the deadline for `ttl` (`Int64.max`: none).
    @inlinable
    mutating func advanceTime(
        for ttl: TimeToLive,
        departures: inout Departures<Key, Value>
    ) -> (present: Int64, deadline: Int64) {
        guard case .nanoseconds(let nanoseconds) = ttl else {
            guard !_wheel.isEmpty else { return (.min, .max) }
            let present = now()
            advanceWheel(to: present, departures: &departures)
            return (present, .max)
        }
        let present = now()
        advanceWheel(to: present, departures: &departures)
        let (deadline, overflow) = present.addingReportingOverflow(nanoseconds)
        return (present, overflow ? .max : deadline)
    }

    @inlinable
    mutating func advanceWheel(to present: Int64, departures: inout Departures<Key, Value>) {
        _wheel.advance(to: present, expired: &_expiredSlots)
        if !_expiredSlots.isEmpty { departures.expired += takeExpiredSlots() }
    }

    /// Gives `slot` its deadline (`Int64.max`: none), noting that a deadline was set.
    @inlinable
    mutating func setDeadline(_ deadline: Int64, of slot: SlotIndex, departures: inout Departures<Key, Value>) {
        guard deadline != .max else {
            if !_wheel.isEmpty { _wheel.cancel(slot) }
            return
        }
        _wheel.schedule(slot, at: deadline)
        departures.scheduledDeadline = true
    }

    /// Removes the expired entry in `slot`, counting it.
    @usableFromInline
    mutating func removeExpired(_ slot: SlotIndex) -> Entry {
        _wheel.cancel(slot)
        _policy.recordRemoval(slot)
        _expirationCount &+= 1
        let entry = _table.removeEntry(at: slot)
        checkInvariantsIfEnabled()
        return entry
    }

    /// Removes the entries of the slots the wheel reported expired (it has forgotten them already).
    @inlinable @inline(never)
    mutating func takeExpiredSlots() -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(_expiredSlots.count)
        for slot in _expiredSlots {
            _policy.recordRemoval(slot)
            entries.append(_table.removeEntry(at: slot))
        }
        _expirationCount &+= _expiredSlots.count
        // Keep the scratch space unless a mass expiry grew it.
        _expiredSlots.removeAll(keepingCapacity: _expiredSlots.count <= 1024)
        checkInvariantsIfEnabled()
        return entries
    }

    // MARK: Statistics and invariants

    /// The counters as a snapshot.
    var stats: CacheStats {
        CacheStats(
            hitCount: _hitCount,
            missCount: _missCount,
            evictionCount: _evictionCount,
            expirationCount: _expirationCount,
            loadSuccessCount: _loadSuccessCount,
            loadFailureCount: _loadFailureCount,
            totalLoadTime: _totalLoadTime
        )
    }

    /// Traps if the table, the policy and the wheel disagree or are inconsistent. O(n).
    @usableFromInline
    func checkInvariants() {
        _table.checkInvariants()
        precondition(_table.count <= _policy.capacity, "count \(_table.count) above capacity \(_policy.capacity)")
        _policy.checkInvariants(residentCount: _table.count)
        _wheel.checkInvariants(isResident: { _table.isOccupied($0) })
    }

    /// Calls ``checkInvariants()`` in builds compiled with `THEINE_INTERNAL_CHECKS`; nothing otherwise.
    @inlinable @inline(__always)
    func checkInvariantsIfEnabled() {
        #if THEINE_INTERNAL_CHECKS
        checkInvariants()
        #endif
    }
}
