#if Postgres
import Synchronization

/// Runs `operation` in a task of its own and returns its result, or throws
/// ``NearCacheError/noReply(after:)`` once `limit` has passed without one.
///
/// postgres-nio 1.33.2 can leave a query waiting for ever when it was written to a connection that
/// had just failed, even once cancelled; a statement of the near cache must not make its caller
/// (or the listener) wait with it. On the deadline the operation's task is cancelled and left to
/// end whenever it does. Cancelling the caller cancels the operation, as a structured child's would
/// be.
func withReplyDeadline<Result: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let race = ReplyRace<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(operation, limit: limit, continuation: continuation)
        }
    } onCancel: {
        race.cancel()
    }
}

/// The operation's task against its deadline's: the first to end resumes the caller.
private final class ReplyRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var operation: Task<Void, Never>?
        var deadline: Task<Void, Never>?
        var isCancelled = false
    }

    private let state = Mutex(State())

    func start(
        _ operation: @escaping @Sendable () async throws -> Value,
        limit: Duration,
        continuation: CheckedContinuation<Value, any Error>
    ) {
        state.withLock { $0.continuation = continuation }
        let operationTask = Task {
            do {
                finish(with: .success(try await operation()))
            } catch {
                finish(with: .failure(error))
            }
        }
        let deadlineTask = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            operationTask.cancel()
            finish(with: .failure(NearCacheError.noReply(after: limit)))
        }
        let (isCancelled, isFinished) = state.withLock { state in
            state.operation = operationTask
            state.deadline = deadlineTask
            return (state.isCancelled, state.continuation == nil)
        }
        if isCancelled { operationTask.cancel() }
        if isFinished { deadlineTask.cancel() }
    }

    func cancel() {
        let operation = state.withLock { state in
            state.isCancelled = true
            return state.operation
        }
        operation?.cancel()
    }

    /// Resumes the caller with `result` if nothing has yet, and stops the deadline.
    private func finish(with result: Swift.Result<Value, any Error>) {
        let (continuation, deadline) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.deadline)
        }
        deadline?.cancel()
        continuation?.resume(with: result)
    }
}
#endif
