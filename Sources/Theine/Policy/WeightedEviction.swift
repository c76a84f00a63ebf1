/// A policy that can keep a weighted shard within its maximum weight.
///
/// In a weighted shard the policy is created without a bound on the number of entries, and reads
/// the entries' weights from the shard's ``SlotWeights`` (an entry's weight is set before its
/// insertion is recorded, and cleared after its removal is). Insertions come through
/// ``recordInsertion(_:hash:excess:weights:into:)``; after a write changes an entry's weight the
/// shard calls ``recordWeightChange(_:from:to:)``, then ``evict(weight:weights:into:)``. With every
/// weight 1 and the maximum weight as the capacity, a policy decides exactly as the count-bounded
/// one.
protocol WeightedEviction: CachePolicy {
    /// Records that a new entry, whose key hashes to `hash`, now occupies `slot`, as
    /// ``CachePolicy/recordInsertion(_:hash:)`` does, and evicts as ``evict(weight:weights:into:)``
    /// does, with `excess` the weight beyond the maximum once the new entry counts (the new entry
    /// may be among the victims).
    func recordInsertion(
        _ slot: SlotIndex,
        hash: UInt64,
        excess: Int,
        weights: SlotWeights,
        into victims: inout OwnedArray<SlotIndex>
    )

    /// Records that the resident entry in `slot`, weighing `oldWeight`, is about to weigh
    /// `newWeight` (its value was replaced).
    func recordWeightChange(_ slot: SlotIndex, from oldWeight: Int, to newWeight: Int)

    /// Called after a write changed an entry's weight, with the weight the shard holds beyond its
    /// maximum (`excess`, 0 or less when within it): rebalances the policy's own segments, then, if
    /// `excess` is positive, chooses resident entries to evict, in the policy's order, whose weights
    /// add up to at least `excess`, forgets them, and appends their slots to `victims`. Entries of
    /// weight 0 are never chosen; fewer may be chosen only when every entry left weighs 0.
    ///
    /// - Complexity: O(k) for the k entries chosen or compared, plus the entries of weight 0 passed
    ///   over (each is passed over once before every other entry has been).
    func evict(weight excess: Int, weights: SlotWeights, into victims: inout OwnedArray<SlotIndex>)
}
