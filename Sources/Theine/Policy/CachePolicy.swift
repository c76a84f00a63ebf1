/// An eviction policy: decides which entry leaves when the cache is over capacity.
///
/// Policies see slot indices and 64-bit key hashes only, never keys or values, so they are not
/// generic and are compiled once, in this module. The cache calls them under its lock, and every
/// requirement is O(1) (amortized where a policy says so); a policy never allocates on
/// ``recordAccess(_:)``.
///
/// A policy tracks exactly the slots the cache holds: each inserted slot is resident until the
/// policy returns it as a victim or the cache reports its removal.
///
/// Policies are classes whose stored properties are marked `@exclusivity(unchecked)`: the cache's
/// lock already makes every call exclusive and no requirement calls back into the policy, so the
/// runtime's dynamic exclusivity checks (a thread-local access set, probed on every property
/// access) would only add cost, a large share of a hit (`Documentation/DesignNotes.md`, first step).
@usableFromInline
protocol CachePolicy: AnyObject {
    /// The maximum number of resident entries.
    var capacity: Int { get }

    /// Records a hit on (or an overwrite of) the resident entry in `slot`.
    func recordAccess(_ slot: SlotIndex)

    /// Records hits on the resident entries in `slots`, in order: the read rings' batches. A policy
    /// may first touch every slot's metadata, so that the cache misses of the batch overlap instead
    /// of coming one after another.
    func recordAccesses(_ slots: UnsafeBufferPointer<SlotIndex>)

    /// Records that a new entry, whose key hashes to `hash`, now occupies `slot`.
    ///
    /// - Returns: the slot of the entry to evict to get back within capacity (possibly `slot`
    ///   itself), or `.none` when the cache is within capacity. The policy has already forgotten the
    ///   victim; the cache must free its slot.
    func recordInsertion(_ slot: SlotIndex, hash: UInt64) -> SlotIndex

    /// Records that the cache removed the resident entry in `slot` (explicit removal).
    func recordRemoval(_ slot: SlotIndex)

    /// Forgets every resident entry. Frequency history, where a policy keeps one, may survive.
    func removeAll()

    /// Sets the bound the policy works to: a count-bounded policy's capacity, or a weighted shard's
    /// maximum weight (which its ``SlotWeights/maximum`` already holds; the shard's evictor then
    /// evicts by weight). The policy's targets follow the new bound. A count-bounded policy evicts
    /// down to its new capacity, appending the victims (already forgotten) to `victims` in the order
    /// it chose them.
    ///
    /// - Complexity: O(k) for the k entries evicted or demoted, plus O(1) adjustments.
    func resize(to bound: Int, into victims: inout [SlotIndex])

    /// Continues `walk` over the resident entries in the policy's order (``RetentionOrder``),
    /// appending their slots to `slots` and visiting at most `limit` positions (a position of
    /// another kind, passed over, counts). Changes nothing.
    ///
    /// - Complexity: O(`limit`).
    func continueWalk(_ walk: inout PolicyWalk, visiting limit: Int, into slots: inout [SlotIndex])

    /// Traps if the policy's internal structure is inconsistent or does not hold `residentCount`
    /// entries. O(n): for tests and `THEINE_INTERNAL_CHECKS` builds.
    func checkInvariants(residentCount: Int)
}

extension CachePolicy {
    /// Records each hit in turn.
    func recordAccesses(_ slots: UnsafeBufferPointer<SlotIndex>) {
        for slot in slots { recordAccess(slot) }
    }
}
