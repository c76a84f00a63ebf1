/// The shard's side of ``Cache/hottest(_:)`` and ``Cache/coldest(_:)``: one batch of the policy's
/// order for each hold of the shard's lock.
extension CacheState {
    /// Continues `walk` over the policy's order, visiting at most ``slotsPerBatch`` positions, and
    /// appends the live entries it visits (expired ones left out) to `entries`. Changes nothing.
    ///
    /// - Complexity: O(``slotsPerBatch``); one clock read when some entry has a deadline.
    @inlinable
    func continuePolicyWalk(_ walk: inout PolicyWalk, into entries: inout [(key: Key, value: Value)]) {
        var slots: [SlotIndex] = []
        slots.reserveCapacity(Self.slotsPerBatch)
        _policy.continueWalk(&walk, visiting: Self.slotsPerBatch, into: &slots)
        let present = batchPresent()
        for slot in slots where isLive(slot, at: present) {
            let entry = _table.entry(at: Int(slot))
            entries.append((entry.key, entry.value))
        }
    }
}
