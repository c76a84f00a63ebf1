/// The weight of every resident entry of a weighted shard, by slot, their total, and the shard's
/// bound on it.
///
/// Four bytes a slot: a weight up to `UInt32.max - 1` is stored in place; a heavier one (an entry
/// of 4 GiB or more, when weights are bytes) is marked in place and kept in a dictionary beside.
/// The shard's ``CacheState`` and ``WeightedEvictor`` write the weights under the shard's lock; its
/// policy reads them to evict (``WeightedEviction``), under the same lock. A count-bounded cache has none.
///
/// Invariants (``checkInvariants(isResident:)``): ``total`` is the sum of the resident slots'
/// weights; a slot that holds no entry weighs 0. ``total`` is at most ``maximum`` between calls
/// (the shard restores it before unlocking, ``CacheState``).
///
/// - Complexity: every operation O(1), amortized where the array grows with the highest slot.
@usableFromInline
final class SlotWeights {
    /// The in-place mark of a weight kept in ``heavyWeights``.
    private static let heavyMark = UInt32.max

    @exclusivity(unchecked) private var weights = OwnedArray<UInt32>()
    @exclusivity(unchecked) private var heavyWeights: [SlotIndex: Int] = [:]

    /// The sum of the resident entries' weights.
    @usableFromInline
    @exclusivity(unchecked) private(set) var total = 0

    /// The most ``total`` may be between calls: the shard's share of the cache's maximum weight.
    @usableFromInline
    @exclusivity(unchecked) private(set) var maximum: Int

    /// The heaviest entry the shard keeps: a heavier one departs as soon as it is stored.
    @usableFromInline
    @exclusivity(unchecked) private(set) var maximumEntryWeight: Int

    /// Weights for a shard that holds at most `maximum` in all and `maximumEntryWeight` in one
    /// entry (at most `maximum`).
    init(maximum: Int, maximumEntryWeight: Int) {
        precondition(maximumEntryWeight <= maximum, "maximumEntryWeight \(maximumEntryWeight) above \(maximum)")
        self.maximum = maximum
        self.maximumEntryWeight = maximumEntryWeight
    }

    /// Sets the bounds to `maximum` in all and `maximumEntryWeight` in one entry (at most
    /// `maximum`); the shard then evicts down to the new maximum.
    func resize(maximum: Int, maximumEntryWeight: Int) {
        precondition(maximumEntryWeight <= maximum, "maximumEntryWeight \(maximumEntryWeight) above \(maximum)")
        self.maximum = maximum
        self.maximumEntryWeight = maximumEntryWeight
    }

    /// Whether the resident entries weigh more than ``maximum``.
    var isOverweight: Bool { total > maximum }

    /// The weight of the entry in `slot` (0 if the slot holds none).
    ///
    /// Inlined into the policies' list moves, which read a weight on every promotion; a heavy
    /// weight's dictionary lookup stays out of line.
    @usableFromInline @inline(__always)
    func weight(of slot: SlotIndex) -> Int {
        let index = Int(slot)
        guard index < weights.count else { return 0 }
        let stored = weights[index]
        guard stored != Self.heavyMark else { return heavyWeight(of: slot) }
        return Int(stored)
    }

    /// The weight kept in ``heavyWeights`` for `slot`.
    @inline(never)
    private func heavyWeight(of slot: SlotIndex) -> Int {
        heavyWeights[slot]!
    }

    /// Gives the entry in `slot` its `weight` (at least 0, at most ``maximumEntryWeight``),
    /// replacing the weight it had (0 for a new entry).
    @inline(__always)
    func setWeight(_ weight: Int, of slot: SlotIndex) {
        assert(weight >= 0 && weight <= maximumEntryWeight, "weight \(weight) outside 0...\(maximumEntryWeight)")
        let index = Int(slot)
        if index >= weights.count { growWeights(toInclude: index) }
        let stored = weights[index]
        // The common case, a weight below the mark replacing one: one read and one write.
        guard stored != Self.heavyMark, weight < Int(Self.heavyMark) else {
            return setHeavyWeight(weight, of: slot)
        }
        total += weight - Int(stored)
        weights[index] = UInt32(truncatingIfNeeded: weight)
    }

    /// ``setWeight(_:of:)`` where the old or the new weight is kept in ``heavyWeights``.
    private func setHeavyWeight(_ weight: Int, of slot: SlotIndex) {
        let index = Int(slot)
        total += weight - self.weight(of: slot)
        if weight < Int(Self.heavyMark) {
            heavyWeights[slot] = nil
            weights[index] = UInt32(weight)
        } else {
            weights[index] = Self.heavyMark
            heavyWeights[slot] = weight
        }
    }

    /// Extends the weights with zeros up to and including `index`.
    private func growWeights(toInclude index: Int) {
        while weights.count <= index { weights.append(0) }
    }

    /// Forgets the weight of the entry that left `slot`, and returns it.
    @inline(__always)
    func takeWeight(of slot: SlotIndex) -> Int {
        let index = Int(slot)
        guard index < weights.count else { return 0 }
        let stored = weights[index]
        guard stored != Self.heavyMark else {
            let weight = heavyWeight(of: slot)
            setHeavyWeight(0, of: slot)
            return weight
        }
        total -= Int(stored)
        weights[index] = 0
        return Int(stored)
    }

    /// Forgets the weight of the entry that left `slot`.
    @usableFromInline
    func clearWeight(of slot: SlotIndex) {
        setWeight(0, of: slot)
    }

    /// Forgets every weight.
    @usableFromInline
    func removeAll() {
        weights = OwnedArray()
        heavyWeights = [:]
        total = 0
    }

    /// Traps unless ``total`` is the sum of the weights of the slots for which `isResident` is true,
    /// and every other slot weighs 0. O(slots).
    func checkInvariants(isResident: (SlotIndex) -> Bool) {
        var sum = 0
        for index in 0..<weights.count {
            let slot = SlotIndex(index)
            let weight = self.weight(of: slot)
            precondition(weight >= 0, "slot \(slot) weighs \(weight)")
            if isResident(slot) {
                sum += weight
            } else {
                precondition(weight == 0, "free slot \(slot) weighs \(weight)")
            }
        }
        precondition(sum == total, "weights add up to \(sum), total says \(total)")
    }
}
