/// What a loading read asks of the value its load stores: its time to live, when it is due for a
/// refresh, and how long past its time to live it is kept to answer loads that fail. Made where a
/// load or a refresh begins, so that a hit converts no `Duration`.
@usableFromInline
struct LoadTerms: Sendable {
    /// The stored value's time to live; `nil`: it does not expire.
    @usableFromInline let ttl: Duration?
    /// Nanoseconds after the store when the value is due for a refresh; `nil`: never.
    @usableFromInline let refreshAfter: Int64?
    /// Nanoseconds past the TTL during which the value is kept, invisible to reads, to answer a
    /// load of its key that fails; `nil`: none.
    @usableFromInline let staleIfError: Int64?

    /// Terms in the units the state stores. Traps unless `refreshAfter` and `staleIfError`, where
    /// given, are above `.zero`.
    @usableFromInline
    init(ttl: Duration?, refreshAfter: Duration?, staleIfError: Duration?) {
        self.ttl = ttl
        self.refreshAfter = refreshAfter.map { Self.positiveNanoseconds($0, named: "refreshAfter") }
        self.staleIfError = staleIfError.map { Self.positiveNanoseconds($0, named: "staleIfError") }
    }

    /// `duration` in nanoseconds, trapping unless it is above `.zero`; `Int64.max` (never) beyond
    /// 100 years.
    @usableFromInline
    static func positiveNanoseconds(_ duration: Duration, named name: StaticString) -> Int64 {
        switch TimeToLive.applying(duration) {
        case .nanoseconds(let nanoseconds): return nanoseconds
        case .forever: return .max
        case .expired: fatalError("\(name) must be above .zero, got \(duration)")
        }
    }

    /// Traps unless `duration`, if given, is above `.zero`: one comparison, for a hit, which needs
    /// no conversion.
    @inlinable @inline(__always)
    static func requirePositive(_ duration: Duration?, named name: StaticString) {
        if let duration, duration <= .zero { _ = positiveNanoseconds(duration, named: name) }
    }
}
