/// A cache bounded by weight: what its entries weigh, and what it keeps.
extension Cache {
    /// The weight of `value` stored for `key`: what the weigher returns, or 1 in a cache bounded
    /// by count. Runs the weigher (user code), so never under a shard's lock.
    ///
    /// - Precondition: the weigher returns at least 0.
    @inlinable @inline(__always)
    func _weight(of key: Key, _ value: Value) -> Int {
        guard _weigher != nil else { return 1 }
        // Called from the stored property: bound to a local, the closure would be retained and
        // released around the call.
        let weight = _weigher!(key, value)
        if weight < 0 { _negativeWeight(weight) }
        return weight
    }

    @usableFromInline
    func _negativeWeight(_ weight: Int) -> Never {
        // The key's type, not the key, which may be private.
        fatalError("the weigher returned a negative weight, \(weight), for a key of type \(Key.self)")
    }

    /// The sum of the weights of the entries present; a cache bounded by count reports ``count``.
    ///
    /// At most ``maximumWeight`` while no call is in progress. Summed shard by shard, like
    /// ``count``, so concurrent writes may make it out of date as it returns.
    ///
    /// - Complexity: O(shards).
    public var totalWeight: Int {
        _shards.reduce(0) { total, shard in
            total + shard.withLock { $0._evictor?.weights.total ?? $0._table.count }
        }
    }

    /// The heaviest entry the cache keeps: its shard's share of ``maximumWeight`` (the smallest
    /// share, when they differ by one), so all of it with one shard. A heavier entry departs
    /// ``RemovalCause/evicted`` as soon as it is stored. For a cache bounded by count, 1 (every
    /// entry weighs 1).
    public var maximumEntryWeight: Int {
        guard let maximumWeight else { return 1 }
        return maximumWeight / _layout.count
    }
}
