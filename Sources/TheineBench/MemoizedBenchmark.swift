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

    @Option(help: "Calls per timed round.")
    var operations = 2_000_000

    @Option(help: "Timed rounds per row; the median is reported.")
    var rounds = 5

    mutating func run() async throws {
        let stopwatch = Stopwatch(rounds: rounds)
        var generator = SplitMix64(seed: 42)
        let keys = (0..<operations).map { _ in Int.random(in: 0..<capacity, using: &generator) }

        let cache = Cache<Int, Int>(capacity: capacity)
        let synchronous = Memoized(capacity: capacity) { (x: Int) in x &* 3 }
        let asynchronous = Memoized(capacity: capacity) { (x: Int) async in x &* 3 }
        for key in 0..<capacity {
            cache.set(key, key &* 3)
            _ = await synchronous(key)
            _ = await asynchronous(key)
        }

        print("capacity \(capacity), every call a hit, \(operations) calls a round, median of \(rounds) rounds")
        print("call                                          ns/call   vs cache.get")
        var baseline = 0.0
        func row(_ name: String, _ cost: Double) {
            if baseline == 0 { baseline = cost }
            let ratio = fixed(cost / baseline, digits: 2) + "x"
            let columns = [name.padding(to: 44), fixed(cost, digits: 1).leftPadded(to: 8), ratio.leftPadded(to: 14)]
            print(columns.joined(separator: " "))
        }
        var sum = 0
        row("cache.get(key)", stopwatch.nanosecondsPerOperation(operations: operations) {
            for key in keys { sum &+= cache.get(key) ?? 0 }
        })
        row("Memoized, blocking call: memoized(key)", stopwatch.nanosecondsPerOperation(operations: operations) {
            for key in keys { sum &+= synchronous(key) }
        })
        row("Memoized, async: await memoized(key)", await stopwatch.nanosecondsPerAsyncOperation(operations: operations) {
            for key in keys { sum &+= await asynchronous(key) }
        })
        row("try await cache.get(key) { loader }", await stopwatch.nanosecondsPerAsyncOperation(operations: operations) {
            for key in keys { sum &+= (try? await cache.get(key) { $0 &* 3 }) ?? 0 }
        })
        blackHole(sum)
    }
}
