import ArgumentParser
import Theine

/// The cost of a hit through the loading `get`s, against a plain `get`: what a caller pays for
/// loading and for refresh ahead of expiry when the value is present.
struct LoadingHitBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loading-hits",
        abstract:
            "Compare hits of get, the loading get, the refreshing get and getAll of 100 keys (ns per key, one thread)."
    )

    @Option(help: "Entries in the cache (its capacity).")
    var capacity = 100_000

    @Option(help: "Operations per timed round.")
    var operations = 2_000_000

    @Option(help: "Timed rounds per row; the median is reported.")
    var rounds = 5

    @Option(help: "The policy: lru, tinyLFU or clockPro.")
    var policy = "tinyLFU"

    mutating func run() throws {
        let policy = try EvictionPolicy(name: policy)
        let stopwatch = Stopwatch(rounds: rounds)
        var generator = SplitMix64(seed: 42)
        let keys = (0..<operations).map { _ in Int.random(in: 0..<capacity, using: &generator) }
        let batches = stride(from: 0, to: keys.count, by: 100).map { Array(keys[$0..<min($0 + 100, keys.count)]) }
        let ttl = Duration.seconds(3_600)
        let refreshAfter = Duration.seconds(1_800)
        // Every entry with the same TTL, stored by the loading get the row measures (only values a
        // refreshing load stored carry a refresh deadline), none due during the run.
        let plain = Cache<Int, Int>(capacity: capacity, policy: policy)
        let loaded = Cache<Int, Int>(capacity: capacity, policy: policy)
        let refreshing = Cache<Int, Int>(capacity: capacity, policy: policy)
        for key in 0..<capacity {
            plain.set(key, key, ttl: ttl)
            _ = try loaded.get(key, ttl: ttl) { $0 }
            _ = try refreshing.get(key, ttl: ttl, refreshAfter: refreshAfter) { $0 }
        }

        print(
            "policy \(policy), capacity \(capacity), TTL \(ttl), \(operations) hits a round, median of \(rounds) rounds"
        )
        print("operation                                      ns/op   vs get")
        var baseline = 0.0
        func row(_ name: String, _ body: () throws -> Int) throws {
            var sum = 0
            var failure: (any Error)?
            let cost = stopwatch.nanosecondsPerOperation(operations: operations) {
                do { sum &+= try body() } catch { failure = error }
            }
            if let failure { throw failure }
            blackHole(sum)
            if baseline == 0 { baseline = cost }
            print(
                [
                    name.padding(to: 44), fixed(cost, digits: 1).leftPadded(to: 8),
                    fixed(cost / baseline, digits: 2) + "x",
                ]
                .joined(separator: " ")
            )
        }
        try row("get(_:)") { keys.reduce(0) { $0 &+ (plain.get($1) ?? 0) } }
        // Closure literals that capture nothing: a stored or capturing closure makes the escaping
        // loader allocate a context on every call, which is the caller's cost, not the cache's.
        try row("get(_:ttl:loader:)") {
            try keys.reduce(0) { try $0 &+ loaded.get($1, ttl: ttl) { $0 } }
        }
        try row("get(_:ttl:refreshAfter:loader:), none due") {
            try keys.reduce(0) { try $0 &+ refreshing.get($1, ttl: ttl, refreshAfter: refreshAfter) { $0 } }
        }
        // The same keys a hundred at a time, every one present: the price of the bulk call's
        // distinct keys and result dictionary, per key.
        try row("getAll(_:ttl:loader:), 100 present keys") {
            try batches.reduce(0) { sum, batch in
                try sum &+ loaded.getAll(batch, ttl: ttl) { _ in [:] }.count
            }
        }
    }
}
