import Synchronization

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``VersionedSource`` throws while failing.
struct SourceDown: Error {}

/// A data source for refreshes: each call returns the next version (`10 × calls`), or throws while
/// failing; while closed, a call waits until opened. Counts calls and the cancellations it saw.
final class VersionedSource: Sendable {
    private let state = LockedState<(calls: Int, cancelled: Int, isOpen: Bool, isFailing: Bool)>((0, 0, true, false))
    /// Whether a waiting call ends when its task is cancelled.
    let honoursCancellation: Bool

    init(honoursCancellation: Bool = true) {
        self.honoursCancellation = honoursCancellation
    }

    var calls: Int { state.withLock { $0.calls } }
    var cancellations: Int { state.withLock { $0.cancelled } }

    func close() { state.withLock { $0.isOpen = false } }
    func open() { state.withLock { $0.isOpen = true } }
    func fail(_ isFailing: Bool) { state.withLock { $0.isFailing = isFailing } }

    func load() async throws -> Int {
        let call = state.withLock {
            $0.calls += 1
            return $0.calls
        }
        while !state.withLock({ $0.isOpen }) {
            if Task.isCancelled, honoursCancellation {
                state.withLock { $0.cancelled += 1 }
                throw CancellationError()
            }
            await Task.yield()
        }
        if state.withLock({ $0.isFailing }) { throw SourceDown() }
        return 10 * call
    }

    func loadBlocking() throws -> Int {
        let call = state.withLock {
            $0.calls += 1
            return $0.calls
        }
        while !state.withLock({ $0.isOpen }) { usleep(100) }
        if state.withLock({ $0.isFailing }) { throw SourceDown() }
        return 10 * call
    }
}
