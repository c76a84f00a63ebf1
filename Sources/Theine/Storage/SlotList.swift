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
