#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The time source a cache measures TTLs against.
///
/// A cache reads its clock only for entries that have a TTL: when it stores one, when it reads
/// one, and when its expired entries are removed. The default, ``ContinuousCacheClock``, is
/// monotonic; tests inject a ``ManualCacheClock`` and advance it instead of sleeping:
///
/// ```swift
/// let clock = ManualCacheClock()
/// let cache = Cache<String, Int>(capacity: 100, clock: clock)
/// cache.set("token", 1, ttl: .seconds(30))
/// clock.advance(by: .seconds(31))
/// cache.get("token")   // nil: expired
/// ```
///
/// A clock must never go backwards. If one does, entries expire late (once the clock catches up),
/// never early.
public protocol CacheClock: Sendable {
    /// The current time, as the time elapsed since an origin the clock chooses and keeps.
    var now: Duration { get }
}

extension CacheClock where Self == ContinuousCacheClock {
    /// The default clock: monotonic, and counting while the system sleeps.
    public static var continuous: ContinuousCacheClock { ContinuousCacheClock() }
}

/// The default ``CacheClock``: the standard library's `ContinuousClock`, which is monotonic and
/// keeps counting while the system is asleep.
///
/// On Linux the cache reads it as `CLOCK_BOOTTIME` nanoseconds (what `ContinuousClock` reads there)
/// without building a `Duration`, whose conversion to nanoseconds divides 128-bit integers.
///
/// Continuous rather than suspending time, because a TTL bounds how stale a value may be in the
/// world's time: an entry stored with a one-minute TTL before a laptop sleeps for an hour is an hour
/// old when it wakes, and must not be served. (On a server that never sleeps the two clocks agree.)
public struct ContinuousCacheClock: CacheClock {
    private let origin: ContinuousClock.Instant

    /// Creates a clock whose origin is the present instant.
    public init() {
        origin = .now
    }

    public var now: Duration { .now - origin }

    /// The present in nanoseconds from an origin fixed for the process, read the cheapest way the
    /// platform allows; `nil` where only `now` is available. The cache uses it for its own clock
    /// when it is this one.
    @inlinable
    static func systemNanoseconds() -> Int64? {
        #if os(Linux)
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        #else
        return nil
        #endif
    }
}
