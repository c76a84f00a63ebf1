/// What a bulk load's waiter is handed for one of its keys when that key's load ends.
@usableFromInline
typealias LoadResultHandler<Value: Sendable> = @Sendable (Result<Value, any Error>) -> Void

/// One load in flight for one key: the task running the loader, and the callers waiting for its
/// result (single flight: however many ask, the loader runs once). A key of a bulk load
/// (`Cache.getAll(_:ttl:loader:)`) has its own flight, which belongs to the load's ``BulkLoadGroup``.
///
/// Guarded by: the lock of the shard that holds the key. Every field is read and written with that
/// lock held; continuations are resumed and the task cancelled only after it is released.
@usableFromInline
final class LoadFlight<Value: Sendable>: @unchecked Sendable {
    /// The callers waiting, by ticket.
    var waiters: [ObjectIdentifier: CheckedContinuation<Value, any Error>] = [:]
    /// The bulk loads waiting for this key, by ``BulkWaiter``.
    var bulkWaiters: [ObjectIdentifier: LoadResultHandler<Value>] = [:]
    /// The task running the loader; `nil` for a key of a bulk load, whose group holds it.
    var task: Task<Void, Never>?
    /// The bulk load this key belongs to: its loader call serves every key of the group, and it is
    /// abandoned when no caller waits for any of them.
    let group: BulkLoadGroup?
    /// Set when a write or a removal touched the key during the load: the loaded value is then
    /// handed to the waiters but not stored, so the newer write wins.
    @usableFromInline var isSuperseded = false
    /// Where threads blocked on this load wait (the blocking `get`); created by the first of them,
    /// or with the flight when a thread runs the loader itself.
    var completion: BlockingCompletion<Value>?
    /// Whether this load reloads a key whose value may be present (a refresh): it runs on when its
    /// waiters leave (it may have none), an update supersedes it instead of waiting for it, and
    /// ``Cache/close()`` cancels it.
    @usableFromInline let isRefresh: Bool

    init(isRefresh: Bool = false, group: BulkLoadGroup? = nil) {
        self.isRefresh = isRefresh
        self.group = group
    }

    /// Whether a caller that asks for the key may wait for this load, counting it as one of its
    /// group's waiters: `false` once the group was abandoned (its loader cancelled), when the caller
    /// starts a load of its own instead.
    func admitsWaiter() -> Bool {
        group?.addWaiter() ?? true
    }

    /// Whether no caller waits for this load (a thread never stops waiting).
    var hasNoWaiter: Bool {
        waiters.isEmpty && bulkWaiters.isEmpty && completion == nil
    }
}

/// A caller's place in a load: lets its cancellation find its continuation, and marks a caller
/// cancelled before it was registered, so that it is never left waiting.
///
/// Guarded by: the same shard lock as its flight.
final class LoadTicket: @unchecked Sendable {
    var isCancelled = false
}
