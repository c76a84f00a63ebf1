import Synchronization

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records a concurrent history of a cache of `Int` keys and values: threads released together
/// by a spin barrier each run their own seeded sequence of operations (`get`, `set`,
/// `setIfAbsent`, `remove` and the blocking loading `get`), and every invocation and return is
/// stamped from one atomic counter, so that an operation stamped as returned before another's
/// invocation did return before it.
struct CacheHistoryRecorder {
    /// A recorded history, with what the specification needs to judge it.
    struct Recorded {
        var history: [TimedOperation<CacheSpecification.Operation>]
        /// The thread that ran each operation.
        var threads: [Int]
        var specification: CacheSpecification

        /// How many operations overlap an operation of another thread.
        var overlappingOperationCount: Int {
            history.indices.count { first in
                history.indices.contains { second in
                    threads[first] != threads[second] && history[first].overlaps(history[second])
                }
            }
        }
    }

    let threadCount: Int
    let keyCount: Int
    let operationsPerThread: Int

    /// Runs the threads' operations on `cache` (empty, large enough that nothing is evicted, and
    /// without TTLs) and returns the history. Thread `t` draws its operations from `seed` and `t`.
    func record(on cache: Cache<Int, Int>, seed: UInt64) -> Recorded {
        let clock = Ticks()
        let perThread = LockedState(
            [[(TimedOperation<CacheSpecification.Operation>, loaderRan: Bool)]](
                repeating: [],
                count: threadCount
            )
        )
        runOnThreads(threadCount) { thread in
            var random = SplitMix64(seed: seed &+ UInt64(thread) &* 0x9E37_79B9_7F4A_7C15)
            var operations: [(TimedOperation<CacheSpecification.Operation>, loaderRan: Bool)] = []
            operations.reserveCapacity(operationsPerThread)
            clock.waitForAll(threadCount)
            for index in 0..<operationsPerThread {
                let key = Int(random.next() % UInt64(keyCount))
                let value = (thread + 1) << 20 | index
                let kind = random.next() % 20
                var loaderRan = false
                let invoked = clock.tick()
                let operation: CacheSpecification.Operation
                switch kind {
                case 0..<8:
                    operation = .get(key: key, returned: cache.get(key))
                case 8..<12:
                    cache.set(key, value)
                    operation = .set(key: key, value: value)
                case 12..<15:
                    operation = .setIfAbsent(key: key, value: value, returned: cache.setIfAbsent(key, value))
                case 15..<18:
                    operation = .remove(key: key, returned: cache.remove(key))
                default:
                    let loaded = 1 << 40 | value
                    let returned = try! cache.get(key) { _ in
                        loaderRan = true
                        // A pause in the load, so that writes and removals land during it.
                        sched_yield()
                        return loaded
                    }
                    operation = .loadingGet(key: key, loaded: loaded, returned: returned)
                }
                let returned = clock.tick()
                operations.append(
                    (TimedOperation(operation: operation, invoked: invoked, returned: returned), loaderRan)
                )
            }
            perThread.withLock { $0[thread] = operations }
        }
        let recorded = perThread.withLock { $0 }
        var loadedValues = [Set<Int>](repeating: [], count: keyCount)
        for case (let timed, true) in recorded.joined() {
            if case .loadingGet(let key, let loaded, _) = timed.operation { loadedValues[key].insert(loaded) }
        }
        return Recorded(
            history: recorded.joined().map(\.0),
            threads: recorded.indices.flatMap { thread in Array(repeating: thread, count: recorded[thread].count) },
            specification: CacheSpecification(keyCount: keyCount, loadedValues: loadedValues)
        )
    }

    /// The clock every thread stamps its operations with, and the spin barrier that starts them.
    private final class Ticks: Sendable {
        private let now = Atomic(0)
        private let arrived = Atomic(0)

        /// The next tick: later than every tick taken before it, on any thread.
        func tick() -> Int {
            now.add(1, ordering: .sequentiallyConsistent).newValue
        }

        /// Returns once `count` threads have called it.
        func waitForAll(_ count: Int) {
            arrived.add(1, ordering: .acquiringAndReleasing)
            var spins = 0
            while arrived.load(ordering: .acquiring) < count {
                spins += 1
                // More threads than cores: let the others arrive.
                if spins % 1_000 == 0 { sched_yield() }
            }
        }
    }
}
