#if Postgres
import Synchronization

/// Makes sure a near cache's tables are checked once before its first statement: the first caller
/// (a method, or ``NearCache/run()``) runs the check and the others wait for it; a failed check is
/// tried again by the next caller.
final class SchemaGate: Sendable {
    private enum State {
        case unchecked
        case checking(Task<Void, any Error>)
        case ready
    }

    private let state = Mutex(State.unchecked)

    /// Returns once `check` has succeeded, in this call or an earlier one.
    func prepare(_ check: @escaping @Sendable () async throws -> Void) async throws {
        let task: Task<Void, any Error>? = state.withLock {
            switch $0 {
            case .ready:
                return nil
            case .checking(let task):
                return task
            case .unchecked:
                let task = Task { try await check() }
                $0 = .checking(task)
                return task
            }
        }
        guard let task else { return }
        do {
            try await task.value
            state.withLock { $0 = .ready }
        } catch {
            state.withLock {
                if case .checking(let current) = $0, current == task { $0 = .unchecked }
            }
            throw error
        }
    }
}
#endif
