/// Which end of a policy's order a walk starts from (``Cache/hottest(_:)``, ``Cache/coldest(_:)``).
@usableFromInline
enum RetentionOrder {
    /// The entries most likely to be kept first.
    case hottestFirst
    /// The entries first to be evicted first.
    case coldestFirst
}

/// Where a walk of a policy's order stands between two holds of the shard's lock
/// (``CachePolicy/continueWalk(_:visiting:into:)``).
///
/// A policy's order is a sequence of segments (its lists, or passes of its clock), numbered by the
/// policy in the walk's order. Between batches the policy may change: a walk resumes after the
/// position it last visited if that is still in the same segment, and otherwise starts the segment
/// again (the cache drops the keys it has already given).
@usableFromInline
struct PolicyWalk {
    @usableFromInline let order: RetentionOrder
    /// The segment being walked.
    var segment = 0
    /// The last position visited in the segment (a slot, or a node of Clock-Pro's clock); `.none`:
    /// none yet, the segment starts at its beginning.
    var position = SlotIndex.none
    /// In a circular segment, the positions left to visit before it closes.
    var remaining = 0
    /// How many times a segment started again because the walk's position had left it: the cache
    /// bounds a walk by it, so that a walk under heavy churn ends.
    @usableFromInline var restartCount = 0
    /// Whether every segment was walked.
    @usableFromInline var isFinished = false

    @usableFromInline
    init(_ order: RetentionOrder) {
        self.order = order
    }

    /// Moves on to the next segment's beginning.
    mutating func startNextSegment() {
        segment += 1
        position = .none
        remaining = 0
    }
}

extension SlotLinks {
    /// Whether `slot` is on `list`, given that a slot on another list of these links is never
    /// passed as on this one.
    func isLinked(_ slot: SlotIndex, on list: SlotList) -> Bool {
        Int(slot) < slotCount && (predecessor(of: slot) != .none || successor(of: slot) != .none || list.head == slot)
    }

    /// Continues `walk` over `lists`, the policy's segments in the walk's order: each from its
    /// least recent end when the walk is coldest first, else from its most recent end. Appends each
    /// slot visited to `slots`, at most `limit` of them; `isOnSegment` tells whether the walk's
    /// position is still on the list of its segment (else the segment starts again).
    ///
    /// - Complexity: O(`limit`).
    func continueWalk(
        _ walk: inout PolicyWalk,
        over lists: [SlotList],
        isOnSegment: (SlotIndex, Int) -> Bool,
        visiting limit: Int,
        into slots: inout [SlotIndex]
    ) {
        let towardsRecent = walk.order == .coldestFirst
        var visited = 0
        while visited < limit {
            guard walk.segment < lists.count else {
                walk.isFinished = true
                return
            }
            let list = lists[walk.segment]
            let next: SlotIndex
            if walk.position == .none || !isOnSegment(walk.position, walk.segment) {
                if walk.position != .none { walk.restartCount += 1 }
                next = towardsRecent ? list.head : list.tail
            } else {
                next = towardsRecent ? successor(of: walk.position) : predecessor(of: walk.position)
            }
            guard next != .none else {
                walk.startNextSegment()
                continue
            }
            slots.append(next)
            walk.position = next
            visited += 1
        }
    }
}
