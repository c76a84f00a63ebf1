@testable import Theine

/// What a removal listener heard, in order. Guarded by `LockedState` (a pthread mutex), which
/// ThreadSanitizer models.
final class Departed: Sendable {
    private let state = LockedState<[(key: Int, value: Int, cause: RemovalCause)]>([])
    var all: [(key: Int, value: Int, cause: RemovalCause)] { state.withLock { $0 } }
    func record(_ key: Int, _ value: Int, _ cause: RemovalCause) { state.withLock { $0.append((key, value, cause)) } }
}

/// A counter shared by a body and its test, safe from any thread.
final class Counter: Sendable {
    private let state = LockedState(0)
    var value: Int { state.withLock { $0 } }
    @discardableResult func increment() -> Int {
        state.withLock {
            $0 += 1
            return $0
        }
    }
}
