/// Keeps a weighted shard within its maximum weight: the entries' weights, the policy that evicts by
/// them (``WeightedEviction``), and the victims the policy chose in the write in progress.
///
/// The shard's ``CacheState`` calls it under the shard's lock, once a write: the call records the
/// entry's weight, lets the policy choose its victims, forgets their weights and returns the first
/// of them with their number and total weight; the shard then removes them from its table and
/// wheel, the others read by ``victim(at:)``. One object that the shard's specialized code calls
/// directly, so that a weighted write costs one call into the policy and no reference counting of
/// the weights, the policy or the victims' list (the design notes give the instruction counts).
///
/// - Complexity: O(1), plus the policy's O(k) for the k entries it evicts or compares.
@usableFromInline
final class WeightedEvictor {
    /// What a write evicted: the first victim's slot (`.none` if none), how many, and their total
    /// weight. The victims after the first are ``victim(at:)``.
    @usableFromInline
    struct Victims {
        @usableFromInline let first: SlotIndex
        @usableFromInline let count: Int
        @usableFromInline let weight: Int
    }

    /// The weight of every resident entry, and the shard's bound on their total.
    @usableFromInline
    let weights: SlotWeights

    private let policy: any WeightedEviction
    /// The slots the policy chose in the last write, in its order.
    @exclusivity(unchecked) private var victims = OwnedArray<SlotIndex>()

    /// The evictor of a shard with `weights`, whose `policy` must evict by weight.
    init(weights: SlotWeights, policy: any CachePolicy) {
        guard let weightedPolicy = policy as? any WeightedEviction else {
            fatalError("the \(type(of: policy)) policy does not evict by weight")
        }
        self.weights = weights
        self.policy = weightedPolicy
    }

    /// Gives the new entry in `slot`, whose key hashes to `hash`, its `weight` (at most
    /// ``SlotWeights/maximumEntryWeight``), records its insertion, and evicts until the shard is
    /// within its maximum (the new entry may be among the victims).
    @usableFromInline
    func recordInsertion(_ slot: SlotIndex, weight: Int, hash: UInt64) -> Victims {
        beginWrite()
        weights.setWeight(weight, of: slot)
        policy.recordInsertion(
            slot,
            hash: hash,
            excess: weights.total - weights.maximum,
            weights: weights,
            into: &victims
        )
        return forgetVictims()
    }

    /// Gives the resident entry in `slot`, whose value a write just replaced, its new `weight` (at
    /// most ``SlotWeights/maximumEntryWeight``, and not its old one), lets the policy rebalance, and
    /// evicts until the shard is within its maximum.
    @usableFromInline
    func recordWeightChange(_ slot: SlotIndex, to weight: Int) -> Victims {
        beginWrite()
        policy.recordWeightChange(slot, from: weights.weight(of: slot), to: weight)
        weights.setWeight(weight, of: slot)
        policy.evict(weight: weights.total - weights.maximum, weights: weights, into: &victims)
        return forgetVictims()
    }

    /// Sets the shard's maximum weight and its heaviest entry, lets the policy follow, and evicts
    /// until the shard is within the new maximum.
    @usableFromInline
    func resize(maximum: Int, maximumEntryWeight: Int) -> Victims {
        beginWrite()
        weights.resize(maximum: maximum, maximumEntryWeight: maximumEntryWeight)
        var ignored: [SlotIndex] = []
        policy.resize(to: maximum, into: &ignored)
        policy.evict(weight: weights.total - weights.maximum, weights: weights, into: &victims)
        return forgetVictims()
    }

    /// The victim at `index` (from 1, below ``Victims/count``) of the last write.
    @usableFromInline
    func victim(at index: Int) -> SlotIndex {
        victims[index]
    }

    /// Empties the last write's list of victims (a write that evicted very many gives back the
    /// memory).
    @inline(__always)
    private func beginWrite() {
        if victims.count > 1024 { victims = OwnedArray() } else { victims.removeAll() }
    }

    /// Forgets the weights of the victims the policy chose (it has forgotten them already).
    @inline(__always)
    private func forgetVictims() -> Victims {
        guard victims.count > 0 else { return Victims(first: .none, count: 0, weight: 0) }
        var weight = 0
        for index in 0..<victims.count { weight &+= weights.takeWeight(of: victims[index]) }
        return Victims(first: victims[0], count: victims.count, weight: weight)
    }
}
