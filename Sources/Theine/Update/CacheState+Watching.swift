/// The watches of a shard's state: which keys are being read outside the lock by a call that will
/// write them back, and the changes those calls must notice (``KeyWatch``).
extension CacheState {
    /// Notes that a write is about to change `key`'s entry: a load in flight will not store its
    /// value (the newer write wins), and a watch of the key sees a change. O(1); two count checks
    /// when nothing is loading or watched.
    @inlinable @inline(__always)
    func noteWrite(of key: Key) {
        if !_flights.isEmpty { markSuperseded(key) }
        if !_watches.isEmpty { noteChange(of: key) }
    }

    @usableFromInline
    func noteChange(of key: Key) {
        _watches[key]?.changeCount &+= 1
    }

    /// Notes that every entry changed (``removeAll(departures:)``).
    @usableFromInline
    func noteEveryChange() {
        for flight in _flights.values { flight.isSuperseded = true }
        for watch in _watches.values { watch.changeCount &+= 1 }
    }

    /// Adds a watcher to `key`'s watch, beginning one if the key has none.
    ///
    /// - Complexity: O(1).
    @inlinable
    mutating func beginWatch(of key: Key) -> KeyWatch<Value> {
        if let watch = _watches[key] {
            watch.watcherCount += 1
            return watch
        }
        let watch = KeyWatch<Value>()
        watch.watcherCount = 1
        _watches[key] = watch
        return watch
    }

    /// Takes a watcher away from `key`'s `watch`; the last one ends the watch.
    ///
    /// - Returns: the loads the watch held back, to wake after unlocking (none while others watch).
    /// - Complexity: O(1), plus O(loads held back) at the end of the watch.
    @inlinable
    mutating func endWatch(_ watch: KeyWatch<Value>, of key: Key) -> WatchRelease<Value> {
        watch.watcherCount -= 1
        guard watch.watcherCount == 0 else { return WatchRelease() }
        _watches[key] = nil
        return watch.holdsBackLoads ? watch.takeHeldBackLoads() : WatchRelease()
    }
}
