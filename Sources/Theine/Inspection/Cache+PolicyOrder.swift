/// The entries in the order of the cache's eviction policy.
extension Cache {
    /// The entries the policy is most likely to keep, most likely first: at most `limit`.
    ///
    /// ```swift
    /// for (key, value) in catalog.hottest(10) { print("hot:", key, value) }
    /// ```
    ///
    /// The order is each policy's own (``coldest(_:)`` gives it in reverse):
    /// - ``EvictionPolicy/lru``: from the most recently used entry to the least.
    /// - ``EvictionPolicy/tinyLFU``: the protected segment (entries used again since they entered
    ///   the main space), then the admission window, then the probation segment, each from its
    ///   most recently used entry.
    /// - ``EvictionPolicy/clockPro``: the hot pages, then the cold ones, each kind in the reverse
    ///   of the order its clock hand will meet them.
    ///
    /// Shards are merged by rank: the first entry of each shard, then the second of each, and so
    /// on. The order reflects every access that returned before the call (the read buffers are
    /// drained first), except the hits a full read buffer dropped under contention, which the
    /// policy never learns of (the design of ``get(_:)``'s read path). No request is counted and
    /// no access recorded; expired entries are left out.
    ///
    /// The walk holds a shard's lock for batches of up to 1,024 positions. A walk that fits in one
    /// batch a shard is exact for that shard. A longer one is weakly consistent: an entry used,
    /// written or removed meanwhile may appear at its old place, its new one, or not at all (a
    /// segment whose walk lost its place starts again, and under heavy churn the walk may end
    /// early); a key appears at most once.
    ///
    /// - Precondition: `limit >= 0`.
    /// - Complexity: O(min(`limit`, n)) for each shard, plus the positions passed over (W-TinyLFU
    ///   and LRU none; Clock-Pro its non-resident pages and the pages of the other kind).
    @inlinable
    public func hottest(_ limit: Int) -> [(key: Key, value: Value)] {
        entries(in: .hottestFirst, limit: limit)
    }

    /// The entries the policy would evict first, first: at most `limit`.
    ///
    /// ```swift
    /// let nextOut = sessions.coldest(5).map(\.key)
    /// ```
    ///
    /// The order is the reverse of ``hottest(_:)``'s, with the same rules:
    /// - ``EvictionPolicy/lru``: from the least recently used entry to the most.
    /// - ``EvictionPolicy/tinyLFU``: the probation segment (whose least recent entry is the next
    ///   victim, unless the window's candidate is less frequent), then the admission window, then
    ///   the protected segment, each from its least recently used entry.
    /// - ``EvictionPolicy/clockPro``: the resident cold pages in the order the cold hand will meet
    ///   them, then the hot pages in the order the hot hand will.
    ///
    /// - Precondition: `limit >= 0`.
    /// - Complexity: as ``hottest(_:)``'s.
    @inlinable
    public func coldest(_ limit: Int) -> [(key: Key, value: Value)] {
        entries(in: .coldestFirst, limit: limit)
    }

    /// The most restarts a shard's walk makes before it ends with what it has.
    @inlinable
    static var _walkRestartLimit: Int { 64 }

    /// At most `limit` entries in `order`, shard by shard, merged by rank; `afterEachBatch` runs
    /// after each batch, the lock released (for tests of what changes between batches).
    @inlinable
    func entries(
        in order: RetentionOrder,
        limit: Int,
        afterEachBatch: () -> Void = {}
    ) -> [(key: Key, value: Value)] {
        // `fatalError`, not `precondition`: its message survives an optimized build.
        guard limit >= 0 else { fatalError("limit must not be negative, got \(limit)") }
        guard limit > 0 else { return [] }
        let ranked = _shards.map { _entries(of: $0, in: order, limit: limit, afterEachBatch: afterEachBatch) }
        var merged: [(key: Key, value: Value)] = []
        merged.reserveCapacity(min(limit, ranked.reduce(0) { $0 + $1.count }))
        var rank = 0
        while merged.count < limit {
            let before = merged.count
            for shardEntries in ranked where rank < shardEntries.count && merged.count < limit {
                merged.append(shardEntries[rank])
            }
            if merged.count == before { break }
            rank += 1
        }
        return merged
    }

    /// At most `limit` entries of `shard` in `order`, each key once.
    @inlinable
    func _entries(
        of shard: CacheShard<Key, Value>,
        in order: RetentionOrder,
        limit: Int,
        afterEachBatch: () -> Void
    ) -> [(key: Key, value: Value)] {
        var walk = PolicyWalk(order)
        var entries: [(key: Key, value: Value)] = []
        var batch: [(key: Key, value: Value)] = []
        // The keys given so far, from the second batch on: the policy may have moved an entry
        // already given to a place the walk has not reached.
        var given: Set<Key>?
        while !walk.isFinished && entries.count < limit && walk.restartCount <= Self._walkRestartLimit {
            shard.withLock { $0.continuePolicyWalk(&walk, into: &batch) }
            if given == nil && !walk.isFinished {
                given = Set(entries.map(\.key))
            }
            for entry in batch where given?.insert(entry.key).inserted ?? true {
                entries.append(entry)
                if entries.count == limit { break }
            }
            batch.removeAll(keepingCapacity: true)
            afterEachBatch()
        }
        return entries
    }
}
