/// Removal on another instance's word: what a near cache (`NearCache`, in `TheinePostgres`) calls
/// when an invalidation message says that its local copy of a key, or of everything, is out of
/// date. Package-only: an app removes entries with ``remove(_:)`` and ``removeAll()``.
extension Cache {
    /// Removes `key`'s entry, which departs ``RemovalCause/invalidated`` (expired, if past its
    /// deadline) and counts as an explicit removal.
    ///
    /// - Returns: the value that was stored for `key`, or `nil` if there was none or it had expired.
    /// - Complexity: O(1).
    @discardableResult
    package func invalidate(_ key: Key) -> Value? {
        let hashValue = hashValue(of: key)
        var departures = Departures<Key, Value>()
        let removed = _withShard(hashValue: hashValue) {
            $0.withLock { $0.remove(key, hashValue: hashValue, cause: .invalidated, departures: &departures) }
        }
        _settle(departures)
        return removed
    }

    /// Removes every entry, as ``removeAll()`` does, each live one departing
    /// ``RemovalCause/invalidated``.
    ///
    /// - Complexity: as ``removeAll()``.
    package func invalidateAll() {
        for shard in _shards {
            var departures = Departures<Key, Value>()
            shard.withLock { $0.removeAll(cause: .invalidated, departures: &departures) }
            _settle(departures)
        }
    }
}
