import ArgumentParser
import Synchronization
import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `cache.entries()` of a large cache costs, and how long it makes a concurrent reader and
/// writer wait: their latencies while a thread copies the entries again and again, against their
/// latencies while that thread copies an array of the same size (as busy, touching no cache).
struct SnapshotPauseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entries",
        abstract: "Time cache.entries() and the pauses it causes a concurrent reader and writer."
    )

    @Option(help: "Entries in the cache (its capacity).")
    var entries = 1_000_000

    @Option(help: "Calls the reader and the writer each time, in each phase.")
    var samples = 2_000_000

    @Option(help: "Timed copies for the copy's own cost; the median is reported.")
    var rounds = 5

    mutating func validate() throws {
        guard entries >= 1, samples >= 1, rounds >= 1 else {
            throw ValidationError("--entries, --samples and --rounds must be at least 1")
        }
    }

    mutating func run() throws {
        let cache = Cache<Int, Int>(capacity: entries)
        for key in 0..<entries { cache.set(key, key) }
        var copied = 0
        let copyMilliseconds =
            Stopwatch(rounds: rounds).nanosecondsPerOperation(operations: 1) {
                copied = cache.entries().count
            } / 1e6
        print("entries() of \(copied) entries (\(cache.shardCount) shards): \(fixed(copyMilliseconds, digits: 1)) ms")

        let array = (0..<entries).map { (key: $0, value: $0) }
        let quiet = latencies(of: cache) { blackHole(array.map { $0 }.count) }
        let copying = latencies(of: cache) { blackHole(cache.entries().count) }
        print("latency of one call (ns) while another thread copies \(entries) entries, \(samples) calls each:")
        print("call   while copying          p50      p99    p99.9        max   copies")
        for (name, phase) in [("get", 0), ("set", 1)] {
            for (label, result) in [("an array (baseline)", quiet), ("cache.entries()", copying)] {
                let sorted = result.latencies[phase].sorted()
                let columns = [
                    name.padding(to: 5), label.padding(to: 20),
                    percentile(sorted, 0.5), percentile(sorted, 0.99), percentile(sorted, 0.999),
                    String(sorted.last ?? 0).leftPadded(to: 10), String(result.backgroundRuns).leftPadded(to: 8),
                ]
                print(columns.joined(separator: " "))
            }
        }
    }

    /// The latencies of a reader's gets and a writer's sets of random keys, each thread timing
    /// `samples` calls, while a third thread runs `background` until both are done.
    private func latencies(
        of cache: Cache<Int, Int>,
        during background: @escaping () -> Void
    ) -> (latencies: [[Int64]], backgroundRuns: Int) {
        let recorded = LatencyRecords(threads: 2, samples: samples)
        let finished = Atomic<Int>(0)
        let backgroundRuns = Atomic<Int>(0)
        let entries = entries
        _ = ThreadRunner.run(threads: 3) { thread in
            guard thread < 2 else {
                while finished.load(ordering: .acquiring) < 2 {
                    background()
                    backgroundRuns.add(1, ordering: .relaxed)
                }
                return
            }
            var generator = SplitMix64(seed: UInt64(thread) &+ 7)
            for index in 0..<recorded.samples {
                let key = Int.random(in: 0..<entries, using: &generator)
                let start = monotonicNanoseconds()
                if thread == 0 { blackHole(cache.get(key) ?? 0) } else { cache.set(key, index) }
                recorded.record(monotonicNanoseconds() - start, thread: thread, at: index)
            }
            finished.add(1, ordering: .releasing)
        }
        return (recorded.all, backgroundRuns.load(ordering: .relaxed))
    }

    private func percentile(_ sorted: [Int64], _ fraction: Double) -> String {
        String(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]).leftPadded(to: 8)
    }
}

/// Each thread's latencies, in memory allocated before the threads start, so that recording one
/// does not allocate.
private final class LatencyRecords: @unchecked Sendable {
    // Guarded by: each thread writes only its own row; the rows are read after the threads joined.
    let samples: Int
    private let rows: [UnsafeMutableBufferPointer<Int64>]

    init(threads: Int, samples: Int) {
        self.samples = samples
        rows = (0..<threads).map { _ in
            let row = UnsafeMutableBufferPointer<Int64>.allocate(capacity: samples)
            row.initialize(repeating: 0)
            return row
        }
    }

    deinit {
        for row in rows { row.deallocate() }
    }

    func record(_ nanoseconds: Int64, thread: Int, at index: Int) {
        rows[thread][index] = nanoseconds
    }

    var all: [[Int64]] { rows.map { Array($0) } }
}

/// The monotonic clock, in nanoseconds: a vDSO read, cheaper than building a `Duration`.
private func monotonicNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
