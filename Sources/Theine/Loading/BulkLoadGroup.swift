/// The keys one call of a bulk loader serves (`Cache.getAll(_:ttl:loader:)`): how many callers
/// wait for any of them, and the task running the loader, cancelled when the last one stops.
///
/// Each key has its own ``LoadFlight`` in its shard; the group spans the shards. Its counter is
/// changed under the lock of the shard whose flight a waiter joins or leaves, then this lock,
/// never the other way round.
final class BulkLoadGroup: Sendable {
    private struct State {
        var waiterCount = 0
        var task: Task<Void, Never>?
        /// Set when the last waiter left: final, so no caller joins a load that was cancelled.
        var isAbandoned = false
    }

    private let state = LockedState(State())

    /// Counts a caller waiting for one of the group's keys; `false` once the group is abandoned.
    func addWaiter() -> Bool {
        state.withLock { state in
            guard !state.isAbandoned else { return false }
            state.waiterCount += 1
            return true
        }
    }

    /// Counts a caller that stopped waiting for one of the group's keys (cancelled).
    ///
    /// - Returns: the loader's task, to cancel after unlocking: that caller was the last.
    func removeWaiter() -> Task<Void, Never>? {
        state.withLock { state in
            state.waiterCount -= 1
            guard state.waiterCount == 0 else { return nil }
            state.isAbandoned = true
            return state.task
        }
    }

    /// Hands the group the task running its loader, cancelling it at once if every waiter has gone
    /// already.
    func run(_ task: Task<Void, Never>) {
        let isAbandoned = state.withLock { state in
            state.task = task
            return state.isAbandoned
        }
        if isAbandoned { task.cancel() }
    }
}

/// What a bulk load's flight ends with for a key its loader left out of what it returned: not a
/// failure; the key is absent from the bulk callers' results, and a caller of the single-key `get`
/// that joined the flight loads the key itself.
struct KeyLeftOut: Error {}
