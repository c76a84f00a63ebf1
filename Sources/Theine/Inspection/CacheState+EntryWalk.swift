/// The shard's side of the walks over every entry (``Cache/entries()``,
/// ``Cache/removeAll(where:)``): one batch of slots for each hold of the shard's lock, so that a
/// walk over millions of entries keeps writers and readers waiting no longer than one batch.
extension CacheState {
    /// The slots one batch of a walk visits.
    @inlinable
    static var slotsPerBatch: Int { 1_024 }

    /// Calls `body` with the slot and entry of each live entry (expired ones left out) among the
    /// ``slotsPerBatch`` slots from `start`, a multiple of ``slotsPerBatch``, in slot order.
    ///
    /// - Returns: where the next batch starts, or `nil` when this one reached the last slot in use.
    /// - Complexity: O(``slotsPerBatch`` / 64 + entries in the batch); one clock read when some
    ///   entry has a deadline.
    @inlinable
    func forEachLiveEntry(inBatchFrom start: Int, _ body: (SlotIndex, borrowing Entry) -> Void) -> Int? {
        let present = batchPresent()
        let end = start + Self.slotsPerBatch
        _table.forEachOccupiedSlot(in: start..<end) { index in
            let slot = SlotIndex(truncatingIfNeeded: index)
            if isLive(slot, at: present) { body(slot, _table.entry(at: index)) }
        }
        return end < _table.slotCount ? end : nil
    }

    /// The present for a batch's expiry checks (``isLive(_:at:)``), read once a batch:
    /// `Int64.min`, without reading the clock, when no entry has a deadline.
    @inlinable
    func batchPresent() -> Int64 {
        _wheel.isEmpty ? .min : now()
    }

    /// Whether the entry in `slot` is live at `present`, from ``batchPresent()``.
    @inlinable
    func isLive(_ slot: SlotIndex, at present: Int64) -> Bool {
        present == .min || visibleDeadline(of: slot) > present
    }
}
