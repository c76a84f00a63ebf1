/// What left a cache during one write, handed out of the lock so that it is released after
/// unlocking; and whether a deadline was set (the cache then needs the expiration ticker).
@usableFromInline
struct Departures<Key: Hashable, Value> {
    @usableFromInline var replacedValue: Value?
    @usableFromInline var evicted: EntryTable<Key, Value>.Entry?
    @usableFromInline var expired: [EntryTable<Key, Value>.Entry] = []
    @usableFromInline var scheduledDeadline = false

    @inlinable
    init() {}
}
