/// Least recently used: evicts the entry whose last access is the oldest.
///
/// One list in access order over the cache's slots: a hit moves the slot to the tail, an insertion
/// appends it, and when over capacity the head leaves. Exact LRU: the same request sequence gives
/// the same hits as any textbook LRU.
///
/// - Complexity: every operation O(1); a hit does no allocation.
final class LRUPolicy: CachePolicy {
    @exclusivity(unchecked) private(set) var capacity: Int
    /// Whether a weighted shard bounds the policy by weight instead of ``capacity``.
    private let isBoundedByWeight: Bool
    @exclusivity(unchecked) private var links = SlotLinks()
    @exclusivity(unchecked) private var accessOrder = SlotList()
    /// Where ``recordAccesses(_:)`` leaves what it touched, so that the loads are not optimized away.
    @exclusivity(unchecked) private var touched: SlotIndex = 0

    /// The policy for `capacity` entries; or, `isBoundedByWeight`, for a weighted shard, with no
    /// bound on the number of entries.
    init(capacity: Int, isBoundedByWeight: Bool = false) {
        self.capacity = isBoundedByWeight ? maximumCacheCapacity : capacity
        self.isBoundedByWeight = isBoundedByWeight
    }

    func recordAccess(_ slot: SlotIndex) {
        links.moveToTail(slot, in: &accessOrder)
    }

    func recordAccesses(_ slots: UnsafeBufferPointer<SlotIndex>) {
        for slot in slots { touched ^= links.touch(slot) }
        for slot in slots { recordAccess(slot) }
    }

    func recordInsertion(_ slot: SlotIndex, hash: UInt64) -> SlotIndex {
        links.ensureSlot(slot)
        links.append(slot, to: &accessOrder)
        guard accessOrder.count > capacity else { return .none }
        let victim = accessOrder.head
        links.remove(victim, from: &accessOrder)
        return victim
    }

    func recordRemoval(_ slot: SlotIndex) {
        links.remove(slot, from: &accessOrder)
    }

    func removeAll() {
        links.removeAll()
        accessOrder = SlotList()
    }

    /// Evicts from the least recently used end down to the new capacity.
    func resize(to bound: Int, into victims: inout [SlotIndex]) {
        guard !isBoundedByWeight else { return }
        capacity = bound
        while accessOrder.count > capacity {
            let victim = accessOrder.head
            links.remove(victim, from: &accessOrder)
            victims.append(victim)
        }
    }

    /// One segment: the access order, from its least recent end when coldest first.
    func continueWalk(_ walk: inout PolicyWalk, visiting limit: Int, into slots: inout [SlotIndex]) {
        links.continueWalk(
            &walk,
            over: [accessOrder],
            isOnSegment: { slot, _ in links.isLinked(slot, on: accessOrder) },
            visiting: limit,
            into: &slots
        )
    }

    func checkInvariants(residentCount: Int) {
        precondition(accessOrder.count == residentCount, "LRU holds \(accessOrder.count), cache \(residentCount)")
        precondition(accessOrder.count <= capacity, "LRU over capacity")
        links.checkList(accessOrder) { _ in true }
    }
}

extension LRUPolicy: WeightedEviction {
    func recordInsertion(
        _ slot: SlotIndex,
        hash: UInt64,
        excess: Int,
        weights: SlotWeights,
        into victims: inout OwnedArray<SlotIndex>
    ) {
        _ = recordInsertion(slot, hash: hash)
        evict(weight: excess, weights: weights, into: &victims)
    }

    /// Nothing: LRU's order does not depend on weights.
    func recordWeightChange(_ slot: SlotIndex, from oldWeight: Int, to newWeight: Int) {}

    /// Evicts from the least recently used end until `excess` is freed; an entry of weight 0 found
    /// there moves to the most recent end, as if used, so that it is passed over once per round.
    func evict(weight excess: Int, weights: SlotWeights, into victims: inout OwnedArray<SlotIndex>) {
        var freed = 0
        var passedOver = 0
        while freed < excess && passedOver < accessOrder.count {
            let slot = accessOrder.head
            let weight = weights.weight(of: slot)
            if weight == 0 {
                links.moveToTail(slot, in: &accessOrder)
                passedOver += 1
                continue
            }
            links.remove(slot, from: &accessOrder)
            victims.append(slot)
            freed += weight
        }
    }
}
