#if Postgres
import Synchronization
import Theine

/// A near cache's counters, each atomic: bumped from any task, read together by
/// ``NearCache/stats()``.
final class NearCacheCounters: Sendable {
    let sharedHits = Atomic(0)
    let sharedMisses = Atomic(0)
    let loadSuccesses = Atomic(0)
    let loadFailures = Atomic(0)
    let invalidationsSent = Atomic(0)
    let invalidationsReceived = Atomic(0)
    let resynchronizations = Atomic(0)
    let replays = Atomic(0)
    let decodingFailures = Atomic(0)
    let newestVersionHeard = Atomic<Int64>(0)
    /// Every transaction with a smaller id had its changes heard (0: not known).
    let heardThrough = Atomic<Int64>(0)

    func stats(local: CacheStats) -> NearCacheStats {
        NearCacheStats(
            local: local,
            sharedHitCount: sharedHits.load(ordering: .relaxed),
            sharedMissCount: sharedMisses.load(ordering: .relaxed),
            loadSuccessCount: loadSuccesses.load(ordering: .relaxed),
            loadFailureCount: loadFailures.load(ordering: .relaxed),
            invalidationsSent: invalidationsSent.load(ordering: .relaxed),
            invalidationsReceived: invalidationsReceived.load(ordering: .relaxed),
            resynchronizationCount: resynchronizations.load(ordering: .relaxed),
            replayCount: replays.load(ordering: .relaxed),
            decodingFailureCount: decodingFailures.load(ordering: .relaxed)
        )
    }
}
#endif
