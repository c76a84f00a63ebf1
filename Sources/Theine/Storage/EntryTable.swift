/// The cache's entries: an open-addressing hash index from key to slot, and each slot's key and
/// value.
///
/// An entry keeps its slot for as long as it is in the cache, so the eviction policy and the timer
/// wheel refer to it by a 4-byte index instead of a reference: no object per entry, no reference
/// counting on links. Freed slots are reused before the storage grows, so the storage holds no
/// more slots than the cache held entries at its peak, and grows with the entries, not with the
/// capacity. Deadlines are the timer wheel's.
///
/// The index is a power-of-two array of 8-byte buckets probed linearly, at most three quarters
/// full: a bucket is empty (0) or holds an entry's slot plus one in its high half and the low 32
/// bits of its key's `hashValue` in its low half. A lookup compares those bits before it reads an
/// entry, so a probe past other keys reads only the index, and a hit reads one bucket and one
/// entry (key and value side by side): two cache lines, where a `Dictionary` of keys to slots and
/// values reads its keys and its values from two arrays besides its bitmap. Removal shifts the
/// following buckets back (no tombstones), and growth re-places buckets from their stored bits
/// without hashing a key again.
///
/// Not thread-safe: guarded by the cache's shard, like everything in ``CacheState``; lookups may
/// run in parallel with each other, and read only the three stored pointers and the mask.
///
/// The type is noncopyable: it owns its buckets and entries, which `deinit` releases. The cache's
/// `removeAll` swaps in an empty table and drops the old one, with its entries, after unlocking.
/// Readers reach the three fields they need through the shard's pointer to its state, so a
/// lookup does no reference counting.
@usableFromInline
struct EntryTable<Key: Hashable, Value>: ~Copyable {
    // Memory: `_buckets` points to `_bucketMask + 1` initialized buckets; `_entries` to
    // `_slotCapacity` entries, of which those marked in `_occupied` are initialized; `_occupied`
    // to a bit per slot of `_slotCapacity`, in initialized words; all three allocated by this table
    // and freed by its `deinit` (or when they grow). Every occupied slot is in exactly one bucket,
    // and every free slot below `_slotCount` is in `_freeSlots`.

    /// An entry: its key and value, stored by slot; also what leaves the table, to be released
    /// after unlocking.
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

    @usableFromInline var _buckets: UnsafeMutablePointer<UInt64>
    @usableFromInline var _bucketMask: Int
    @usableFromInline var _entries: UnsafeMutablePointer<Entry>
    /// One bit a slot: set while the slot holds an entry.
    @usableFromInline var _occupied: UnsafeMutablePointer<UInt64>
    @usableFromInline var _slotCapacity: Int
    /// Slots handed out so far: every slot below is occupied or free.
    @usableFromInline var _slotCount = 0
    @usableFromInline var _freeSlots: [SlotIndex] = []

    /// The number of entries.
    @usableFromInline private(set) var count = 0
    /// The insertions so far: a walk over the slots that sees it change knows an entry may have
    /// moved to a slot it had not reached yet.
    @usableFromInline private(set) var insertionCount = 0

    private static var initialBucketCount: Int { 8 }
    private static var initialSlotCapacity: Int { 64 }

    @usableFromInline
    init() {
        _bucketMask = Self.initialBucketCount - 1
        _buckets = .allocate(capacity: Self.initialBucketCount)
        _buckets.initialize(repeating: 0, count: Self.initialBucketCount)
        _slotCapacity = Self.initialSlotCapacity
        _entries = .allocate(capacity: _slotCapacity)
        _occupied = .allocate(capacity: Self.wordCount(forSlots: _slotCapacity))
        _occupied.initialize(repeating: 0, count: Self.wordCount(forSlots: _slotCapacity))
    }

    // Inlinable, and with nothing it calls out of view: with a deinit the optimizer could not
    // inline, Swift 6.3 crashed compiling the state's inlinable accessors ("Should never be
    // inlining a resilient function into a fragile function").
    @inlinable
    deinit {
        forEachOccupiedSlot { (_entries + $0).deinitialize(count: 1) }
        _occupied.deallocate()
        _entries.deallocate()
        _buckets.deallocate()
    }

    /// Calls `body` with each occupied slot, in order, from the bitmap.
    ///
    /// - Complexity: O(slots handed out / 64 + entries).
    @inlinable
    func forEachOccupiedSlot(_ body: (Int) -> Void) {
        for wordIndex in 0..<Self.wordCount(forSlots: _slotCount) {
            var word = _occupied[wordIndex]
            while word != 0 {
                body(wordIndex << 6 | word.trailingZeroBitCount)
                word &= word - 1
            }
        }
    }

    /// Calls `body` with each occupied slot of `slots` (whose bounds are multiples of 64), in order.
    ///
    /// - Complexity: O(slots / 64 + entries among them).
    @inlinable
    func forEachOccupiedSlot(in slots: Range<Int>, _ body: (Int) -> Void) {
        let words = (slots.lowerBound >> 6)..<min(slots.upperBound >> 6, Self.wordCount(forSlots: _slotCount))
        for wordIndex in words {
            var word = _occupied[wordIndex]
            while word != 0 {
                body(wordIndex << 6 | word.trailingZeroBitCount)
                word &= word - 1
            }
        }
    }

    /// The number of slots handed out so far: every occupied slot is below.
    @inlinable
    var slotCount: Int { _slotCount }

    /// The entry in `slot`, which must hold one.
    @inlinable
    func entry(at slot: Int) -> Entry { _entries[slot] }

    /// Calls `body` with every entry, in slot order.
    ///
    /// - Complexity: O(slots handed out / 64 + entries).
    @inlinable
    func forEachEntry(_ body: (borrowing Entry) -> Void) {
        forEachOccupiedSlot { body(_entries[$0]) }
    }

    /// The words of a bitmap of `slots` bits.
    @inlinable
    static func wordCount(forSlots slots: Int) -> Int {
        (slots + 63) >> 6
    }

    // MARK: Lookups

    /// The slot of `key`'s entry, found through the buckets of `hashValue` (the key's), or `nil`.
    ///
    /// - Complexity: O(1) on average: at most three quarters of the buckets are full, so a probe
    ///   ends within a few buckets, nearly always on one cache line of them; an entry is read only
    ///   where the stored hash bits match.
    @inlinable @inline(__always)
    func slot(of key: Key, hashValue: Int) -> SlotIndex? {
        let buckets = _buckets
        let mask = _bucketMask
        let entries = _entries
        let bits = UInt32(truncatingIfNeeded: hashValue)
        var index = Int(truncatingIfNeeded: hashValue) & mask
        while true {
            let bucket = buckets[index]
            guard bucket != 0 else { return nil }
            if UInt32(truncatingIfNeeded: bucket) == bits {
                let slot = Int(bucket >> 32) - 1
                if entries[slot].key == key { return SlotIndex(truncatingIfNeeded: slot) }
            }
            index = (index + 1) & mask
        }
    }

    /// The slot of `key`'s entry, or `nil`.
    ///
    /// - Complexity: O(1) on average: one hash of `key`.
    @inlinable @inline(__always)
    func slot(of key: Key) -> SlotIndex? {
        slot(of: key, hashValue: hashValue(of: key))
    }

    /// The slot and value of `key`'s entry, found through the buckets of `hashValue` (the key's),
    /// or `nil`.
    ///
    /// - Complexity: O(1) on average.
    @inlinable @inline(__always)
    func lookUp(_ key: Key, hashValue: Int) -> (slot: SlotIndex, value: Value)? {
        guard let slot = slot(of: key, hashValue: hashValue) else { return nil }
        return (slot, _entries[Int(slot)].value)
    }

    /// Whether `slot` holds an entry.
    func isOccupied(_ slot: SlotIndex) -> Bool {
        let index = Int(slot)
        return index >= 0 && index < _slotCount && _occupied[index >> 6] & (1 << (index & 63)) != 0
    }

    // MARK: Changes

    /// Replaces the value of `key`'s entry (its `hashValue` given), if there is one, and returns
    /// its slot and old value.
    ///
    /// - Complexity: O(1) on average; the value is replaced in place.
    @inlinable
    mutating func replaceValue(ofKey key: Key, hashValue: Int, with value: Value) -> (slot: SlotIndex, oldValue: Value)?
    {
        guard let slot = slot(of: key, hashValue: hashValue) else { return nil }
        return (slot, replaceValue(at: slot, with: value))
    }

    /// Replaces the value in `slot`, which must hold an entry, and returns the old one.
    ///
    /// - Complexity: O(1); in place.
    @inlinable
    mutating func replaceValue(at slot: SlotIndex, with value: Value) -> Value {
        var value = value
        swap(&_entries[Int(slot)].value, &value)
        return value
    }

    /// Stores a new entry for `key` (its `hashValue` given), which must not be in the table, and
    /// returns its slot.
    ///
    /// - Complexity: amortized O(1): the buckets and the entries grow by doubling.
    @inlinable
    mutating func insert(_ key: Key, _ value: Value, hashValue: Int) -> SlotIndex {
        if (count + 1) * 4 > (_bucketMask + 1) * 3 { growBuckets() }
        let slot = takeSlot()
        (_entries + Int(slot)).initialize(to: Entry(key: key, value: value))
        place(Self.bucket(slot: slot, hashValue: hashValue))
        count += 1
        insertionCount &+= 1
        return slot
    }

    /// Removes the entry in `slot`, which must hold one, and returns it.
    ///
    /// - Complexity: O(1) on average: one hash of the entry's key, and a shift of the buckets that
    ///   follow its bucket in the same run.
    @inlinable
    mutating func removeEntry(at slot: SlotIndex) -> Entry {
        let hashValue = hashValue(of: _entries[Int(slot)].key)
        let wanted = Self.bucket(slot: slot, hashValue: hashValue)
        var index = homeIndex(of: wanted)
        while _buckets[index] != wanted {
            precondition(_buckets[index] != 0, "slot \(slot) is in no bucket")
            index = (index + 1) & _bucketMask
        }
        removeBucket(at: index)
        count -= 1
        _occupied[Int(slot) >> 6] &= ~(1 << (Int(slot) & 63))
        _freeSlots.append(slot)
        return (_entries + Int(slot)).move()
    }

    /// The bucket value for `slot` and a key with `hashValue`.
    @inlinable @inline(__always)
    static func bucket(slot: SlotIndex, hashValue: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: slot) + 1) << 32 | UInt64(UInt32(truncatingIfNeeded: hashValue))
    }

    /// The bucket where a search for the entry of `bucket` starts.
    @inlinable @inline(__always)
    func homeIndex(of bucket: UInt64) -> Int {
        Int(UInt32(truncatingIfNeeded: bucket)) & _bucketMask
    }

    /// Stores `bucket` in the first empty bucket from its home on.
    @inlinable
    mutating func place(_ bucket: UInt64) {
        var index = homeIndex(of: bucket)
        while _buckets[index] != 0 { index = (index + 1) & _bucketMask }
        _buckets[index] = bucket
    }

    /// Empties the bucket at `index`, moving back each later bucket of its run whose search would
    /// otherwise pass the gap, so that every search still finds its entry (linear probing's
    /// deletion without tombstones).
    @inlinable
    mutating func removeBucket(at index: Int) {
        var gap = index
        var next = (index + 1) & _bucketMask
        while _buckets[next] != 0 {
            // The bucket at `next` may fill the gap unless its home lies after the gap (cyclically,
            // within gap+1 ... next).
            let distanceFromHome = (next - homeIndex(of: _buckets[next])) & _bucketMask
            let distanceFromGap = (next - gap) & _bucketMask
            if distanceFromHome >= distanceFromGap {
                _buckets[gap] = _buckets[next]
                gap = next
            }
            next = (next + 1) & _bucketMask
        }
        _buckets[gap] = 0
    }

    /// A free slot, marked occupied: a freed one if any, else the next, growing the entries.
    @inlinable
    mutating func takeSlot() -> SlotIndex {
        let slot: Int
        if let free = _freeSlots.popLast() {
            slot = Int(free)
        } else {
            if _slotCount == _slotCapacity { growEntries() }
            // The cache holds at most its capacity (an Int32) plus the entry being inserted.
            precondition(_slotCount < Int(Int32.max), "more entries than 32-bit slots can address")
            slot = _slotCount
            _slotCount += 1
        }
        _occupied[slot >> 6] |= 1 << (slot & 63)
        return SlotIndex(truncatingIfNeeded: slot)
    }

    /// Doubles the entries' memory (and the bitmap's), moving the occupied entries over.
    ///
    /// Specialized in the client (`@inlinable`) but not inlined into `insert`: unspecialized, each
    /// entry's move looked up the entry type's metadata at run time.
    @inlinable @inline(never)
    mutating func growEntries() {
        let grownCapacity = 2 * _slotCapacity
        let grown = UnsafeMutablePointer<Entry>.allocate(capacity: grownCapacity)
        forEachOccupiedSlot { (grown + $0).moveInitialize(from: _entries + $0, count: 1) }
        _entries.deallocate()
        _entries = grown
        let grownOccupied = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.wordCount(forSlots: grownCapacity))
        let words = Self.wordCount(forSlots: _slotCapacity)
        grownOccupied.moveInitialize(from: _occupied, count: words)
        (grownOccupied + words).initialize(repeating: 0, count: Self.wordCount(forSlots: grownCapacity) - words)
        _occupied.deallocate()
        _occupied = grownOccupied
        _slotCapacity = grownCapacity
    }

    /// Doubles the buckets and places every entry again from its stored hash bits.
    @inlinable @inline(never)
    mutating func growBuckets() {
        let oldBuckets = _buckets
        let oldCount = _bucketMask + 1
        let newCount = 2 * oldCount
        precondition(newCount <= 1 << 32, "more entries than 32 bits of hash can place")
        _buckets = .allocate(capacity: newCount)
        _buckets.initialize(repeating: 0, count: newCount)
        _bucketMask = newCount - 1
        for oldIndex in 0..<oldCount where oldBuckets[oldIndex] != 0 {
            place(oldBuckets[oldIndex])
        }
        oldBuckets.deallocate()
    }

    // MARK: Invariants

    /// Traps unless the buckets and the slots agree: each full bucket holds an occupied slot whose
    /// key hashes to its stored bits and is found from its home, each occupied slot is in one bucket,
    /// and every slot handed out is occupied or free.
    func checkInvariants() {
        var full = 0
        for index in 0...(_bucketMask) where _buckets[index] != 0 {
            let bucket = _buckets[index]
            let slot = SlotIndex(truncatingIfNeeded: Int(bucket >> 32) - 1)
            precondition(isOccupied(slot), "bucket \(index) holds free slot \(slot)")
            let key = _entries[Int(slot)].key
            precondition(
                UInt32(truncatingIfNeeded: hashValue(of: key)) == UInt32(truncatingIfNeeded: bucket),
                "bucket \(index) holds other hash bits than its key's"
            )
            precondition(self.slot(of: key) == slot, "the key of slot \(slot) is not found from its home")
            full += 1
        }
        precondition(full == count, "\(full) full buckets for \(count) entries")
        precondition(count * 4 <= (_bucketMask + 1) * 3, "buckets over three quarters full")
        precondition(
            count + _freeSlots.count == _slotCount,
            "slots lost: \(count) used, \(_freeSlots.count) free, \(_slotCount) in all"
        )
        for slot in _freeSlots {
            precondition(!isOccupied(slot), "free slot \(slot) holds an entry")
        }
    }
}

/// The `hashValue` of `key`, asked for as `Dictionary` asks, through `_rawHashValue(seed: 0)`
/// (which `hashValue` equals): there a type may hash in one shot (`Int`, an `ArgumentsKey` of one
/// argument), where `hashValue` feeds a whole `Hasher`. The cache hashes a key once a call with it,
/// for the shard, the table and the policy alike.
@inlinable @inline(__always)
func hashValue<Key: Hashable>(of key: Key) -> Int {
    key._rawHashValue(seed: 0)
}
