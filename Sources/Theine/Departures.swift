/// What leaves one shard of a cache during one call, each entry with its cause, and whether the
/// call set a deadline (the cache then needs the expiration ticker).
///
/// Every change inside a shard fills one of these under the shard's lock; the cache settles it
/// after the lock is released (`Cache._settle(_:)`), so that the keys and values are released, and
/// any user code they trigger runs, outside the lock. It holds the common cases inline, without
/// allocating: one replaced or removed value, and one evicted entry beside it (an insertion that
/// finds an expired entry and evicts another). Entries the timer wheel expires in bulk go to an
/// array, as does anything beyond two; `removeAll` hands over its old table whole, so clearing a
/// shard costs O(1) under its lock.
///
/// Noncopyable, as the table it may hold: it is settled exactly once.
@usableFromInline
struct Departures<Key: Hashable, Value>: ~Copyable {
    /// One entry that left, and why.
    @usableFromInline
    struct Departure {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        @usableFromInline var cause: RemovalCause

        @inlinable
        init(key: Key, value: Value, cause: RemovalCause) {
            self.key = key
            self.value = value
            self.cause = cause
        }
    }

    @usableFromInline var _first: Departure?
    @usableFromInline var _second: Departure?
    @usableFromInline var _more: [Departure] = []
    /// A table whose every entry left at once (`removeAll`), each with ``RemovalCause/explicit``.
    @usableFromInline var _clearedTable: EntryTable<Key, Value>?
    /// Whether the call gave an entry a deadline.
    @usableFromInline var scheduledDeadline = false

    @inlinable
    init() {}

    /// Records that `key`'s `value` left for `cause`.
    ///
    /// - Complexity: O(1); allocates only for a third departure (amortized over the array's growth).
    @inlinable @inline(__always)
    mutating func append(_ key: Key, _ value: Value, cause: RemovalCause) {
        let departure = Departure(key: key, value: value, cause: cause)
        if _first == nil {
            _first = departure
        } else if _second == nil {
            _second = departure
        } else {
            _more.append(departure)
        }
    }

    /// Records that every entry of `table` left (``RemovalCause/explicit``).
    /// A call clears a shard's table at most once.
    @inlinable
    mutating func appendCleared(_ table: consuming EntryTable<Key, Value>) {
        let hasCleared =
            switch _clearedTable {
            case .some: true
            case .none: false
            }
        precondition(!hasCleared, "a call clears a shard's table once")
        _clearedTable = consume table
    }

    /// The number of entries that left.
    @inlinable
    var count: Int {
        let inline = (_first == nil ? 0 : 1) + (_second == nil ? 0 : 1)
        switch _clearedTable {
        case .some(let table): return inline + _more.count + table.count
        case .none: return inline + _more.count
        }
    }

    /// Calls `body` with every entry that left, and its cause, in the order they left.
    ///
    /// - Complexity: O(entries), plus O(slots / 64) for a cleared table.
    @inlinable
    func forEach(_ body: (Key, Value, RemovalCause) -> Void) {
        if let first = _first { body(first.key, first.value, first.cause) }
        if let second = _second { body(second.key, second.value, second.cause) }
        for departure in _more { body(departure.key, departure.value, departure.cause) }
        switch _clearedTable {
        case .some(let table): table.forEachEntry { body($0.key, $0.value, .explicit) }
        case .none: break
        }
    }
}

/// What settles the departures of a shard after unlocking: the cache that owns it
/// (`Cache._settle(_:)`). A protocol so that a shard's read path can hand its rare departures to
/// the cache it was given as an argument, without a closure that would retain the cache on every
/// read.
@usableFromInline
protocol DepartureSettling<Key, Value>: AnyObject {
    associatedtype Key: Hashable
    associatedtype Value
    func _settle(_ departures: consuming Departures<Key, Value>)
}
