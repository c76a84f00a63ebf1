/// The shard's side of ``Cache/removeAll(where:)``: a batch of live entries copied under
/// ``KeyWatch``es, and a commit that removes only the entries nothing changed since.
extension CacheState {
    /// A live entry the predicate is to examine outside the lock, and its watch's change count
    /// when it was copied.
    @usableFromInline
    struct BulkRemovalCandidate {
        @usableFromInline let key: Key
        @usableFromInline let value: Value
        @usableFromInline let watch: KeyWatch<Value>
        @usableFromInline let changeCount: Int

        @inlinable
        init(key: Key, value: Value, watch: KeyWatch<Value>, changeCount: Int) {
            self.key = key
            self.value = value
            self.watch = watch
            self.changeCount = changeCount
        }
    }

    /// Copies the live entries among the ``slotsPerBatch`` slots from `start` into `candidates`,
    /// watching each key, without counting a request or recording an access.
    ///
    /// - Returns: where the next batch starts, or `nil` after the last slot in use.
    /// - Complexity: O(``slotsPerBatch``): a walk of the batch and a watch for each entry in it.
    @inlinable
    mutating func beginBulkRemovalBatch(from start: Int, into candidates: inout [BulkRemovalCandidate]) -> Int? {
        var entries: [(key: Key, value: Value)] = []
        let next = forEachLiveEntry(inBatchFrom: start) { _, entry in entries.append((entry.key, entry.value)) }
        for (key, value) in entries {
            let watch = beginWatch(of: key)
            candidates.append(
                BulkRemovalCandidate(key: key, value: value, watch: watch, changeCount: watch.changeCount)
            )
        }
        return next
    }

    /// Removes (``RemovalCause/explicit``) each of the `chosen` candidates whose entry nothing
    /// wrote or removed since it was copied and that is still live; then ends every candidate's
    /// watch. What is removed departs.
    ///
    /// - Returns: the number of entries removed, and the loads the watches held back, to wake
    ///   after unlocking.
    /// - Complexity: amortized O(1) for each candidate.
    @inlinable
    mutating func commitBulkRemoval(
        _ candidates: [BulkRemovalCandidate],
        chosen: [Bool],
        departures: inout Departures<Key, Value>
    ) -> (removedCount: Int, releases: [WatchRelease<Value>]) {
        var removedCount = 0
        for (candidate, isChosen) in zip(candidates, chosen) where isChosen {
            guard candidate.watch.changeCount == candidate.changeCount else { continue }
            let hashValue = hashValue(of: candidate.key)
            // Expired since it was copied: the expiry is the entry's departure, not this removal.
            guard let slot = _table.slot(of: candidate.key, hashValue: hashValue), !isExpired(slot) else { continue }
            _ = remove(candidate.key, hashValue: hashValue, departures: &departures)
            removedCount += 1
        }
        var releases: [WatchRelease<Value>] = []
        for candidate in candidates {
            let release = endWatch(candidate.watch, of: candidate.key)
            if !release.isEmpty { releases.append(release) }
        }
        return (removedCount, releases)
    }
}
