import ArgumentParser
import Theine

/// The cost of memoization on a hit: a `Memoized` call against the cache call it makes, one thread.
struct MemoizedBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memoized",
        abstract: "Compare a memoized call on a hit with a direct cache get (ns per call, one thread)."
    )

    @Option(help: "Distinct arguments, all cached (the capacity).")
    var capacity = 100_000

    @Option(help: "Calls per row in a timed round.")
    var operations = 1_000_000

    @Option(help: "Timed rounds (each times every row once); the median is reported.")
    var rounds = 9

    mutating func run() async throws {
        var generator = SplitMix64(seed: 42)
        let keys = (0..<operations).map { _ in Int.random(in: 0..<capacity, using: &generator) }

        let cache = Cache<Int, Int>(capacity: capacity)
        // Memoized's own key type: separates the cost of the key from the cost of the call.
        let argumentsCache = Cache<ArgumentsKey<Int>, Int>(capacity: capacity)
        let synchronous = Memoized(capacity: capacity) { (x: Int) in x &* 3 }
        let asynchronous = Memoized(capacity: capacity) { (x: Int) async in x &* 3 }
        for key in 0..<capacity {
            cache.set(key, key &* 3)
            argumentsCache.set(ArgumentsKey(key), key &* 3)
            _ = await synchronous(key)
            _ = await asynchronous(key)
        }

        print("capacity \(capacity), every call a hit, \(operations) calls a round, median of \(rounds) rounds")
        print("(the rows take turns in each round, so that a busy moment of the machine falls on all of them)")
        // One round times every row once; each row's median over the rounds is reported.
        let once = Stopwatch(rounds: 1)
        var sum = 0
        var samples: [[Double]] = Array(repeating: [], count: 5)
        for _ in 0..<rounds {
            samples[0].append(
                once.nanosecondsPerOperation(operations: operations) {
                    for key in keys { sum &+= cache.get(key) ?? 0 }
                }
            )
            samples[1].append(
                once.nanosecondsPerOperation(operations: operations) {
                    for key in keys { sum &+= argumentsCache.get(ArgumentsKey(key)) ?? 0 }
                }
            )
            samples[2].append(
                once.nanosecondsPerOperation(operations: operations) {
                    for key in keys { sum &+= synchronous(key) }
                }
            )
            samples[3].append(
                await once.nanosecondsPerAsyncOperation(operations: operations) {
                    for key in keys { sum &+= await asynchronous(key) }
                }
            )
            samples[4].append(
                await once.nanosecondsPerAsyncOperation(operations: operations) {
                    for key in keys { sum &+= (try? await cache.get(key) { $0 &* 3 }) ?? 0 }
                }
            )
        }
        blackHole(sum)
        let names = [
            "cache.get(key)",
            "cache.get(ArgumentsKey(key))",
            "Memoized, blocking call: memoized(key)",
            "Memoized, async: await memoized(key)",
            "try await cache.get(key) { loader }",
        ]
        let medians = samples.map { $0.sorted()[$0.count / 2] }
        print("call                                          ns/call   vs cache.get")
        for (name, cost) in zip(names, medians) {
            let ratio = fixed(cost / medians[0], digits: 2) + "x"
            let columns = [name.padding(to: 44), fixed(cost, digits: 1).leftPadded(to: 8), ratio.leftPadded(to: 14)]
            print(columns.joined(separator: " "))
        }
    }
}
