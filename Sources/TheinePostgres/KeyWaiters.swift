#if Postgres
import Synchronization

/// Callers waiting for a message about a key (another instance's load of it ending): each takes a
/// ticket *before* it asks for the lease, so that a message arriving between its question and its
/// wait still wakes it.
final class KeyWaiters: Sendable {
    private struct Waiter {
        var isWoken = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private struct State {
        var waiters: [String: [UInt64: Waiter]] = [:]
        var nextTicket: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Registers a wait for a message about `key`.
    func register(_ key: String) -> UInt64 {
        state.withLock {
            let ticket = $0.nextTicket
            $0.nextTicket += 1
            $0.waiters[key, default: [:]][ticket] = Waiter()
            return ticket
        }
    }

    /// Wakes every wait registered for `key`.
    func wake(_ key: String) {
        let continuations = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard var waiters = state.waiters[key] else { return [] }
            var continuations: [CheckedContinuation<Void, Never>] = []
            for ticket in waiters.keys {
                waiters[ticket]!.isWoken = true
                if let continuation = waiters[ticket]!.continuation {
                    continuations.append(continuation)
                    waiters[ticket]!.continuation = nil
                }
            }
            state.waiters[key] = waiters
            return continuations
        }
        for continuation in continuations { continuation.resume() }
    }

    /// Wakes every wait.
    func wakeAll() {
        for key in state.withLock({ Array($0.waiters.keys) }) { wake(key) }
    }

    /// Waits until `ticket` is woken, `timeout` passes or the task is cancelled; then forgets it.
    func wait(_ key: String, ticket: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspend(key, ticket: ticket) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        forget(key, ticket: ticket)
    }

    /// Forgets `ticket` (its wait is over, or never began).
    func forget(_ key: String, ticket: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            let continuation = state.waiters[key]?[ticket]?.continuation
            state.waiters[key]?[ticket] = nil
            if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
            return continuation
        }
        continuation?.resume()
    }

    private func suspend(_ key: String, ticket: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard let waiter = state.waiters[key]?[ticket], !waiter.isWoken, !Task.isCancelled else {
                        return true
                    }
                    state.waiters[key]?[ticket]?.continuation = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                let continuation = state.waiters[key]?[ticket]?.continuation
                state.waiters[key]?[ticket]?.continuation = nil
                state.waiters[key]?[ticket]?.isWoken = true
                return continuation
            }
            continuation?.resume()
        }
    }
}
#endif
