import Synchronization
import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a body on several threads that start together, and times them from the start signal until
/// the last one ends.
enum ThreadRunner {
    private final class Context: @unchecked Sendable {
        let body: (Int) -> Void
        let ready = Atomic<Int>(0)
        let started = Atomic<Bool>(false)

        init(body: @escaping (Int) -> Void) {
            self.body = body
        }
    }

    /// Runs `body(threadIndex)` on `threads` threads at once and returns the wall time from the
    /// start signal to the end of the last one.
    static func run(threads: Int, _ body: @escaping (Int) -> Void) -> Duration {
        let context = Context(body: body)
        var handles: [pthread_t] = []
        for index in 0..<threads {
            handles.append(
                startThread {
                    context.ready.add(1, ordering: .releasing)
                    while !context.started.load(ordering: .acquiring) { sched_yield() }
                    context.body(index)
                }
            )
        }
        while context.ready.load(ordering: .acquiring) < threads { sched_yield() }
        let clock = ContinuousClock()
        let begin = clock.now
        context.started.store(true, ordering: .releasing)
        for handle in handles { pthread_join(handle, nil) }
        return clock.now - begin
    }
}
