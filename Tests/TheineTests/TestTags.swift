import Testing

/// The tags that choose which `scripts/test` steps run a suite or a test, beyond the release run of
/// everything. A suite opts in where it is declared (`@Suite(.tags(.concurrency))`);
/// `scripts/test-suites` reads the tags from the sources, and `scripts/lint` fails when a suite
/// that starts threads or tasks lacks `.concurrency`.
extension Tag {
    /// Starts threads or tasks, or exercises code that others run concurrently: run again under
    /// ThreadSanitizer.
    @Tag static var concurrency: Self

    /// Mutates the storage, a policy or the timer wheel: run again with `THEINE_INTERNAL_CHECKS`,
    /// which verifies every invariant after every mutation.
    @Tag static var invariants: Self

    /// Replays hundreds of thousands of requests to assert a hit ratio, or that two caches decide
    /// alike: left out of the invariant checks (each mutation costs O(n) there) and of the
    /// ThreadSanitizer step (a single-threaded replay, minutes there); the release run has them.
    @Tag static var hitRatio: Self
}
