/// Why an entry left a cache, as told to its removal listener (``Cache/init(capacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``).
///
/// A struct with static members rather than an enum, so that later versions can add causes
/// without breaking a `switch` in your code: match the causes you handle and give the rest a
/// `default`.
///
/// ```swift
/// let connections = Cache<String, Connection>(capacity: 100) { _, connection, cause in
///     if cause.wasEvicted { metrics.increment("evicted") }
///     connection.close()
/// }
/// ```
public struct RemovalCause: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline let _code: UInt8

    @inlinable
    init(_code: UInt8) {
        self._code = _code
    }

    /// Removed by a call: ``Cache/remove(_:)``, ``Cache/removeAll()``, or a ``Cache/set(_:_:ttl:)``
    /// with a TTL of zero or less.
    @inlinable public static var explicit: Self { Self(_code: 0) }

    /// Overwritten: a ``Cache/set(_:_:ttl:)`` or a load stored another value for the key.
    @inlinable public static var replaced: Self { Self(_code: 1) }

    /// Its time to live passed: removed by a read, a write, ``Cache/removeExpired()``, the
    /// background ticker or ``Cache/removeAll()``, or overwritten after its deadline.
    @inlinable public static var expired: Self { Self(_code: 2) }

    /// The eviction policy chose it to make room for another entry.
    @inlinable public static var evicted: Self { Self(_code: 3) }

    /// Another instance changed or removed the key: a near cache (`NearCache`, in the
    /// `TheinePostgres` module) dropped its local copy on an invalidation message, or cleared its
    /// local level to resynchronize. Counted in ``CacheStats/explicitRemovalCount``.
    @inlinable public static var invalidated: Self { Self(_code: 4) }

    /// Whether the cache removed the entry by itself (``expired`` or ``evicted``), rather than a
    /// call removing or replacing it.
    @inlinable
    public var wasEvicted: Bool {
        self == .expired || self == .evicted
    }

    /// The cause's name: `explicit`, `replaced`, `expired`, `evicted` or `invalidated`.
    public var description: String {
        switch _code {
        case 0: "explicit"
        case 1: "replaced"
        case 2: "expired"
        case 3: "evicted"
        default: "invalidated"
        }
    }
}
