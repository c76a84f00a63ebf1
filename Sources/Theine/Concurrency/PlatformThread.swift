#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a POSIX thread that runs `body`, for the package's benchmarks, simulator and tests,
/// which need threads of their own (a thread keeps its read stripe; Dispatch moves work between
/// threads). Join it with `pthread_join`.
///
/// - Precondition: the thread could be created.
package func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    #if canImport(Glibc)
    var handle = pthread_t()
    #else
    var handle: pthread_t?
    #endif
    let error = pthread_create(
        &handle,
        nil,
        { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        },
        context
    )
    precondition(error == 0, "pthread_create failed: \(error)")
    #if canImport(Glibc)
    return handle
    #else
    return handle!
    #endif
}

/// The closure a new thread runs, boxed to cross `pthread_create`'s raw pointer.
private final class ThreadBody {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}
