/// One caller of the async `Cache.getAll(_:ttl:loader:)` waiting for the keys it missed: one
/// continuation for all of them, resumed when the last key's load ends, at the first failure, or
/// at the caller's cancellation.
///
/// The flights and watches it waits in hold its ``handler(for:)`` closures; it records where it
/// registered, so that a caller that stops early leaves each of them (and a bulk load nobody waits
/// for any more is cancelled). Locks: a shard's, then this one; never the other way round.
final class BulkWaiter<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// What the wait ends with: the values loaded, and the keys that an update held back, to look
    /// up again once it ended.
    struct Outcome {
        var values: [Key: Value] = [:]
        var heldBack: [Key] = []
    }

    /// Where the caller waits for a key.
    enum Registration {
        case flight(LoadFlight<Value>)
        case watch
    }

    /// A continuation and what to resume it with, after unlocking.
    private typealias Resumption = (CheckedContinuation<Outcome, any Error>, Result<Outcome, any Error>)

    private struct State {
        var continuation: CheckedContinuation<Outcome, any Error>?
        var outcome = Outcome()
        var pendingCount: Int
        var isEnded = false
        /// Where the caller still waits, by key.
        var registrations: [Key: Registration] = [:]

        /// Marks the wait ended; the continuation to resume with `result`, if it was set.
        mutating func end(with result: Result<Outcome, any Error>) -> Resumption? {
            guard !isEnded else { return nil }
            isEnded = true
            defer { continuation = nil }
            return continuation.map { ($0, result) }
        }
    }

    private let state: LockedState<State>

    /// A waiter for `count` keys.
    init(count: Int) {
        state = LockedState(State(pendingCount: count))
    }

    /// Takes the continuation to resume; `false` (having resumed it with `CancellationError`) if
    /// the caller was cancelled already.
    func begin(_ continuation: CheckedContinuation<Outcome, any Error>) -> Bool {
        let isCancelled = state.withLock { state in
            if !state.isEnded { state.continuation = continuation }
            return state.isEnded
        }
        if isCancelled { continuation.resume(throwing: CancellationError()) }
        return !isCancelled
    }

    /// Whether the caller still waits (not cancelled, no failure yet).
    var isWaiting: Bool {
        state.withLock { !$0.isEnded }
    }

    /// Notes that the caller waits for `key` at `registration`, under the lock of the key's shard.
    func noteRegistration(_ registration: Registration, for key: Key) {
        state.withLock { $0.registrations[key] = registration }
    }

    /// The closure a flight or a watch calls with `key`'s result.
    func handler(for key: Key) -> LoadResultHandler<Value> {
        { result in self.deliver(result, for: key) }
    }

    /// Records `key`'s result: a value, a key the loader left out (absent), a key an update held
    /// back (to look up again), or a failure, which ends the wait.
    func deliver(_ result: Result<Value, any Error>, for key: Key) {
        let resumption: Resumption? = state.withLock { state in
            guard !state.isEnded else { return nil }
            state.registrations[key] = nil
            switch result {
            case .success(let value): state.outcome.values[key] = value
            case .failure(is KeyLeftOut): break
            case .failure(is WatchEnded): state.outcome.heldBack.append(key)
            case .failure(let error): return state.end(with: .failure(error))
            }
            state.pendingCount -= 1
            return state.pendingCount == 0 ? state.end(with: .success(state.outcome)) : nil
        }
        if let (continuation, result) = resumption { continuation.resume(with: result) }
    }

    /// Ends the wait with `CancellationError`.
    func cancel() {
        let continuation = state.withLock { state in
            state.end(with: .failure(CancellationError()))?.0
        }
        continuation?.resume(throwing: CancellationError())
    }

    /// The places the caller still waits in, once the wait ended, to leave them.
    func takeRegistrations() -> [Key: Registration] {
        state.withLock { state in
            defer { state.registrations = [:] }
            return state.registrations
        }
    }
}
