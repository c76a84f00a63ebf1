#if Postgres
import Synchronization

/// One load at a time for each key on this instance: callers of a key whose load is in flight
/// wait for it and get its value or error.
final class LoadFlights<Value: Sendable>: Sendable {
    private struct Flight {
        var id: UInt64
        var task: Task<Value, any Error>
    }

    private struct State {
        var flights: [String: Flight] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Joins the load of `key` in flight, or starts `load` in a task of its own (which runs on if
    /// every caller is cancelled), and returns its result.
    func run(_ key: String, _ load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = state.withLock { state in
            if let flight = state.flights[key] { return flight.task }
            let id = state.nextID
            state.nextID += 1
            let task = Task {
                defer { self.finish(key, id: id) }
                return try await load()
            }
            state.flights[key] = Flight(id: id, task: task)
            return task
        }
        return try await task.value
    }

    private func finish(_ key: String, id: UInt64) {
        state.withLock {
            if $0.flights[key]?.id == id { $0.flights[key] = nil }
        }
    }
}
#endif
