import Testing

@testable import Theine
@testable import TheineSimulation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The simulator's workers: every item on one thread, round after round.
struct PinnedWorkersTests {
    @Test func eachItem_runsOnTheSameThread_everyRound() {
        let items = 12
        let threadOfItem = LockedThreads(items: items)
        let workers = PinnedWorkers(itemCount: items)
        for _ in 0..<50 {
            workers.run { item in threadOfItem.record(item: item, thread: pthread_self()) }
        }
        #expect(threadOfItem.moves == 0, "items changed threads \(threadOfItem.moves) times")
        #expect(threadOfItem.runs == 50 * items)
    }

    @Test func run_returnsOnlyWhenEveryItemIsDone() {
        let workers = PinnedWorkers(itemCount: 5)
        for round in 1...20 {
            let done = LockedThreads(items: 5)
            workers.run { item in
                if item == round % 5 { usleep(2_000) }
                done.record(item: item, thread: pthread_self())
            }
            #expect(done.runs == 5)
        }
    }
}

/// The thread each item ran on, and how often an item ran on another thread than the time before.
private final class LockedThreads: Sendable {
    private let state: LockedState<(threads: [pthread_t?], moves: Int, runs: Int)>

    init(items: Int) {
        state = LockedState((Array(repeating: nil, count: items), 0, 0))
    }

    var moves: Int { state.withLock { $0.moves } }
    var runs: Int { state.withLock { $0.runs } }

    func record(item: Int, thread: pthread_t) {
        state.withLock { state in
            if let previous = state.threads[item], pthread_equal(previous, thread) == 0 { state.moves += 1 }
            state.threads[item] = thread
            state.runs += 1
        }
    }
}
