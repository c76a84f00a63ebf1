/// A TTL as a cache applies it: the rules that turn any `Duration?` a caller computes into one of
/// three outcomes, so that no TTL crashes the cache.
///
/// - `nil`, or longer than ``TimeToLive/longest`` (100 years): the entry never expires.
/// - `.zero` or less: nothing is stored, and any entry for the key is removed.
/// - Anything else: the entry expires that long after it is stored, counted in whole nanoseconds
///   (at least one).
@usableFromInline
enum TimeToLive: Equatable {
    /// No expiry.
    case forever
    /// Expires this many nanoseconds (at least 1) after it is stored.
    case nanoseconds(Int64)
    /// Already expired: store nothing.
    case expired

    /// The longest TTL that expires: 100 years of 365.25 days. Longer ones never expire.
    static let longest = Duration.seconds(100 * 36_525 * 864)

    @inlinable
    init(_ ttl: Duration?) {
        guard let ttl else {
            self = .forever
            return
        }
        self = Self.applying(ttl)
    }

    @usableFromInline
    static func applying(_ ttl: Duration) -> TimeToLive {
        if ttl <= .zero { return .expired }
        if ttl > longest { return .forever }
        return .nanoseconds(max(1, ttl.nanosecondsClamped))
    }
}

extension Duration {
    /// The duration in whole nanoseconds, truncated toward zero and clamped to `Int64`'s range.
    @usableFromInline
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (wholeSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = wholeSeconds.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflowAdding else { return seconds < 0 ? .min : .max }
        return total
    }
}
