/// Removal of every entry that a predicate chooses.
extension Cache {
    /// Removes every live entry for which `shouldBeRemoved` returns `true`.
    ///
    /// ```swift
    /// // A user signed out everywhere: drop every session of theirs.
    /// sessions.removeAll { _, session in session.userID == user.id }
    /// ```
    ///
    /// - `shouldBeRemoved` runs outside the cache's locks: it may read and write the cache. It sees
    ///   the entries in batches of up to 1,024 a shard; each batch is copied with its keys watched
    ///   (as an update watches its key), and an entry is removed only if no write
    ///   or removal touched its key since it was copied and it is still live: an entry written
    ///   after the predicate examined it stays. Each removed entry departs
    ///   ``RemovalCause/explicit`` and counts as an explicit removal.
    /// - Entries that expire during the walk leave as expired, not through this call; entries
    ///   inserted during it may or may not be examined.
    /// - While a batch is examined, a loading `get` that misses one of its keys (evicted or expired
    ///   meanwhile) waits for the batch to end, as a load waits for an update of its key.
    /// - If `shouldBeRemoved` throws, the walk stops: the entries it chose before throwing are
    ///   removed (as are those of earlier batches), the others stay, and the error is rethrown.
    ///
    /// - Returns: the number of entries removed.
    /// - Complexity: O(n) calls of `shouldBeRemoved`; under a shard's lock, O(1,024) at a time.
    @discardableResult
    @inlinable
    public func removeAll(where shouldBeRemoved: (Key, Value) throws -> Bool) rethrows -> Int {
        var removedCount = 0
        var candidates: [CacheState<Key, Value>.BulkRemovalCandidate] = []
        var chosen: [Bool] = []
        for shard in _shards {
            var nextBatch: Int? = 0
            while let start = nextBatch {
                candidates.removeAll(keepingCapacity: true)
                chosen.removeAll(keepingCapacity: true)
                nextBatch = shard.withLock { $0.beginBulkRemovalBatch(from: start, into: &candidates) }
                for candidate in candidates {
                    do {
                        chosen.append(try shouldBeRemoved(candidate.key, candidate.value))
                    } catch {
                        chosen.append(contentsOf: repeatElement(false, count: candidates.count - chosen.count))
                        _commitBulkRemoval(candidates, chosen: chosen, in: shard)
                        throw error
                    }
                }
                removedCount += _commitBulkRemoval(candidates, chosen: chosen, in: shard)
            }
        }
        return removedCount
    }

    /// Removes the chosen candidates that did not change, settles what departed and wakes the
    /// loads the batch held back.
    @discardableResult
    @inlinable
    func _commitBulkRemoval(
        _ candidates: [CacheState<Key, Value>.BulkRemovalCandidate],
        chosen: [Bool],
        in shard: CacheShard<Key, Value>
    ) -> Int {
        var departures = Departures<Key, Value>()
        let (removedCount, releases) = shard.withLock {
            $0.commitBulkRemoval(candidates, chosen: chosen, departures: &departures)
        }
        _settle(departures)
        for release in releases { release.wake() }
        return removedCount
    }
}
