/// What left a cache during one write, handed out of the lock so that it is released after
/// unlocking; and whether the cache must now join the expiration ticker.
@usableFromInline
struct Departures<Key: Hashable, Value> {
    @usableFromInline var replacedValue: Value?
    @usableFromInline var evicted: EntryTable<Key, Value>.Entry?
    @usableFromInline var expired: [EntryTable<Key, Value>.Entry] = []
    @usableFromInline var joinsTicker = false

    @inlinable
    init() {}
}
