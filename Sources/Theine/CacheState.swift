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
/// same entries (the wheel, those with a deadline); `table.count <= capacity`; in a weighted shard,
/// `_evictor`'s weights hold the weight of every entry and their total is at most its maximum
/// between calls; the counters only grow.
///
/// Weights: a weighted shard (`_evictor` not `nil`) has a policy without a bound on the number of
/// entries; every write gives its entry the weight the cache's weigher returned (outside the lock),
/// then evicts by weight (``WeightedEvictor``) until the total is within the maximum. An
/// entry heavier than ``SlotWeights/maximumEntryWeight`` is not kept: it departs evicted at once.
///
/// Expiry: an entry whose deadline is at or before the clock's present is logically absent. Reads
/// and writes that find one remove it and count it expired; the rest leave through the timer wheel,
/// advanced by writes and by the shared ticker.
///
/// User code that runs here: the key's `hash(into:)` and `==` (map lookups), and the clock's `now`.
/// Every mutation records what leaves, with its cause, in the ``Departures`` its caller passes in;
/// the cache settles them after unlocking, so that a `deinit` that calls back into the cache does
/// not deadlock.
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
    /// The weight of the entries evicted, in a weighted shard (a count-bounded one reports its
    /// count).
    @usableFromInline var _evictionWeight = 0
    @usableFromInline var _expirationCount = 0
    @usableFromInline var _explicitRemovalCount = 0
    @usableFromInline var _replacementCount = 0
    @usableFromInline var _loadSuccessCount = 0
    @usableFromInline var _loadFailureCount = 0
    @usableFromInline var _totalLoadTime = Duration.zero
    @usableFromInline var _refreshCount = 0
    @usableFromInline var _refreshFailureCount = 0
    @usableFromInline var _staleServedCount = 0
    /// The loads in flight, by key (`Cache.get(_:ttl:loader:)`).
    @usableFromInline var _flights: [Key: LoadFlight<Value>] = [:]
    /// When each entry that a refreshing load stored is due for a background reload; nothing
    /// allocated in a cache that never refreshes.
    @usableFromInline var _refreshDeadlines = SlotTimes(vacant: CacheState.noRefresh)
    /// The end of the TTL of each entry a load stored with `staleIfError`, whose wheel deadline is
    /// that much later: past it, the entry is invisible to reads but kept to answer a failing
    /// load. Nothing allocated in a cache that never keeps a value stale.
    @usableFromInline var _freshUntil = SlotTimes(vacant: .max)
    /// The last access and the write deadline of each entry, for a cache that expires entries after
    /// access; nothing allocated otherwise.
    @usableFromInline var _accessExpiry: AccessExpiry
    /// The keys that updates and bulk removals are reading outside the lock (``KeyWatch``).
    @usableFromInline var _watches: [Key: KeyWatch<Value>] = [:]
    /// Scratch space for the slots the wheel expires, kept to avoid allocating on every advance.
    @usableFromInline var _expiredSlots: [SlotIndex] = []
    /// The entries' weights and the eviction by weight in a weighted shard; `nil` in a
    /// count-bounded one.
    @usableFromInline let _evictor: WeightedEvictor?

    /// A count-bounded shard (`weights` `nil`), or a weighted one whose `policy` evicts by weight,
    /// whose entries expire `timeToIdle` nanoseconds after their last access (`Int64.max`: never).
    init(policy: any CachePolicy, clock: any CacheClock, weights: SlotWeights? = nil, timeToIdle: Int64 = .max) {
        _table = EntryTable()
        _policy = policy
        _evictor = weights.map { WeightedEvictor(weights: $0, policy: policy) }
        _clock = clock
        let systemNanoseconds = clock is ContinuousCacheClock ? ContinuousCacheClock.systemNanoseconds() : nil
        _readsSystemClock = systemNanoseconds != nil
        _accessExpiry = AccessExpiry(timeToIdle: timeToIdle, isDefaultClock: clock is ContinuousCacheClock)
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

    /// Whether the entry in `slot` has a deadline at or before the present, so that reads may not
    /// see it (the end of its TTL, for an entry kept past it: ``visibleDeadline(of:)``). Reads the
    /// wheel's deadline only while some entry has one, and the clock only for entries with a deadline.
    @inlinable @inline(__always)
    func isExpired(_ slot: SlotIndex) -> Bool {
        guard !_wheel.isEmpty else { return false }
        let deadline = visibleDeadline(of: slot)
        return deadline != .max && deadline <= now()
    }

    /// Looks `key` up (its `hashValue` given), counting a hit or a miss and recording the access
    /// with the policy. An expired entry is a miss, and departs.
    ///
    /// - Returns: the live entry's slot and value, or `nil`.
    /// - Complexity: O(1), no allocation; a clock read for an entry with a TTL.
    @inlinable @inline(__always)
    mutating func getEntry(
        _ key: Key,
        hashValue: Int,
        departures: inout Departures<Key, Value>
    ) -> (slot: SlotIndex, value: Value)? {
        guard let stored = _table.lookUp(key, hashValue: hashValue) else {
            _missCount &+= 1
            return nil
        }
        if isExpired(stored.slot) {
            _missCount &+= 1
            if !isKeptStale(stored.slot) { removeExpired(stored.slot, departures: &departures) }
            return nil
        }
        _hitCount &+= 1
        _policy.recordAccess(stored.slot)
        recordHitAccess(of: stored.slot)
        checkInvariantsIfEnabled()
        return stored
    }

    /// Stands for a clock reading not taken, where a reading would be passed.
    @usableFromInline
    static var timeNotRead: Int64 { .min }

    /// What a read-only lookup found.
    @usableFromInline
    enum Lookup {
        /// A live entry: its slot, its value, and the clock's reading taken to check its deadline
        /// (``timeNotRead`` for an entry without one), for a caller that needs the time too.
        case hit(SlotIndex, Value, readAt: Int64)
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
    /// With sliding expiry, a hit records its access in the slot's atomic word: the one store a
    /// reader makes to the state (``AccessExpiry/recordAccess(of:at:)``).
    ///
    /// - Complexity: O(1); a clock read for an entry with a TTL, or with sliding expiry.
    @inlinable @inline(__always)
    static func lookUp(_ key: Key, hashValue: Int, in state: UnsafeMutablePointer<Self>) -> Lookup {
        guard let stored = state.pointee._table.lookUp(key, hashValue: hashValue) else { return .miss }
        if !state.pointee._wheel.isEmpty {
            if state.pointee._accessExpiry.isEnabled { return lookUpSliding(stored, in: state) }
            let deadline = state.pointee._wheel.deadline(of: stored.slot)
            if deadline != .max {
                let present = state.pointee.now()
                if deadline <= present { return .expired }
                // Kept past its TTL for a failing load: invisible, but it stays.
                if state.pointee._freshUntil.time(of: stored.slot) <= present { return .miss }
                return .hit(stored.slot, stored.value, readAt: present)
            }
        }
        return .hit(stored.slot, stored.value, readAt: timeNotRead)
    }

    /// ``lookUp(_:hashValue:in:)``'s answer for the entry `stored` under sliding expiry, where every
    /// entry has a deadline: checks its TTL on the precise clock if it has one, and its idle
    /// deadline (not the wheel's, which may be early) on the coarse clock with the default clock
    /// (``AccessExpiry``); then records the hit's access.
    @inlinable @inline(__always)
    static func lookUpSliding(
        _ stored: (slot: SlotIndex, value: Value),
        in state: UnsafeMutablePointer<Self>
    ) -> Lookup {
        let slot = stored.slot
        var present = timeNotRead
        let writeDeadline = state.pointee._accessExpiry.writeDeadline(of: slot)
        let endOfTTL = min(writeDeadline, state.pointee._freshUntil.time(of: slot))
        if endOfTTL != .max {
            present = state.pointee.now()
            if writeDeadline <= present { return .expired }
            // Kept past its TTL for a failing load: invisible, but it stays.
            if endOfTTL <= present { return .miss }
        }
        if let coarseClock = state.pointee._accessExpiry.coarseClock {
            let earliest = coarseClock.lowerBound()
            if state.pointee._accessExpiry.idleDeadline(of: slot) <= earliest { return .expired }
            state.pointee._accessExpiry.recordAccess(of: slot, at: earliest &+ coarseClock.resolution)
        } else {
            if present == timeNotRead { present = state.pointee.now() }
            if state.pointee._accessExpiry.idleDeadline(of: slot) <= present { return .expired }
            state.pointee._accessExpiry.recordAccess(of: slot, at: present)
        }
        return .hit(slot, stored.value, readAt: present)
    }

    /// Stores `value` for `key` (its `hashValue` given) to live `ttl` (which is not `.expired`),
    /// weighing `weight` in a weighted shard (ignored in a count-bounded one). The value it replaces
    /// departs (``RemovalCause/replaced``, or ``RemovalCause/expired`` if its deadline had passed),
    /// as do the entries evicted to make room.
    ///
    /// - Complexity: amortized O(1): no hash of `key`, but one of an evicted key. With entries that
    ///   have a TTL, one clock read and an amortized O(1) advance of the timer wheel. In a weighted
    ///   shard, O(k) more for k entries evicted.
    @inlinable @inline(__always)
    mutating func set(
        _ key: Key,
        _ value: Value,
        ttl: TimeToLive,
        weight: Int,
        hashValue: Int,
        departures: inout Departures<Key, Value>
    ) {
        noteWrite(of: key)
        let (present, deadline) = advanceTime(for: ttl, departures: &departures)
        if let (slot, oldValue) = _table.replaceValue(ofKey: key, hashValue: hashValue, with: value) {
            // `present` not read: no entry has a deadline, so this one has not passed it.
            if present != Self.timeNotRead && visibleDeadline(of: slot) <= present {
                _expirationCount &+= 1
                departures.append(key, oldValue, cause: .expired)
            } else {
                _replacementCount &+= 1
                departures.append(key, oldValue, cause: .replaced)
            }
            forgetLoadTerms(of: slot)
            _policy.recordAccess(slot)
            setDeadline(deadline, of: slot, writtenAt: present, departures: &departures)
            if _evictor != nil { reweigh(slot, weight: weight, departures: &departures) }
            checkInvariantsIfEnabled()
            return
        }
        insertNew(
            key,
            value,
            weight: weight,
            hashValue: hashValue,
            deadline: deadline,
            writtenAt: present,
            departures: &departures
        )
    }

    /// Stores `value` for `key` (its `hashValue` given) only if `key` has no live entry (an expired
    /// one counts as absent, and departs).
    ///
    /// - Returns: whether `value` was stored (it may have been evicted at once, as the newcomer a
    ///   policy refuses).
    @inlinable
    mutating func setIfAbsent(
        _ key: Key,
        _ value: Value,
        ttl: TimeToLive,
        weight: Int,
        hashValue: Int,
        departures: inout Departures<Key, Value>
    ) -> Bool {
        let (present, deadline) = advanceTime(for: ttl, departures: &departures)
        if let slot = _table.slot(of: key, hashValue: hashValue) {
            guard visibleDeadline(of: slot) <= present else { return false }
            removeExpired(slot, departures: &departures)
        }
        noteWrite(of: key)
        insertNew(
            key,
            value,
            weight: weight,
            hashValue: hashValue,
            deadline: deadline,
            writtenAt: present,
            departures: &departures
        )
        return true
    }

    /// Removes `key`'s entry (its `hashValue` given), which departs for `cause` (an explicit
    /// removal or an invalidation, both counted as explicit removals).
    ///
    /// - Returns: the removed value if it was live; `nil` if there was none or it had expired (then
    ///   it departs as expired, and is counted so).
    @inlinable
    mutating func remove(
        _ key: Key,
        hashValue: Int,
        cause: RemovalCause = .explicit,
        departures: inout Departures<Key, Value>
    ) -> Value? {
        noteWrite(of: key)
        guard let slot = _table.slot(of: key, hashValue: hashValue) else { return nil }
        if isExpired(slot) {
            removeExpired(slot, departures: &departures)
            return nil
        }
        _wheel.cancel(slot)
        _policy.recordRemoval(slot)
        let entry = removeEntry(at: slot)
        _explicitRemovalCount &+= 1
        checkInvariantsIfEnabled()
        departures.append(entry.key, entry.value, cause: cause)
        return entry.value
    }

    /// Removes every entry. Those past their deadline depart expired, as ``removeExpired(departures:)``
    /// removes them; then the old table departs whole, every entry in it for `cause` (an explicit
    /// removal or an invalidation, both counted as explicit removals), to be released after
    /// unlocking.
    ///
    /// - Complexity: amortized O(1) per expired entry, plus O(k) for the k entries due within the
    ///   present second; the rest O(1) (an empty table is allocated in its place).
    @inlinable
    mutating func removeAll(cause: RemovalCause = .explicit, departures: inout Departures<Key, Value>) {
        noteEveryChange()
        _ = removeExpired(departures: &departures)
        _explicitRemovalCount &+= _table.count
        _policy.removeAll()
        _wheel.removeAll()
        _evictor?.weights.removeAll()
        _refreshDeadlines.removeAll()
        _freshUntil.removeAll()
        var old = EntryTable<Key, Value>()
        swap(&old, &_table)
        checkInvariantsIfEnabled()
        departures.appendCleared(old, cause: cause)
    }

    /// Removes every entry whose deadline is at or before the present; they depart.
    ///
    /// - Returns: the number of entries removed.
    /// - Complexity: amortized O(1) per entry with a TTL, plus O(k) for the k entries due within
    ///   the present second; O(1) when no entry has a TTL.
    @usableFromInline
    mutating func removeExpired(departures: inout Departures<Key, Value>) -> Int {
        guard !_wheel.isEmpty else { return 0 }
        let present = now()
        _wheel.expireAll(upTo: present, expired: &_expiredSlots)
        return takeExpiredSlots(at: present, departures: &departures)
    }

    // MARK: Writes

    /// Inserts a new entry, written at `present` (``advanceTime(for:departures:)``'s reading); the
    /// entry evicted to make room, if any (possibly the new one), departs. In a weighted shard,
    /// ``insertNewWeighted(_:_:weight:hashValue:deadline:writtenAt:departures:)``.
    @inlinable @inline(never)
    mutating func insertNew(
        _ key: Key,
        _ value: Value,
        weight: Int,
        hashValue: Int,
        deadline: Int64,
        writtenAt present: Int64,
        departures: inout Departures<Key, Value>
    ) {
        guard _evictor == nil else {
            insertNewWeighted(
                key,
                value,
                weight: weight,
                hashValue: hashValue,
                deadline: deadline,
                writtenAt: present,
                departures: &departures
            )
            return
        }
        let slot = _table.insert(key, value, hashValue: hashValue)
        let victim = _policy.recordInsertion(slot, hash: policyHash(ofHashValue: hashValue))
        if victim != .none {
            _wheel.cancel(victim)
            forgetLoadTerms(of: victim)
            let evicted = _table.removeEntry(at: victim)
            _evictionCount &+= 1
            departures.append(evicted.key, evicted.value, cause: .evicted)
        }
        if victim != slot {
            setDeadline(deadline, of: slot, writtenAt: present, departures: &departures)
        }
        checkInvariantsIfEnabled()
    }

    /// Removes the entry in `slot` from the table, and its weight in a weighted shard; the policy
    /// and the wheel are the caller's.
    @inlinable
    mutating func removeEntry(at slot: SlotIndex) -> Entry {
        _evictor?.weights.clearWeight(of: slot)
        forgetLoadTerms(of: slot)
        return _table.removeEntry(at: slot)
    }

    /// Reads the clock if `ttl` needs it, entries have deadlines or entries expire after access,
    /// and expires what the wheel finds due.
    ///
    /// - Returns: the present (`Int64.min` when the clock was not read: then no entry has a
    ///   deadline, so none is at or before it), and the deadline for `ttl` (`Int64.max`: none).
    @inlinable
    mutating func advanceTime(
        for ttl: TimeToLive,
        departures: inout Departures<Key, Value>
    ) -> (present: Int64, deadline: Int64) {
        guard case .nanoseconds(let nanoseconds) = ttl else {
            guard !_wheel.isEmpty || _accessExpiry.isEnabled else { return (.min, .max) }
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
        if !_expiredSlots.isEmpty { takeExpiredSlots(at: present, departures: &departures) }
    }

    /// Gives `slot` its write deadline (`Int64.max`: none), noting that a deadline was set. With
    /// sliding expiry, the wheel holds the earlier of it and the slot's last access plus the idle
    /// time; a write passes its clock reading as `present`, which is its access (``timeNotRead``:
    /// not a write, the last access stays).
    @inlinable
    mutating func setDeadline(
        _ deadline: Int64,
        of slot: SlotIndex,
        writtenAt present: Int64 = timeNotRead,
        departures: inout Departures<Key, Value>
    ) {
        if _accessExpiry.isEnabled {
            setSlidingDeadline(deadline, of: slot, writtenAt: present, departures: &departures)
            return
        }
        guard deadline != .max else {
            if !_wheel.isEmpty { _wheel.cancel(slot) }
            return
        }
        _wheel.schedule(slot, at: deadline)
        departures.scheduledDeadline = true
    }

    /// Removes the expired entry in `slot`, counting it; it departs.
    @usableFromInline
    mutating func removeExpired(_ slot: SlotIndex, departures: inout Departures<Key, Value>) {
        _wheel.cancel(slot)
        _policy.recordRemoval(slot)
        _expirationCount &+= 1
        let entry = removeEntry(at: slot)
        checkInvariantsIfEnabled()
        departures.append(entry.key, entry.value, cause: .expired)
    }

    /// Removes the entries of the slots the wheel reported expired at `present` (it has forgotten
    /// them already); they depart. Under sliding expiry, those accessed since they were scheduled
    /// are scheduled again instead.
    ///
    /// - Returns: the number of entries removed.
    @inlinable @inline(never) @discardableResult
    mutating func takeExpiredSlots(at present: Int64, departures: inout Departures<Key, Value>) -> Int {
        var count = 0
        for slot in _expiredSlots {
            if rescheduleIfAccessed(slot, at: present) { continue }
            count += 1
            _policy.recordRemoval(slot)
            let entry = removeEntry(at: slot)
            departures.append(entry.key, entry.value, cause: .expired)
        }
        _expirationCount &+= count
        // Keep the scratch space unless a mass expiry grew it.
        _expiredSlots.removeAll(keepingCapacity: _expiredSlots.count <= 1024)
        checkInvariantsIfEnabled()
        return count
    }

    // MARK: Statistics and invariants

    /// The counters as a snapshot.
    var stats: CacheStats {
        CacheStats(
            hitCount: _hitCount,
            missCount: _missCount,
            evictionCount: _evictionCount,
            evictionWeight: _evictor == nil ? _evictionCount : _evictionWeight,
            expirationCount: _expirationCount,
            explicitRemovalCount: _explicitRemovalCount,
            replacementCount: _replacementCount,
            loadSuccessCount: _loadSuccessCount,
            loadFailureCount: _loadFailureCount,
            totalLoadTime: _totalLoadTime,
            refreshCount: _refreshCount,
            refreshFailureCount: _refreshFailureCount,
            staleServedCount: _staleServedCount
        )
    }

    /// Traps if the table, the policy and the wheel disagree or are inconsistent. O(n).
    @usableFromInline
    func checkInvariants() {
        _table.checkInvariants()
        precondition(_table.count <= _policy.capacity, "count \(_table.count) above capacity \(_policy.capacity)")
        _policy.checkInvariants(residentCount: _table.count)
        _wheel.checkInvariants(isResident: { _table.isOccupied($0) })
        for slot in _refreshDeadlines.occupiedSlots {
            precondition(_table.isOccupied(slot), "refresh deadline for empty slot \(slot)")
        }
        for slot in _freshUntil.occupiedSlots {
            precondition(_table.isOccupied(slot), "end of TTL kept for empty slot \(slot)")
            precondition(
                _freshUntil.time(of: slot) < writeDeadline(of: slot),
                "stale slot \(slot) leaves before its TTL ends"
            )
        }
        if _accessExpiry.isEnabled {
            precondition(
                _wheel.scheduledCount == _table.count,
                "\(_table.count) entries but \(_wheel.scheduledCount) in the wheel under sliding expiry"
            )
            _table.forEachOccupiedSlot { index in
                let slot = SlotIndex(truncatingIfNeeded: index)
                precondition(
                    _wheel.deadline(of: slot) <= _accessExpiry.leaveDeadline(of: slot),
                    "slot \(slot) is due in the wheel after it leaves"
                )
            }
        }
        if let weights = _evictor?.weights {
            weights.checkInvariants(isResident: { _table.isOccupied($0) })
            precondition(!weights.isOverweight, "total weight \(weights.total) above \(weights.maximum)")
        }
    }

    /// Calls ``checkInvariants()`` in builds compiled with `THEINE_INTERNAL_CHECKS`; nothing otherwise.
    @inlinable @inline(__always)
    func checkInvariantsIfEnabled() {
        #if THEINE_INTERNAL_CHECKS
        checkInvariants()
        #endif
    }
}
