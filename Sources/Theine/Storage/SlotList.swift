/// Slot index of a cache entry: entries live in contiguous storage and are addressed by index.
///
/// `Int32` halves the size of every link next to `Int`; ``SlotIndex/none`` is the null link.
@usableFromInline
typealias SlotIndex = Int32

extension SlotIndex {
    /// The null link: no slot.
    @usableFromInline
    static var none: SlotIndex { -1 }
}

/// The two ends and the length of one doubly linked list threaded through ``SlotLinks``.
///
/// Several lists (an LRU queue, or the window, probation and protected queues of W-TinyLFU) share
/// one ``SlotLinks``: a slot is on at most one list at a time. The head is the least recently used
/// end, the tail the most recently used one.
struct SlotList {
    /// The first (least recent) slot, or `.none` when the list is empty.
    var head: SlotIndex = .none
    /// The last (most recent) slot, or `.none` when the list is empty.
    var tail: SlotIndex = .none
    /// The number of slots on the list.
    var count = 0

    var isEmpty: Bool { count == 0 }
}

/// Intrusive doubly linked lists by slot index: one `previous` and one `next` link per slot.
///
/// No node objects and no allocation per link: the two arrays grow with the highest slot index in
/// use, so memory follows the number of entries, not the cache's capacity. Every operation is O(1).
struct SlotLinks {
    private var previous: [SlotIndex] = []
    private var next: [SlotIndex] = []

    /// The number of slots the links can hold.
    var slotCount: Int { previous.count }

    /// Makes room for `slot`. Slots are handed out densely, so growth is by one at a time.
    ///
    /// - Complexity: amortized O(1).
    mutating func ensureSlot(_ slot: SlotIndex) {
        while previous.count <= Int(slot) {
            previous.append(.none)
            next.append(.none)
        }
    }

    /// The slot after `slot` on its list (towards the most recent end), or `.none`.
    func successor(of slot: SlotIndex) -> SlotIndex { next[Int(slot)] }

    /// The slot before `slot` on its list (towards the least recent end), or `.none`.
    func predecessor(of slot: SlotIndex) -> SlotIndex { previous[Int(slot)] }

    /// Reads the links of `slot` and of its neighbours, which a move of `slot` rewrites, and returns
    /// a value made of them: for a batch of moves, touching every slot first lets the processor
    /// fetch their cache lines in parallel.
    ///
    /// - Complexity: O(1): up to four loads, independent across slots.
    func touch(_ slot: SlotIndex) -> SlotIndex {
        let before = previous[Int(slot)]
        let after = next[Int(slot)]
        var touched = before ^ after
        if before != .none { touched ^= next[Int(before)] }
        if after != .none { touched ^= previous[Int(after)] }
        return touched
    }

    /// Appends `slot`, which must be on no list, at the most recent end of `list`.
    mutating func append(_ slot: SlotIndex, to list: inout SlotList) {
        let index = Int(slot)
        previous[index] = list.tail
        next[index] = .none
        if list.tail == .none {
            list.head = slot
        } else {
            next[Int(list.tail)] = slot
        }
        list.tail = slot
        list.count += 1
    }

    /// Unlinks `slot`, which must be on `list`.
    mutating func remove(_ slot: SlotIndex, from list: inout SlotList) {
        let index = Int(slot)
        let before = previous[index]
        let after = next[index]
        if before == .none {
            list.head = after
        } else {
            next[Int(before)] = after
        }
        if after == .none {
            list.tail = before
        } else {
            previous[Int(after)] = before
        }
        previous[index] = .none
        next[index] = .none
        list.count -= 1
    }

    /// Moves `slot`, which must be on `list`, to the most recent end of it.
    mutating func moveToTail(_ slot: SlotIndex, in list: inout SlotList) {
        guard list.tail != slot else { return }
        remove(slot, from: &list)
        append(slot, to: &list)
    }

    /// Drops every link and releases the arrays' memory.
    mutating func removeAll() {
        previous = []
        next = []
    }

    /// Walks `list` from head to tail and checks the links agree with its ends and count.
    func checkList(_ list: SlotList, isMember: (SlotIndex) -> Bool) {
        var seen = 0
        var slot = list.head
        var before = SlotIndex.none
        while slot != .none {
            precondition(previous[Int(slot)] == before, "broken back link at slot \(slot)")
            precondition(isMember(slot), "slot \(slot) is on the wrong list")
            seen += 1
            precondition(seen <= list.count, "list longer than its count \(list.count)")
            before = slot
            slot = next[Int(slot)]
        }
        precondition(before == list.tail, "list tail \(list.tail) is not its last slot \(before)")
        precondition(seen == list.count, "list count \(list.count) but \(seen) slots linked")
    }
}
