/// The writes of a weighted shard: giving entries their weights, and evicting by weight.
extension CacheState {
    /// Inserts a new entry weighing `weight`, written at `present`, into a weighted shard, then
    /// evicts by weight until the shard is within its maximum. An entry heavier than the shard keeps departs evicted at once,
    /// never stored.
    @inlinable @inline(never)
    mutating func insertNewWeighted(
        _ key: Key,
        _ value: Value,
        weight: Int,
        hashValue: Int,
        deadline: Int64,
        writtenAt present: Int64,
        departures: inout Departures<Key, Value>
    ) {
        guard weight <= _evictor!.weights.maximumEntryWeight else {
            _evictionCount &+= 1
            _evictionWeight &+= weight
            departures.append(key, value, cause: .evicted)
            return
        }
        let slot = _table.insert(key, value, hashValue: hashValue)
        setDeadline(deadline, of: slot, writtenAt: present, departures: &departures)
        let victims = _evictor!.recordInsertion(slot, weight: weight, hash: policyHash(ofHashValue: hashValue))
        removeVictims(victims, departures: &departures)
        checkInvariantsIfEnabled()
    }

    /// Gives the entry in `slot`, whose value a write just replaced, its new `weight`, then evicts
    /// by weight. An entry now heavier than the shard keeps departs evicted at once.
    @inlinable @inline(never)
    mutating func reweigh(_ slot: SlotIndex, weight: Int, departures: inout Departures<Key, Value>) {
        // The same weight again (a value of the same size): nothing to rebalance or evict.
        if weight == _evictor!.weights.weight(of: slot) { return }
        guard weight <= _evictor!.weights.maximumEntryWeight else {
            _wheel.cancel(slot)
            _policy.recordRemoval(slot)
            let entry = removeEntry(at: slot)
            _evictionCount &+= 1
            _evictionWeight &+= weight
            departures.append(entry.key, entry.value, cause: .evicted)
            return
        }
        let victims = _evictor!.recordWeightChange(slot, to: weight)
        removeVictims(victims, departures: &departures)
    }

    /// Removes the entries the evictor chose (the policy and the weights have forgotten them
    /// already), in the policy's order; they depart evicted.
    @inlinable
    mutating func removeVictims(_ victims: WeightedEvictor.Victims, departures: inout Departures<Key, Value>) {
        guard victims.count > 0 else { return }
        removeVictim(victims.first, departures: &departures)
        var index = 1
        while index < victims.count {
            removeVictim(_evictor!.victim(at: index), departures: &departures)
            index += 1
        }
        _evictionCount &+= victims.count
        _evictionWeight &+= victims.weight
    }

    /// Removes the entry in `slot` from the table and the wheel; it departs evicted.
    @inlinable @inline(__always)
    mutating func removeVictim(_ slot: SlotIndex, departures: inout Departures<Key, Value>) {
        _wheel.cancel(slot)
        forgetLoadTerms(of: slot)
        let evicted = _table.removeEntry(at: slot)
        departures.append(evicted.key, evicted.value, cause: .evicted)
    }
}
