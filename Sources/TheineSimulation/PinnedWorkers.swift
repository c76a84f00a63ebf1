import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads that run work on a fixed set of items in parallel, each item always on the same thread.
///
/// ```swift
/// let workers = PinnedWorkers(itemCount: caches.count)
/// workers.run { item in replay(batch, through: caches[item]) }   // item i on thread i % count
/// ```
///
/// The simulator replays a trace batch by batch through many caches at once, and each cache must
/// see its requests from one thread: a `Cache` keeps its read hits in per-thread buffers, and a
/// cache whose reads move from thread to thread (as `DispatchQueue.concurrentPerform` moves work)
/// hands them to its policy in another order, or drops some, so its hit ratio is no longer the
/// policy's own.
///
/// Not thread-safe: call ``run(_:)`` from one thread at a time.
final class PinnedWorkers: @unchecked Sendable {
    // Guarded by `mutex`: `job`, `round`, `unfinished`, `isStopping`. Each worker waits on
    // `workToDo` for a new round, runs the job on its items outside the lock, and the last to
    // finish signals `roundDone`.

    private let itemCount: Int
    private let workerCount: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    private let workToDo: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private let roundDone: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    private var job: (@Sendable (Int) -> Void)?
    private var round = 0
    private var unfinished = 0
    private var isStopping = false
    private var threads: [pthread_t] = []

    /// Starts one thread per processor, at most one per item, for `itemCount` items.
    init(itemCount: Int) {
        precondition(itemCount >= 1, "itemCount must be at least 1, got \(itemCount)")
        self.itemCount = itemCount
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        workerCount = min(itemCount, processors)
        mutex.initialize(to: pthread_mutex_t())
        workToDo.initialize(to: pthread_cond_t())
        roundDone.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workToDo, nil)
        pthread_cond_init(roundDone, nil)
        for worker in 0..<workerCount {
            // Unretained: a worker holding the workers would keep them from ever being released;
            // their `deinit` joins every thread before anything is freed.
            threads.append(startThread { [unowned(unsafe) self] in self.serve(worker: worker) })
        }
    }

    deinit {
        pthread_mutex_lock(mutex)
        isStopping = true
        pthread_cond_broadcast(workToDo)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_cond_destroy(roundDone)
        pthread_cond_destroy(workToDo)
        pthread_mutex_destroy(mutex)
        roundDone.deallocate()
        workToDo.deallocate()
        mutex.deallocate()
    }

    /// Runs `body(item)` for every item, item `i` on worker `i % workerCount`, and returns when all
    /// are done.
    func run(_ body: @escaping @Sendable (Int) -> Void) {
        pthread_mutex_lock(mutex)
        job = body
        unfinished = workerCount
        round += 1
        pthread_cond_broadcast(workToDo)
        while unfinished > 0 { pthread_cond_wait(roundDone, mutex) }
        job = nil
        pthread_mutex_unlock(mutex)
    }

    /// A worker's loop: each round, the job on items `worker`, `worker + workerCount`, …
    private func serve(worker: Int) {
        var roundsServed = 0
        pthread_mutex_lock(mutex)
        while true {
            while round == roundsServed && !isStopping { pthread_cond_wait(workToDo, mutex) }
            if isStopping { break }
            roundsServed = round
            let body = job!
            pthread_mutex_unlock(mutex)
            for item in stride(from: worker, to: itemCount, by: workerCount) { body(item) }
            pthread_mutex_lock(mutex)
            unfinished -= 1
            if unfinished == 0 { pthread_cond_signal(roundDone) }
        }
        pthread_mutex_unlock(mutex)
    }
}
