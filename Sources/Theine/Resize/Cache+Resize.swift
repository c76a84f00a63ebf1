import Synchronization

/// Changing a cache's bound while it runs.
extension Cache {
    /// The bounds ``resize(to:)`` accepts: from one a shard (``shardCount``) to
    /// ``Cache/maximumCapacity`` entries, or for a weighted cache to ``Cache/maximumWeightLimit``.
    public var resizableBounds: ClosedRange<Int> {
        shardCount...(_isWeighted ? Self.maximumWeightLimit : maximumCacheCapacity)
    }

    /// Changes the cache's bound to `newBound`: its capacity, or for a weighted cache its maximum
    /// weight. For an operator who shrinks a cache under memory pressure, or grows it, without a
    /// restart.
    ///
    /// ```swift
    /// pages.resize(to: pages.capacity / 2)    // memory pressure: shed half
    /// ```
    ///
    /// - Shrinking evicts down to the new bound at once, in the policy's order; each entry departs
    ///   ``RemovalCause/evicted`` and counts as an eviction. Growing lets the policy's structures
    ///   grow as entries arrive.
    /// - The policy's targets follow the new bound: W-TinyLFU's window and protected segment keep
    ///   their shares, its hill climber and its probes start again at the new size, and its
    ///   frequency sketch is sized for it (the counts it holds stay); Clock-Pro's cold target keeps
    ///   within its new bounds.
    /// - The shards stay as they were created; each takes its share of the new bound. A weighted
    ///   cache's ``maximumEntryWeight`` follows the new bound (an entry already stored stays until
    ///   it is evicted).
    /// - ``capacity`` (or ``maximumWeight``) reports the new bound from the start of the call.
    ///   Concurrent resizes end with every shard at its share of the one that started last.
    ///
    /// - Precondition: `newBound` is in ``resizableBounds``. For a bound read from configuration,
    ///   use ``validatingResize(to:)``, which throws instead.
    /// - Complexity: O(shards), plus O(k) for the k entries evicted, each shard's under its lock.
    public func resize(to newBound: Int) {
        // `fatalError`, not `precondition`: its message survives an optimized build.
        guard resizableBounds.contains(newBound) else {
            fatalError("newBound must be in \(resizableBounds), got \(newBound)")
        }
        applyResize(newBound)
    }

    /// Changes the cache's bound as ``resize(to:)`` does, for a bound that comes from outside the
    /// program.
    ///
    /// ```swift
    /// try cache.validatingResize(to: settings.cacheSize)
    /// ```
    ///
    /// - Throws: ``CacheError/invalidResize(_:allowed:)`` when `newBound` is not in
    ///   ``resizableBounds``; the cache is then unchanged.
    public func validatingResize(to newBound: Int) throws(CacheError) {
        guard resizableBounds.contains(newBound) else { throw .invalidResize(newBound, allowed: resizableBounds) }
        applyResize(newBound)
    }

    /// Stores `newBound`, then gives each shard its share of the bound stored when the shard is
    /// locked, and settles what each evicts (no lock held). So concurrent resizes need no lock of
    /// their own: the last one to store its bound visits every shard after storing it, and every
    /// shard ends with its share of that bound.
    private func applyResize(_ newBound: Int) {
        _bound.store(newBound, ordering: .sequentiallyConsistent)
        for (index, shard) in _shards.enumerated() {
            var departures = Departures<Key, Value>()
            shard.withLock { state in
                let bound = _bound.load(ordering: .sequentiallyConsistent)
                state.resize(
                    to: _layout.capacity(ofShard: index, total: bound),
                    maximumEntryWeight: bound / _layout.count,
                    departures: &departures
                )
            }
            _settle(departures)
        }
    }
}
