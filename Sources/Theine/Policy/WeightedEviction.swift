/// A policy that can keep a weighted shard within its maximum weight.
///
/// In a weighted shard the policy is created without a bound on the number of entries, so
/// ``CachePolicy/recordInsertion(_:hash:)`` never returns a victim; after each write that leaves
/// the shard heavier than its maximum, the shard asks the policy for victims by weight.
@usableFromInline
protocol WeightedEviction: CachePolicy {
    /// Chooses resident entries to evict, in the policy's order, whose weights add up to at least
    /// `excess` (more than 0), forgets them, and appends their slots to `victims`. Entries of weight
    /// 0 are never chosen; fewer may be chosen only when every entry left weighs 0.
    ///
    /// - Complexity: O(k) for the k entries chosen, plus the entries of weight 0 passed over
    ///   (amortized: each is passed over once before every other entry has been).
    func evict(weight excess: Int, weights: SlotWeights, into victims: inout [SlotIndex])
}
