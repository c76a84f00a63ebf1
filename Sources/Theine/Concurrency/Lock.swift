#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex and the state it guards, in one allocation.
///
/// The state is the buffer's header and the mutex its single tail element, so the mutex has a stable
/// address (pthread mutexes must not move) and taking the lock touches the same cache lines as the
/// state it protects. The state is reachable only through ``withLock(_:)``.
///
/// `Synchronization.Mutex` is not used: on Linux in Swift 6.3 it is a priority-inheritance futex
/// that collapses under contention (swiftlang/swift#88440; `Documentation/DesignNotes.md`, core
/// issue). Debug builds use an error-checking mutex, so lock timings from debug builds mean nothing.
@usableFromInline
struct LockedState<State> {
    @usableFromInline
    let _storage: LockStorage<State>

    /// Creates a lock guarding `state`.
    init(_ state: State) {
        _storage = LockStorage.create(state)
    }

    /// Runs `body` with exclusive access to the state.
    ///
    /// `body` must not call back into anything that takes this lock: the mutex is not recursive.
    @inlinable @inline(__always)
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        try _storage.withLock(body)
    }
}

// Guarded by the mutex in the storage's tail element: every access to the state goes through
// `withLock`.
extension LockedState: @unchecked Sendable {}

/// The allocation behind ``LockedState``: the state as the header, the mutex as the one element.
@usableFromInline
final class LockStorage<State>: ManagedBuffer<State, pthread_mutex_t> {
    static func create(_ state: State) -> LockStorage<State> {
        let buffer = Self.create(minimumCapacity: 1) { _ in state }
        // `create(minimumCapacity:makingHeaderWith:)` is a class method of ManagedBuffer; the
        // dynamic type is this subclass.
        let storage = unsafeDowncast(buffer, to: LockStorage<State>.self)
        storage.withUnsafeMutablePointerToElements { initializeMutex($0) }
        return storage
    }

    deinit {
        withUnsafeMutablePointerToElements { destroyMutex($0) }
    }

    @inlinable @inline(__always)
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        try withUnsafeMutablePointers { state, mutex in
            let lockError = pthread_mutex_lock(mutex)
            precondition(lockError == 0, "pthread_mutex_lock failed: \(lockError)")
            defer {
                let unlockError = pthread_mutex_unlock(mutex)
                precondition(unlockError == 0, "pthread_mutex_unlock failed: \(unlockError)")
            }
            return try body(&state.pointee)
        }
    }
}

/// Initializes the pthread mutex at `mutex`: error-checking in debug builds, so that misuse traps
/// there, the default (fastest) kind otherwise.
func initializeMutex(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
    var attributes = pthread_mutexattr_t()
    pthread_mutexattr_init(&attributes)
    #if DEBUG
    pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ERRORCHECK))
    #endif
    let error = pthread_mutex_init(mutex, &attributes)
    precondition(error == 0, "pthread_mutex_init failed: \(error)")
    pthread_mutexattr_destroy(&attributes)
}

/// Destroys the pthread mutex at `mutex`, which must be unlocked.
func destroyMutex(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
    let error = pthread_mutex_destroy(mutex)
    precondition(error == 0, "pthread_mutex_destroy failed: \(error)")
}
