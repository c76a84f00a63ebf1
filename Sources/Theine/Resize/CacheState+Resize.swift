/// The shard's side of ``Cache/resize(to:)``.
extension CacheState {
    /// Sets the shard's bound to `bound`: its capacity, or in a weighted shard its maximum weight,
    /// with `maximumEntryWeight` its heaviest entry. The policy's targets follow; what the shard
    /// holds beyond the new bound is evicted now, in the policy's order, and departs
    /// ``RemovalCause/evicted``.
    ///
    /// - Complexity: O(k) for the k entries evicted, besides the policy's own adjustments.
    mutating func resize(to bound: Int, maximumEntryWeight: Int, departures: inout Departures<Key, Value>) {
        if let evictor = _evictor {
            let victims = evictor.resize(maximum: bound, maximumEntryWeight: maximumEntryWeight)
            removeVictims(victims, departures: &departures)
        } else {
            var victims: [SlotIndex] = []
            _policy.resize(to: bound, into: &victims)
            for victim in victims { removeVictim(victim, departures: &departures) }
            _evictionCount &+= victims.count
        }
        checkInvariantsIfEnabled()
    }
}
