#if Postgres
import Theine

/// A near cache's counters: its local cache's, and what it exchanged with PostgreSQL.
public struct NearCacheStats: Sendable, Equatable {
    /// The local cache's statistics (``/Theine/CacheStats``). Reads that bypassed the local level
    /// while it could not be trusted (not listening) are not in it.
    public var local: CacheStats
    /// Reads that the local level could not answer and the shared level did.
    public var sharedHitCount: Int
    /// Reads that neither level answered.
    public var sharedMissCount: Int
    /// Loads (the loading ``NearCache/get(_:ttl:loader:)``) whose loader returned a value.
    public var loadSuccessCount: Int
    /// Loads whose loader threw.
    public var loadFailureCount: Int
    /// Keys this instance announced as changed (writes, removals, invalidations).
    public var invalidationsSent: Int
    /// Keys other instances announced as changed (a `removeAll` counts one).
    public var invalidationsReceived: Int
    /// Times the local level was cleared because changes may have been missed: when listening
    /// began the first time, and when it began again after the log had been pruned past what
    /// this instance last heard.
    public var resynchronizationCount: Int
    /// Times listening began again and the changes missed meanwhile were read back from the log
    /// (each dropping the older local copy of its key), instead of clearing.
    public var replayCount: Int
    /// Shared values that failed to decode (another version of the app wrote them): each was a
    /// miss, and the row was left as it is.
    public var decodingFailureCount: Int
}
#endif
