import ArgumentParser
import Theine

/// Throughput of Theine (each policy) and its peers on the same workloads, at several thread
/// counts, in one process and one run.
struct ThroughputBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Compare Theine's policies with a locked Dictionary, a locked linked LRU and NSCache."
    )

    @Option(help: "Entries the caches hold (their capacity).")
    var capacity = 100_000

    @Option(
        help:
            "Shards of Theine's caches (rounded up to a power of two, at most the capacity); chosen from the capacity when omitted."
    )
    var shards: Int?

    @Option(help: "Operations per thread per run.")
    var operations = 1_000_000

    @Option(help: "Rounds: each measures every cache once, in turn; the medians are reported.")
    var rounds = 1

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    @Option(help: "Workloads, comma-separated: read, read-through, write, mixed.")
    var workloads = Workload.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Caches, comma-separated: Theine's policy names, dictionary, linked-lru, nscache.")
    var caches = (EvictionPolicy.allPolicies.map(\.name) + ["dictionary", "linked-lru", "nscache"]).joined(
        separator: ","
    )

    @Option(help: "Also write the rows as CSV to this file.")
    var csv: String?

    @Flag(help: "Give Theine's caches a removal listener that does nothing, to measure what listening costs.")
    var onRemoval = false

    @Flag(help: "Bound Theine's caches by weight (every entry weighing 1) rather than by count.")
    var weighted = false

    @Flag(help: "Report the metadata bytes per entry of each policy at --entries instead.")
    var memory = false

    @Option(help: "Entries for --memory.")
    var entries = 1_000_000

    mutating func validate() throws {
        guard capacity >= 2 else { throw ValidationError("--capacity must be at least 2, got \(capacity)") }
        if let shards, !(1...Cache<Int, Int>.maximumShardCount).contains(shards) {
            throw ValidationError("--shards must be in 1...\(Cache<Int, Int>.maximumShardCount), got \(shards)")
        }
        guard operations >= 1 else { throw ValidationError("--operations must be at least 1, got \(operations)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard entries >= 1 else { throw ValidationError("--entries must be at least 1, got \(entries)") }
    }

    mutating func run() throws {
        if memory {
            try MemoryReport(entries: entries).run()
            return
        }
        let threadCounts = try parseList(threads, name: "--threads") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        let chosenWorkloads = try parseList(workloads, name: "--workloads") { Workload(rawValue: $0) }
        let contestants = try parseList(caches, name: "--caches") { Contestant(name: $0) }
            .filter { $0 != .nsCache || nsCachePeerIsAvailable }

        var table = ThroughputTable()
        for workload in chosenWorkloads {
            let items = workload.itemCount(capacity: capacity)
            let zipf = ZipfianKeys(items: items)
            for threadCount in threadCounts {
                let keys = (0..<threadCount).map { zipf.keys(count: operations, seed: UInt64($0) &+ 1) }
                // Every cache once a round, in turn, so that a round's ratios compare caches
                // measured close together in time.
                for _ in 0..<rounds {
                    for contestant in contestants {
                        let row = measure(contestant, workload: workload, keys: keys)
                        table.add(workload: workload, threads: threadCount, cache: contestant.name, row)
                    }
                }
            }
        }
        let shardCount = Cache<Int, Int>(capacity: capacity, shardCount: shards).shardCount
        print(
            "capacity \(capacity)\(weighted ? " by weight" : "") (Theine: \(shardCount) shard\(shardCount == 1 ? "" : "s")), \(operations) operations per thread, Zipf theta 0.99, median of \(rounds) rounds"
        )
        print(table.text())
        if let csv {
            try writeTextFile(csv, contents: table.csv())
            print("wrote \(csv)")
        }
    }

    /// Measures a new cache of `contestant`'s kind on the workload.
    private func measure(_ contestant: Contestant, workload: Workload, keys: [[Int]]) -> ThroughputTable.Measurement {
        // A concrete type at each call, so that the measured loop is specialized.
        switch contestant {
        case .theine(let policy):
            measure(
                TheineCache(
                    capacity: capacity,
                    policy: policy,
                    shardCount: shards,
                    listens: onRemoval,
                    weighted: weighted
                ),
                workload: workload,
                keys: keys
            )
        case .dictionary:
            measure(LockedDictionary(capacity: capacity), workload: workload, keys: keys)
        case .linkedLRU:
            measure(LockedLinkedLRU(capacity: capacity), workload: workload, keys: keys)
        case .nsCache:
            measure(makeNSCachePeer(capacity: capacity)!, workload: workload, keys: keys)
        }
    }

    /// Fills `cache` with the workload's most popular keys (up to its capacity), least popular
    /// first, so that a shard that overflows evicts unpopular keys; then runs the workload on every
    /// thread at once.
    private func measure<C: BenchmarkedCache>(
        _ cache: C,
        workload: Workload,
        keys: [[Int]]
    ) -> ThroughputTable.Measurement {
        for rank in (0..<min(capacity, workload.itemCount(capacity: capacity))).reversed() {
            let key = ZipfianKeys.key(ofRank: rank)
            cache.set(key, key)
        }
        let counts = CountsByThread(threads: keys.count)
        let elapsed = ThreadRunner.run(threads: keys.count) { thread in
            counts.record(thread: thread, workload.run(keys[thread], on: cache))
        }
        let (reads, hits) = counts.total
        return .init(operations: keys.count * operations, elapsed: elapsed, reads: reads, hits: hits)
    }
}

/// One entrant of a throughput run.
enum Contestant: Equatable {
    case theine(EvictionPolicy)
    case dictionary
    case linkedLRU
    case nsCache

    init?(name: String) {
        switch name {
        case "dictionary": self = .dictionary
        case "linked-lru": self = .linkedLRU
        case "nscache": self = .nsCache
        default:
            guard let policy = try? EvictionPolicy(name: name) else { return nil }
            self = .theine(policy)
        }
    }

    var name: String {
        switch self {
        case .theine(let policy): "theine-\(policy.name)"
        case .dictionary: "dictionary"
        case .linkedLRU: "linked-lru"
        case .nsCache: "nscache"
        }
    }
}

/// Each thread's read and hit counts, written once per thread at its end.
final class CountsByThread: @unchecked Sendable {
    private var counts: [(reads: Int, hits: Int)]
    private let mutex = PthreadMutex()

    init(threads: Int) {
        counts = Array(repeating: (0, 0), count: threads)
    }

    func record(thread: Int, _ value: (reads: Int, hits: Int)) {
        mutex.withLock { counts[thread] = value }
    }

    var total: (reads: Int, hits: Int) {
        mutex.withLock { counts.reduce((0, 0)) { ($0.0 + $1.reads, $0.1 + $1.hits) } }
    }
}
