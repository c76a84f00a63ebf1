#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of a load that threads block on: a pthread mutex and condition around it.
///
/// For the blocking `Cache.get(_:ttl:loader:)` only; async callers wait on continuations instead.
@usableFromInline
final class BlockingCompletion<Value: Sendable>: @unchecked Sendable {
    // Guarded by `mutex`: `result`, `blockedCount`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var result: Result<Value, any Error>?
    private var blockedCount = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Blocks the calling thread until ``complete(_:)`` is called, and returns its result.
    func wait() -> Result<Value, any Error> {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        blockedCount += 1
        while result == nil {
            pthread_cond_wait(condition, mutex)
        }
        return result!
    }

    /// How many threads have called ``wait()``: a thread counted here has joined the load, and
    /// gets its result whenever it ends. Lets a caller (a test) know who waits before ending it.
    var waitingThreadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return blockedCount
    }

    /// Sets the result and wakes every waiting thread. Called once.
    func complete(_ result: Result<Value, any Error>) {
        pthread_mutex_lock(mutex)
        self.result = result
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
