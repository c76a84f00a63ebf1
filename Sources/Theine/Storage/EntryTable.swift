/// The cache's entries: keys and values in contiguous storage addressed by slot index, and the map
/// from key to slot.
///
/// An entry keeps its slot for as long as it is in the cache, so the eviction policy can refer to it
/// by a 4-byte index instead of a reference: no object per entry, no reference counting on links.
/// Freed slots are reused before the storage grows, so the storage holds no more slots than the
/// cache held entries at its peak, and grows with the entries, not with the capacity.
///
/// Not thread-safe: guarded by the cache's lock, like everything in ``CacheState``.
@usableFromInline
struct EntryTable<Key: Hashable, Value> {
    /// One entry: the key (kept here too, so eviction by slot can find the map's entry), the value,
    /// and the deadline in the cache clock's nanoseconds (`Int64.max`: none), kept beside the value so
    /// that a hit checks it without touching another cache line. The timer wheel holds the same
    /// deadline for its own ordering.
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        @usableFromInline var deadline: Int64

        @inlinable
        init(key: Key, value: Value) {
            self.key = key
            self.value = value
            deadline = .max
        }
    }

    @usableFromInline var _slotOfKey: [Key: SlotIndex] = [:]
    @usableFromInline var _entries: ContiguousArray<Entry?> = []
    @usableFromInline var _freeSlots: [SlotIndex] = []

    @inlinable
    init() {}

    /// The number of entries.
    @inlinable
    var count: Int {
        @inline(__always) get { _slotOfKey.count }
    }

    /// The slot of `key`'s entry, or `nil`.
    ///
    /// - Complexity: O(1) on average: one hash of `key`.
    @inlinable @inline(__always)
    func slot(of key: Key) -> SlotIndex? {
        _slotOfKey[key]
    }

    /// Whether `slot` holds an entry.
    func isOccupied(_ slot: SlotIndex) -> Bool {
        Int(slot) < _entries.count && _entries[Int(slot)] != nil
    }

    /// The value in `slot`, which must hold an entry.
    @inlinable @inline(__always)
    func value(at slot: SlotIndex) -> Value {
        _entries[Int(slot)].unsafelyUnwrapped.value
    }

    /// The deadline of the entry in `slot`, which must hold one (`Int64.max`: none).
    @inlinable @inline(__always)
    func deadline(at slot: SlotIndex) -> Int64 {
        _entries[Int(slot)].unsafelyUnwrapped.deadline
    }

    /// Sets the deadline of the entry in `slot`, which must hold one.
    @inlinable @inline(__always)
    mutating func setDeadline(_ deadline: Int64, at slot: SlotIndex) {
        _entries[Int(slot)]!.deadline = deadline
    }

    /// Replaces the value in `slot`, which must hold an entry, and returns the old one.
    @inlinable @inline(__always)
    mutating func exchangeValue(at slot: SlotIndex, with value: Value) -> Value {
        let old = _entries[Int(slot)].unsafelyUnwrapped.value
        _entries[Int(slot)]!.value = value
        return old
    }

    /// Stores a new entry for `key`, which must not be in the table, and returns its slot.
    ///
    /// - Complexity: amortized O(1): one hash of `key`; the storage grows by doubling.
    @inlinable
    mutating func insert(_ key: Key, _ value: Value) -> SlotIndex {
        let slot: SlotIndex
        if let free = _freeSlots.popLast() {
            slot = free
            _entries[Int(slot)] = Entry(key: key, value: value)
        } else {
            slot = SlotIndex(_entries.count)
            _entries.append(Entry(key: key, value: value))
        }
        _slotOfKey[key] = slot
        return slot
    }

    /// Removes `key`'s entry and returns it with the slot it had, or `nil` if there is none.
    ///
    /// - Complexity: O(1) on average: one hash of `key`.
    @inlinable
    mutating func removeEntry(forKey key: Key) -> (slot: SlotIndex, entry: Entry)? {
        guard let slot = _slotOfKey.removeValue(forKey: key) else { return nil }
        return (slot, vacate(slot))
    }

    /// Removes the entry in `slot`, which must hold one, and returns it.
    ///
    /// The map's copy of the key is released here; the returned copy keeps the key alive, so the
    /// caller decides where the key is finally released (after unlocking).
    ///
    /// - Complexity: O(1) on average: one hash of the entry's key.
    @inlinable
    mutating func removeEntry(at slot: SlotIndex) -> Entry {
        let entry = vacate(slot)
        _slotOfKey.removeValue(forKey: entry.key)
        return entry
    }

    @inlinable
    mutating func vacate(_ slot: SlotIndex) -> Entry {
        let entry = _entries[Int(slot)].unsafelyUnwrapped
        _entries[Int(slot)] = nil
        _freeSlots.append(slot)
        return entry
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
        for (key, slot) in _slotOfKey {
            precondition(_entries[Int(slot)]?.key == key, "key maps to slot \(slot) holding another entry")
            used += 1
        }
        precondition(used + _freeSlots.count == _entries.count, "slots lost: \(used) used, \(_freeSlots.count) free, \(_entries.count) in all")
        for slot in _freeSlots {
            precondition(_entries[Int(slot)] == nil, "free slot \(slot) holds an entry")
        }
    }
}
