/// A snapshot of what the cache holds.
extension Cache {
    /// Every live entry, copied: for an admin page, a warm restart or a debugging session.
    ///
    /// ```swift
    /// let saved = try JSONEncoder().encode(Dictionary(uniqueKeysWithValues: sessions.entries()))
    /// ```
    ///
    /// - Expired entries are left out. No request is counted and no access recorded, so reading
    ///   the snapshot changes neither ``stats()`` nor what the policy evicts.
    /// - The order is unspecified (shard by shard, each in its storage's order).
    /// - Weakly consistent: the shards are copied one after another, each in batches of up to 1,024
    ///   slots, with writes and reads going on between batches. An entry that no call changes
    ///   during the copy is in the snapshot with its value; one written, removed, evicted or
    ///   expired meanwhile may be there with its old value, its new one, or not at all; a key
    ///   appears at most once.
    ///
    /// - Complexity: O(n) in all; under a shard's lock, O(1,024) at a time.
    @inlinable
    public func entries() -> [(key: Key, value: Value)] {
        entries(afterEachBatch: {})
    }

    /// ``entries()``, calling `afterEachBatch` after each batch is copied and the lock released:
    /// for tests of what changes between batches.
    @inlinable
    func entries(afterEachBatch: () -> Void) -> [(key: Key, value: Value)] {
        var entries: [(key: Key, value: Value)] = []
        var batch: [(key: Key, value: Value)] = []
        batch.reserveCapacity(CacheState<Key, Value>.slotsPerBatch)
        for shard in _shards {
            let shardStart = entries.count
            var nextBatch: Int? = 0
            var firstInsertionCount: Int?
            var lastInsertionCount = 0
            while let start = nextBatch {
                nextBatch = shard.withLock { state in
                    lastInsertionCount = state._table.insertionCount
                    if firstInsertionCount == nil { firstInsertionCount = lastInsertionCount }
                    return state.forEachLiveEntry(inBatchFrom: start) { _, entry in
                        batch.append((entry.key, entry.value))
                    }
                }
                entries.append(contentsOf: batch)
                batch.removeAll(keepingCapacity: true)
                afterEachBatch()
            }
            // An entry removed and inserted again between batches may have been copied twice, from
            // its old slot and its new one: keep the later copy, the newer value.
            if lastInsertionCount != firstInsertionCount {
                Self._keepLastCopyOfEachKey(in: &entries, from: shardStart)
            }
        }
        return entries
    }

    /// Removes from `entries[start...]` every entry whose key appears again later.
    @usableFromInline
    static func _keepLastCopyOfEachKey(in entries: inout [(key: Key, value: Value)], from start: Int) {
        var seen = Set<Key>()
        var kept: [(key: Key, value: Value)] = []
        for entry in entries[start...].reversed() where seen.insert(entry.key).inserted {
            kept.append(entry)
        }
        entries.replaceSubrange(start..., with: kept.reversed())
    }
}
