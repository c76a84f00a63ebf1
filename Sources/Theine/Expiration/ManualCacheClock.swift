/// A ``CacheClock`` that moves only when told to: for tests of expiry that do not sleep.
///
/// ```swift
/// let clock = ManualCacheClock()
/// let cache = Cache<Int, String>(capacity: 10, clock: clock)
/// cache.set(1, "one", ttl: .seconds(300))
/// clock.advance(by: .seconds(300))
/// #expect(cache.get(1) == nil)
/// ```
///
/// Safe to share and advance from any thread.
public final class ManualCacheClock: CacheClock {
    private let time: LockedState<Duration>

    /// Creates a clock that reads `now` until advanced.
    public init(now: Duration = .zero) {
        time = LockedState(now)
    }

    public var now: Duration {
        time.withLock { $0 }
    }

    /// Moves the clock forward by `duration`.
    ///
    /// - Precondition: `duration >= .zero`: the clock never goes backwards.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "duration must be >= .zero, got \(duration)")
        time.withLock { $0 += duration }
    }
}
