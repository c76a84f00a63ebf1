import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The default clock's present read cheaply, for the hits of sliding expiry: the kernel's coarse
/// monotonic clock (`CLOCK_MONOTONIC_COARSE`, read from the vDSO's data page without the
/// time-stamp counter) moved onto the default clock's scale (`CLOCK_BOOTTIME`).
///
/// A hit on a cache with `expireAfterAccess` checks and records its time: a precise read of the
/// default clock would cost most of a hit, the coarse one a tenth of it. Its resolution is the
/// kernel's tick (1 to 10 ms with the usual `CONFIG_HZ`), and it is never ahead of the precise
/// clock, so a hit checks the entry against a time up to about a tick early (``lowerBound()``: an
/// idle entry may be returned up to a tick after its limit, never before), and records the end of
/// that tick (plus ``resolution``). A kernel tick that comes late leaves the coarse clock further
/// behind, by tens of microseconds measured here: the recorded access may then precede the hit by
/// that much.
///
/// The two clocks differ by the time the system has slept. The offset between them is read again
/// (two precise reads) by the first call in each coarse tick, so that after a resume it is stale
/// for at most one tick; calls in the same tick share the offset that call stored (published with
/// its tick: a call that sees the tick sees its offset).
///
/// Process-wide state that no one frees, reached through a plain pointer so that a hit needs no
/// reference count nor lazy-initialization check (and `Sendable`: the pointer leads only to
/// atomics). Where the platform has no coarse clock (only
/// Linux has been measured), ``shared`` is `nil` and the cache reads its clock precisely.
@usableFromInline
struct CoarseAccessClock: @unchecked Sendable {
    /// What every cache shares: the tick the offset was read in, and the offset.
    @usableFromInline
    struct Offset: ~Copyable {
        /// The coarse clock's reading when ``nanoseconds`` was stored; −1 before the first.
        @usableFromInline let tick = Atomic<Int64>(-1)
        /// `CLOCK_BOOTTIME` minus `CLOCK_MONOTONIC`, read in that tick.
        @usableFromInline let nanoseconds = Atomic<Int64>(0)
    }

    @usableFromInline let _offset: UnsafeMutablePointer<Offset>
    /// The coarse clock's resolution in nanoseconds: at most how far ``lowerBound()`` is behind.
    @usableFromInline let resolution: Int64

    /// The clock, where the platform has one.
    static let shared: CoarseAccessClock? = {
        #if os(Linux)
        var resolution = timespec()
        guard clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0 else { return nil }
        let offset = UnsafeMutablePointer<Offset>.allocate(capacity: 1)
        offset.initialize(to: Offset())
        return CoarseAccessClock(
            _offset: offset,
            resolution: Int64(resolution.tv_sec) * 1_000_000_000 + Int64(resolution.tv_nsec)
        )
        #else
        return nil
        #endif
    }()

    @usableFromInline
    init(_offset: UnsafeMutablePointer<Offset>, resolution: Int64) {
        self._offset = _offset
        self.resolution = resolution
    }

    /// The present on the default clock's scale, in nanoseconds, never later than a precise
    /// reading taken at the same moment and less than ``resolution`` earlier.
    ///
    /// - Complexity: O(1): a vDSO read of the coarse clock and two atomic loads; once a tick, two
    ///   precise reads more.
    @inlinable @inline(__always)
    func lowerBound() -> Int64 {
        #if os(Linux)
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        let coarse = Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        let offset =
            _offset.pointee.tick.load(ordering: .acquiring) == coarse
            ? _offset.pointee.nanoseconds.load(ordering: .relaxed) : storeOffset(tick: coarse)
        return coarse &+ offset
        #else
        preconditionFailure("no coarse clock on this platform")
        #endif
    }

    /// Reads and stores the offset between the two clocks for the coarse tick `tick`.
    @usableFromInline @inline(never)
    func storeOffset(tick: Int64) -> Int64 {
        #if os(Linux)
        var boot = timespec()
        var monotonic = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        // Read second, `monotonic` is the later: the offset errs low (a lower bound stays one) by
        // the nanoseconds between the reads.
        let offset =
            (Int64(boot.tv_sec) - Int64(monotonic.tv_sec)) * 1_000_000_000
            + (Int64(boot.tv_nsec) - Int64(monotonic.tv_nsec))
        _offset.pointee.nanoseconds.store(offset, ordering: .relaxed)
        _offset.pointee.tick.store(tick, ordering: .releasing)
        return offset
        #else
        preconditionFailure("no coarse clock on this platform")
        #endif
    }
}
