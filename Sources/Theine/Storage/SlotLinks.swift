/// Intrusive doubly linked lists by slot index: one 8-byte record per slot, its `previous` and
/// `next` links side by side.
///
/// No node objects and no allocation per link: the records grow with the highest slot index in
/// use, so memory follows the number of entries, not the cache's capacity. Both links of a slot
/// are on one cache line, so a move reads and writes three lines: the slot's and its neighbours'.
///
/// The type is noncopyable: it owns its records (an ``OwnedArray``). ``copy()`` makes an
/// independent copy; the records are freed when the value is destroyed or replaced.
///
/// - Complexity: every list operation O(1), with no uniqueness check and no reference counting;
///   ``ensureSlot(_:)`` amortized O(1).
struct SlotLinks: ~Copyable {
    // Indices are checked by `assert` (``OwnedArray``): in debug builds only, as the cache hands the
    // policy only slots it inserted.

    /// One slot's links. Not `private`: a private element type of `OwnedArray` used from other files
    /// crashes the Swift 6.3 compiler ("Global is external, but doesn't have external or weak
    /// linkage").
    struct Record {
        var previous: SlotIndex
        var next: SlotIndex
    }

    private var records = OwnedArray<Record>()

    /// The number of slots the links can hold.
    var slotCount: Int { records.count }

    /// Creates links for no slot.
    init() {}

    private init(records: consuming OwnedArray<Record>) {
        self.records = records
    }

    /// An independent copy of the links.
    ///
    /// - Complexity: O(slot count).
    func copy() -> SlotLinks {
        SlotLinks(records: records.copy())
    }

    /// Makes room for `slot`: every slot up to it gets a record, on no list.
    ///
    /// - Complexity: amortized O(1) per slot added.
    mutating func ensureSlot(_ slot: SlotIndex) {
        while records.count <= Int(slot) {
            records.append(Record(previous: .none, next: .none))
        }
    }

    /// The slot after `slot` on its list (towards the most recent end), or `.none`.
    func successor(of slot: SlotIndex) -> SlotIndex {
        records[Int(slot)].next
    }

    /// The slot before `slot` on its list (towards the least recent end), or `.none`.
    func predecessor(of slot: SlotIndex) -> SlotIndex {
        records[Int(slot)].previous
    }

    /// Reads the record of `slot` and those of its neighbours, which a move of `slot` rewrites, and
    /// returns a value made of them: for a batch of moves, touching every slot first lets the
    /// processor fetch their cache lines in parallel.
    ///
    /// - Complexity: O(1): up to three record loads, independent across slots.
    @inline(__always)
    func touch(_ slot: SlotIndex) -> SlotIndex {
        let record = records[Int(slot)]
        var touched = record.previous ^ record.next
        if record.previous != .none { touched ^= records[Int(record.previous)].next }
        if record.next != .none { touched ^= records[Int(record.next)].previous }
        return touched
    }

    /// Appends `slot`, which must be on no list, at the most recent end of `list`.
    ///
    /// - Complexity: O(1).
    @inline(__always)
    mutating func append(_ slot: SlotIndex, to list: inout SlotList) {
        records[Int(slot)].previous = list.tail
        records[Int(slot)].next = .none
        if list.tail == .none {
            list.head = slot
        } else {
            records[Int(list.tail)].next = slot
        }
        list.tail = slot
        list.count += 1
    }

    /// Unlinks `slot`, which must be on `list`.
    ///
    /// - Complexity: O(1).
    @inline(__always)
    mutating func remove(_ slot: SlotIndex, from list: inout SlotList) {
        let before = records[Int(slot)].previous
        let after = records[Int(slot)].next
        if before == .none {
            list.head = after
        } else {
            records[Int(before)].next = after
        }
        if after == .none {
            list.tail = before
        } else {
            records[Int(after)].previous = before
        }
        records[Int(slot)].previous = .none
        records[Int(slot)].next = .none
        list.count -= 1
    }

    /// Moves `slot`, which must be on `list`, to the most recent end of it.
    ///
    /// - Complexity: O(1).
    @inline(__always)
    mutating func moveToTail(_ slot: SlotIndex, in list: inout SlotList) {
        guard list.tail != slot else { return }
        remove(slot, from: &list)
        append(slot, to: &list)
    }

    /// Drops every link and releases the records' memory.
    mutating func removeAll() {
        self = SlotLinks()
    }

    /// Walks `list` from head to tail and checks the links agree with its ends and count.
    func checkList(_ list: SlotList, isMember: (SlotIndex) -> Bool) {
        var seen = 0
        var slot = list.head
        var before = SlotIndex.none
        while slot != .none {
            precondition(slot >= 0 && Int(slot) < slotCount, "link to slot \(slot) beyond \(slotCount) slots")
            precondition(records[Int(slot)].previous == before, "broken back link at slot \(slot)")
            precondition(isMember(slot), "slot \(slot) is on the wrong list")
            seen += 1
            precondition(seen <= list.count, "list longer than its count \(list.count)")
            before = slot
            slot = records[Int(slot)].next
        }
        precondition(before == list.tail, "list tail \(list.tail) is not its last slot \(before)")
        precondition(seen == list.count, "list count \(list.count) but \(seen) slots linked")
    }
}
