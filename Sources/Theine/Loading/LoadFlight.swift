/// One load in flight for one key: the task running the loader, and the callers waiting for its
/// result (single flight: however many ask, the loader runs once).
///
/// Guarded by: the lock of the shard that holds the key. Every field is read and written with that
/// lock held; continuations are resumed and the task cancelled only after it is released.
@usableFromInline
final class LoadFlight<Value: Sendable>: @unchecked Sendable {
    /// The callers waiting, by ticket.
    var waiters: [ObjectIdentifier: CheckedContinuation<Value, any Error>] = [:]
    /// The task running the loader.
    var task: Task<Void, Never>?
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

    init(isRefresh: Bool = false) {
        self.isRefresh = isRefresh
    }
}

/// A caller's place in a load: lets its cancellation find its continuation, and marks a caller
/// cancelled before it was registered, so that it is never left waiting.
///
/// Guarded by: the same shard lock as its flight.
final class LoadTicket: @unchecked Sendable {
    var isCancelled = false
}
