import ArgumentParser
import Synchronization
import Theine

/// The cost of an atomic update against the get and set it replaces (which may lose increments
/// between threads), on one thread and more.
struct UpdateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Compare cache.update(key) { $0 + 1 } with cache.get(key) then cache.set(key, _) (ns per call)."
    )

    @Option(help: "Distinct keys, all cached (the capacity).")
    var capacity = 100_000

    @Option(help: "Calls per thread in a timed round.")
    var operations = 1_000_000

    @Option(help: "Timed rounds (each times every row once); the median is reported.")
    var rounds = 9

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    mutating func validate() throws {
        guard capacity >= 1, operations >= 1, rounds >= 1 else {
            throw ValidationError("--capacity, --operations and --rounds must be at least 1")
        }
    }

    mutating func run() throws {
        let threadCounts = try parseList(threads, name: "--threads") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        let zipf = ZipfianKeys(items: capacity)
        print("capacity \(capacity), Zipf keys (theta 0.99), every key cached, \(operations) calls a thread a round,")
        print("median of \(rounds) rounds; the rows take turns in each round")
        print("threads  call                                   ns/call   vs get+set")
        for threadCount in threadCounts {
            let keys = (0..<threadCount).map { zipf.keys(count: operations, seed: UInt64($0) &+ 1) }
            let cache = Cache<Int, Int>(capacity: capacity)
            for key in 0..<capacity { cache.set(ZipfianKeys.key(ofRank: key), 0) }
            var getThenSet: [Double] = []
            var update: [Double] = []
            for _ in 0..<rounds {
                getThenSet.append(
                    timed(threads: threadCount) { thread in
                        for key in keys[thread] { cache.set(key, (cache.get(key) ?? 0) &+ 1) }
                    }
                )
                update.append(
                    timed(threads: threadCount) { thread in
                        for key in keys[thread] { cache.update(key) { ($0 ?? 0) &+ 1 } }
                    }
                )
            }
            let baseline = getThenSet.median
            for (name, samples) in [("get, then set (not atomic)", getThenSet), ("update(key) { $0 + 1 }", update)] {
                let cost = samples.median
                let columns = [
                    String(threadCount).leftPadded(to: 7), name.padding(to: 38),
                    fixed(cost, digits: 1).leftPadded(to: 8),
                    (fixed(cost / baseline, digits: 2) + "x").leftPadded(to: 12),
                ]
                print(columns.joined(separator: "  "))
            }
        }
    }

    /// Runs `body` on `threads` threads at once; nanoseconds per call of the calls they made.
    private func timed(threads: Int, _ body: @escaping (Int) -> Void) -> Double {
        ThreadRunner.run(threads: threads, body).nanoseconds / Double(operations)
    }
}
