/// The writes of a weighted shard: giving entries their weights, and evicting by weight.
extension CacheState {
    /// Inserts a new entry weighing `weight` into a weighted shard, then evicts by weight until the
    /// shard is within its maximum. An entry heavier than the shard keeps departs evicted at once,
    /// never stored.
    @inlinable @inline(never)
    mutating func insertNewWeighted(
        _ key: Key,
        _ value: Value,
        weight: Int,
        hashValue: Int,
        deadline: Int64,
        departures: inout Departures<Key, Value>
    ) {
        let weights = _weights!
        guard weight <= weights.maximumEntryWeight else {
            _evictionCount &+= 1
            _evictionWeight &+= weight
            departures.append(key, value, cause: .evicted)
            return
        }
        let slot = _table.insert(key, value, hashValue: hashValue)
        weights.setWeight(weight, of: slot)
        setDeadline(deadline, of: slot, departures: &departures)
        _weightedPolicy!.recordInsertion(
            slot,
            hash: policyHash(ofHashValue: hashValue),
            excess: weights.total - weights.maximum,
            weights: weights,
            into: &_evictedSlots
        )
        removeEvicted(departures: &departures)
        checkInvariantsIfEnabled()
    }

    /// Gives the entry in `slot`, whose value a write just replaced, its new `weight`, then evicts
    /// by weight. An entry now heavier than the shard keeps departs evicted at once.
    @inlinable @inline(never)
    mutating func reweigh(_ slot: SlotIndex, weight: Int, departures: inout Departures<Key, Value>) {
        let weights = _weights.unsafelyUnwrapped
        let oldWeight = weights.weight(of: slot)
        // The same weight again (a value of the same size): nothing to rebalance or evict.
        if weight == oldWeight { return }
        guard weight <= weights.maximumEntryWeight else {
            _wheel.cancel(slot)
            _policy.recordRemoval(slot)
            let entry = removeEntry(at: slot)
            _evictionCount &+= 1
            _evictionWeight &+= weight
            departures.append(entry.key, entry.value, cause: .evicted)
            return
        }
        _weightedPolicy.unsafelyUnwrapped.recordWeightChange(slot, from: oldWeight, to: weight)
        weights.setWeight(weight, of: slot)
        evictForWeight(departures: &departures)
    }

    /// Lets the policy rebalance after a weight changed, and evicts the entries it chooses until the
    /// shard's total weight is within its maximum; they depart evicted.
    ///
    /// - Complexity: O(k) for k entries evicted or compared.
    @inlinable
    mutating func evictForWeight(departures: inout Departures<Key, Value>) {
        let weights = _weights!
        _weightedPolicy!.evict(weight: weights.total - weights.maximum, weights: weights, into: &_evictedSlots)
        removeEvicted(departures: &departures)
    }

    /// Removes the entries of the slots the policy evicted (it has forgotten them already); they
    /// depart evicted.
    @inlinable
    mutating func removeEvicted(departures: inout Departures<Key, Value>) {
        guard !_evictedSlots.isEmpty else { return }
        for victim in _evictedSlots {
            _evictionWeight &+= _weights.unsafelyUnwrapped.weight(of: victim)
            _wheel.cancel(victim)
            let evicted = removeEntry(at: victim)
            departures.append(evicted.key, evicted.value, cause: .evicted)
        }
        _evictionCount &+= _evictedSlots.count
        // Popping the few slots of a write costs less than `removeAll(keepingCapacity:)`.
        if _evictedSlots.count > 1024 {
            _evictedSlots = []
        } else {
            while !_evictedSlots.isEmpty { _evictedSlots.removeLast() }
        }
    }
}
