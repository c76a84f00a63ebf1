/// The cache's entries: the map from key to slot and value, and the key of each slot.
///
/// An entry keeps its slot for as long as it is in the cache, so the eviction policy and the timer
/// wheel refer to it by a 4-byte index instead of a reference: no object per entry, no reference
/// counting on links. The value sits in the map beside the slot, so a hit reads the map and nothing
/// else; the slot's key lets eviction by slot find the map's entry. Freed slots are reused before
/// the storage grows, so the storage holds no more slots than the cache held entries at its peak,
/// and grows with the entries, not with the capacity. Deadlines are the timer wheel's.
///
/// Not thread-safe: guarded by the cache's shard, like everything in ``CacheState``; lookups may
/// run in parallel with each other.
@usableFromInline
struct EntryTable<Key: Hashable, Value> {
    /// What the map holds for a key: its slot and its value.
    @usableFromInline
    struct Stored {
        @usableFromInline var slot: SlotIndex
        @usableFromInline var value: Value

        @inlinable
        init(slot: SlotIndex, value: Value) {
            self.slot = slot
            self.value = value
        }
    }

    /// An entry that left the table, handed out to be released after unlocking.
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Key
        @usableFromInline var value: Value

        @inlinable
        init(key: Key, value: Value) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline var _storedOfKey: [Key: Stored] = [:]
    @usableFromInline var _keyOfSlot: ContiguousArray<Key?> = []
    @usableFromInline var _freeSlots: [SlotIndex] = []

    @inlinable
    init() {}

    /// The number of entries.
    @inlinable
    var count: Int {
        @inline(__always) get { _storedOfKey.count }
    }

    /// The slot and value of `key`'s entry, or `nil`.
    ///
    /// - Complexity: O(1) on average: one hash of `key`.
    @inlinable @inline(__always)
    func lookUp(_ key: Key) -> Stored? {
        _storedOfKey[key]
    }

    /// The slot of `key`'s entry, or `nil`.
    ///
    /// - Complexity: O(1) on average: one hash of `key`.
    @inlinable @inline(__always)
    func slot(of key: Key) -> SlotIndex? {
        _storedOfKey[key]?.slot
    }

    /// Whether `slot` holds an entry.
    func isOccupied(_ slot: SlotIndex) -> Bool {
        Int(slot) < _keyOfSlot.count && _keyOfSlot[Int(slot)] != nil
    }

    /// Replaces the value of `key`'s entry, if there is one, and returns its slot and old value.
    ///
    /// - Complexity: O(1) on average: one hash of `key`; the value is replaced in place.
    @inlinable
    mutating func replaceValue(ofKey key: Key, with value: Value) -> (slot: SlotIndex, oldValue: Value)? {
        guard let index = _storedOfKey.index(forKey: key) else { return nil }
        let slot = _storedOfKey.values[index].slot
        var value = value
        swap(&_storedOfKey.values[index].value, &value)
        return (slot, value)
    }

    /// Stores a new entry for `key`, which must not be in the table, and returns its slot.
    ///
    /// - Complexity: amortized O(1): one hash of `key`; the storage grows by doubling.
    @inlinable
    mutating func insert(_ key: Key, _ value: Value) -> SlotIndex {
        let slot: SlotIndex
        if let free = _freeSlots.popLast() {
            slot = free
            _keyOfSlot[Int(slot)] = key
        } else {
            slot = SlotIndex(_keyOfSlot.count)
            _keyOfSlot.append(key)
        }
        _storedOfKey[key] = Stored(slot: slot, value: value)
        return slot
    }

    /// Removes the entry in `slot`, which must hold one, and returns it.
    ///
    /// The slot's copy of the key is released here; the returned copy keeps the key alive, so the
    /// caller decides where the key is finally released (after unlocking).
    ///
    /// - Complexity: O(1) on average: one hash of the entry's key.
    @inlinable
    mutating func removeEntry(at slot: SlotIndex) -> Entry {
        let key = _keyOfSlot[Int(slot)].unsafelyUnwrapped
        _keyOfSlot[Int(slot)] = nil
        _freeSlots.append(slot)
        let stored = _storedOfKey.removeValue(forKey: key).unsafelyUnwrapped
        return Entry(key: key, value: stored.value)
    }

    /// Empties the table, returning the old contents so that the caller can release them later.
    @inlinable
    mutating func removeAll() -> EntryTable {
        let old = self
        self = EntryTable()
        return old
    }

    /// Traps unless the map and the slots agree: every key maps to a slot holding that key, and
    /// every slot is either in use by one key or on the free list.
    func checkInvariants() {
        var used = 0
        for (key, stored) in _storedOfKey {
            precondition(_keyOfSlot[Int(stored.slot)] == key, "key maps to slot \(stored.slot) holding another key")
            used += 1
        }
        precondition(used + _freeSlots.count == _keyOfSlot.count, "slots lost: \(used) used, \(_freeSlots.count) free, \(_keyOfSlot.count) in all")
        for slot in _freeSlots {
            precondition(_keyOfSlot[Int(slot)] == nil, "free slot \(slot) holds an entry")
        }
    }
}
