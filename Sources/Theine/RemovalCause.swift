/// Why an entry left a cache.
@usableFromInline
struct RemovalCause: Hashable, Sendable {
    @usableFromInline let _code: UInt8

    @inlinable
    init(_code: UInt8) {
        self._code = _code
    }

    /// Removed by a call: `remove`, `removeAll`, or a `set` with a TTL of zero or less.
    @inlinable static var explicit: Self { Self(_code: 0) }
    /// Its value was overwritten by a `set` (or a load) of its key.
    @inlinable static var replaced: Self { Self(_code: 1) }
    /// Its TTL passed.
    @inlinable static var expired: Self { Self(_code: 2) }
    /// The policy chose it to make room.
    @inlinable static var evicted: Self { Self(_code: 3) }
}
