#if Vapor
import Vapor

extension CacheExpirationTime {
    /// The expiration time as a Theine TTL, without overflowing where Vapor's `seconds` would trap:
    /// `nil` (never expires) when it is too long to count in seconds, `.zero` (expired at once) when
    /// it is too negative.
    var timeToLive: Duration? {
        let (count, unit): (Int, Int) =
            switch self {
            case .seconds(let seconds): (seconds, 1)
            case .minutes(let minutes): (minutes, 60)
            case .hours(let hours): (hours, 3_600)
            case .days(let days): (days, 86_400)
            }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: unit)
        guard !overflow else { return count < 0 ? .zero : nil }
        return .seconds(seconds)
    }
}
#endif
