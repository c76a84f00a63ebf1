/// The largest capacity a cache accepts: slots are addressed by `Int32`, `-1` being the null link.
let maximumCacheCapacity = Int(Int32.max)

/// Everything a ``Cache`` guards with its lock: the entries, the policy and the counters.
///
/// Guarded by: the `LockedState` lock of the owning ``Cache``; reachable only through
/// `withLock`, so every method here runs with the lock held.
///
/// Invariants (checked by `checkInvariants()`): the table and the policy hold the same entries;
/// `table.count <= capacity`; the counters only grow.
///
/// User code that runs here: the key's `hash(into:)` and `==` (map lookups). Keys and values that
/// leave the cache are returned to the caller, which releases them after unlocking, so a `deinit`
/// that calls back into the cache does not deadlock.
@usableFromInline
struct CacheState<Key: Hashable, Value> {
    @usableFromInline typealias Entry = EntryTable<Key, Value>.Entry

    @usableFromInline var _table = EntryTable<Key, Value>()
    @usableFromInline let _policy: any CachePolicy
    @usableFromInline var _hitCount = 0
    @usableFromInline var _missCount = 0
    @usableFromInline var _evictionCount = 0
    @usableFromInline var _isClosed = false

    init(policy: any CachePolicy) {
        _policy = policy
    }

    /// Looks `key` up, counting a hit or a miss and recording the access with the policy.
    ///
    /// - Complexity: O(1): one hash of `key`, no allocation.
    @inlinable @inline(__always)
    mutating func get(_ key: Key) -> Value? {
        guard let slot = _table.slot(of: key) else {
            _missCount &+= 1
            return nil
        }
        _hitCount &+= 1
        _policy.recordAccess(slot)
        checkInvariantsIfEnabled()
        return _table.value(at: slot)
    }

    /// Stores `value` for `key`. Returns what left the cache: the value it replaced, or the entry
    /// evicted to make room.
    ///
    /// - Complexity: amortized O(1): one hash of `key` for an overwrite; for a new key two hashes,
    ///   and one more for an evicted key.
    @inlinable
    mutating func set(_ key: Key, _ value: Value) -> (replaced: Value?, evicted: Entry?) {
        if let slot = _table.slot(of: key) {
            let replaced = _table.exchangeValue(at: slot, with: value)
            _policy.recordAccess(slot)
            checkInvariantsIfEnabled()
            return (replaced, nil)
        }
        return (nil, insertNew(key, value))
    }

    /// Stores `value` for `key` only if `key` has no entry. Returns whether it stored it, and the
    /// entry evicted to make room.
    @inlinable
    mutating func setIfAbsent(_ key: Key, _ value: Value) -> (stored: Bool, evicted: Entry?) {
        guard _table.slot(of: key) == nil else { return (false, nil) }
        return (true, insertNew(key, value))
    }

    @inlinable
    mutating func insertNew(_ key: Key, _ value: Value) -> Entry? {
        let slot = _table.insert(key, value)
        let victim = _policy.recordInsertion(slot, hash: policyHash(of: key))
        var evicted: Entry?
        if victim != .none {
            evicted = _table.removeEntry(at: victim)
            _evictionCount &+= 1
        }
        checkInvariantsIfEnabled()
        return evicted
    }

    /// Removes `key`'s entry, returning it.
    @inlinable
    mutating func remove(_ key: Key) -> Entry? {
        guard let (slot, entry) = _table.removeEntry(forKey: key) else { return nil }
        _policy.recordRemoval(slot)
        checkInvariantsIfEnabled()
        return entry
    }

    /// Removes every entry, returning the old table so that the caller releases it after unlocking.
    @inlinable
    mutating func removeAll() -> EntryTable<Key, Value> {
        _policy.removeAll()
        let old = _table.removeAll()
        checkInvariantsIfEnabled()
        return old
    }

    /// The counters as a snapshot.
    var stats: CacheStats {
        CacheStats(hitCount: _hitCount, missCount: _missCount, evictionCount: _evictionCount)
    }

    /// Traps if the table and policy disagree or are inconsistent. O(n).
    @usableFromInline
    func checkInvariants() {
        _table.checkInvariants()
        precondition(_table.count <= _policy.capacity, "count \(_table.count) above capacity \(_policy.capacity)")
        _policy.checkInvariants(residentCount: _table.count)
    }

    /// Calls ``checkInvariants()`` in builds compiled with `THEINE_INTERNAL_CHECKS`; nothing otherwise.
    @inlinable @inline(__always)
    func checkInvariantsIfEnabled() {
        #if THEINE_INTERNAL_CHECKS
        checkInvariants()
        #endif
    }
}
