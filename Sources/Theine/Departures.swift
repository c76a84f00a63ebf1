/// What leaves one shard of a cache during one call, each entry with its cause, and whether the
/// call set a deadline (the cache then needs the expiration ticker).
///
/// Every change inside a shard fills one of these under the shard's lock; the cache settles it
/// after the lock is released (`Cache._settle(_:)`), so that the keys and values are released, and
/// any user code they trigger runs, outside the lock. It holds the common cases inline, without
/// allocating: one replaced or removed value, and one evicted entry beside it (an insertion that
/// finds an expired entry and evicts another). Entries the timer wheel expires in bulk go to an
/// array, as does anything beyond two; `removeAll` hands over its old table whole, so clearing a
/// shard's live entries costs O(1) under its lock.
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
    /// A table whose every entry left at once (`removeAll`), each with `_clearedCause`.
    @usableFromInline var _clearedTable: EntryTable<Key, Value>?
    /// Why the entries of `_clearedTable` left: ``RemovalCause/explicit``, or
    /// ``RemovalCause/invalidated`` when a near cache clears its local level.
    @usableFromInline var _clearedCause = RemovalCause.explicit
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

    /// Records that every entry of `table` left for `cause`.
    /// A call clears a shard's table at most once.
    @inlinable
    mutating func appendCleared(_ table: consuming EntryTable<Key, Value>, cause: RemovalCause) {
        let hasCleared =
            switch _clearedTable {
            case .some: true
            case .none: false
            }
        precondition(!hasCleared, "a call clears a shard's table once")
        _clearedTable = consume table
        _clearedCause = cause
    }

    /// Whether nothing left. (The slots fill in order: the first is empty only if all are.)
    @inlinable
    var isEmpty: Bool {
        guard _first == nil else { return false }
        switch _clearedTable {
        case .some: return false
        case .none: return true
        }
    }

    /// Tells `settler` of every entry that left, and its cause, in the order they left.
    ///
    /// - Complexity: O(entries), plus O(slots / 64) for a cleared table.
    @inlinable
    func tell(_ settler: some DepartureSettling<Key, Value>) {
        // The slots fill in order, so the array is looked at only when both are full.
        if let first = _first {
            settler._tell(first.key, first.value, first.cause)
            if let second = _second {
                settler._tell(second.key, second.value, second.cause)
                for departure in _more { settler._tell(departure.key, departure.value, departure.cause) }
            }
        }
        switch _clearedTable {
        case .some(let table): table.forEachEntry { settler._tell($0.key, $0.value, _clearedCause) }
        case .none: break
        }
    }
}

/// What settles the departures of a shard after unlocking, and tells its removal listener of each:
/// the cache that owns it (`Cache._settle(_:)`, `Cache._tell(_:_:_:)`). A protocol so that the
/// shard's read path and the departures themselves are handed the cache as an argument, without a
/// closure that would retain it, or the listener, on every call.
@usableFromInline
protocol DepartureSettling<Key, Value>: AnyObject {
    associatedtype Key: Hashable
    associatedtype Value
    func _settle(_ departures: consuming Departures<Key, Value>)
    func _tell(_ key: Key, _ value: Value, _ cause: RemovalCause)
}

/// Departures handed to another queue to be settled there: what the background ticker expires,
/// notified off the ticker's queue.
///
/// Unchecked `Sendable`: it is created, handed over once, and then touched by one queue only; its
/// keys and values are `Sendable`.
final class PendingDepartures<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let departures: Departures<Key, Value>

    init(_ departures: consuming Departures<Key, Value>) {
        self.departures = departures
    }

    /// Tells `settler` of every departure, in order. The entries are released with this object.
    func tell(_ settler: some DepartureSettling<Key, Value>) {
        departures.tell(settler)
    }
}
