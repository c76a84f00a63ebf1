import ArgumentParser
import CAllocationCounter
import Foundation
import Synchronization
import Theine

/// A long run of every kind of call from many threads at once, which fails (a non-zero exit naming
/// the check) when memory grows after the warm-up, the cache holds more than its capacity, or a
/// value outlives the cache.
struct SoakBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Mix every call from many threads for a while; fail on memory growth, an overfull cache or a leak."
    )

    @Option(help: "How long to run, in seconds; the first 20% is warm-up.")
    var seconds = 60

    @Option(help: "Threads calling the cache (0: twice the processors).")
    var threads = 0

    @Option(help: "The cache's capacity.")
    var capacity = 50_000

    @Option(help: "Distinct keys (more than the capacity, so that the cache evicts).")
    var keys = 200_000

    @Option(
        help:
            "How much the bytes in use may move after the warm-up, in percent: the median of the last quarter of the samples against that of the first."
    )
    var tolerance = 5.0

    mutating func validate() throws {
        guard seconds >= 1, capacity >= 1, keys >= 1, threads >= 0, tolerance > 0 else {
            throw ValidationError("--seconds, --capacity and --keys must be at least 1, --tolerance above 0")
        }
    }

    mutating func run() throws {
        let threadCount = threads > 0 ? threads : 2 * ProcessInfo.processInfo.activeProcessorCount
        let departures = Atomic<Int>(0)
        var cache: Cache<Int, SoakValue>? = Cache(capacity: capacity) { _, _, _ in
            departures.add(1, ordering: .relaxed)
        }
        let soak = SoakRun(cache: cache!, keys: keys)
        let stop = Atomic<Bool>(false)
        let workers = (0..<threadCount).map { thread in
            startThread { soak.work(thread: thread, until: stop) }
        }
        print(
            "soak: \(threadCount) threads, capacity \(capacity), \(keys) keys, \(seconds) s (warm-up \(seconds / 5) s)"
        )

        var failures: [String] = []
        var samples: [Int] = []
        let start = ContinuousClock.now
        let warmUpEnd = start + .seconds(Double(seconds) / 5)
        let end = start + .seconds(seconds)
        while ContinuousClock.now < end {
            Thread.sleep(forTimeInterval: 0.25)
            let count = cache!.count
            if count > capacity { failures.append("count \(count) above the capacity \(capacity)") }
            guard ContinuousClock.now >= warmUpEnd else { continue }
            samples.append(Int(theine_allocated_bytes()))
        }
        stop.store(true, ordering: .relaxed)
        for worker in workers { pthread_join(worker, nil) }
        let stuckLoads = soak.waitForTasks()
        if stuckLoads > 0 { failures.append("\(stuckLoads) async loads still running 30 s after the end") }

        // The first and the last quarter of the samples after the warm-up, each by its median, so
        // that a passing peak (a snapshot being copied, a burst of load tasks) does not count.
        if samples.count >= 4 {
            let quarter = samples.count / 4
            let first = Array(samples.prefix(quarter)).sorted()[quarter / 2]
            let last = Array(samples.suffix(quarter)).sorted()[quarter / 2]
            let change = Double(last - first) / Double(first) * 100
            print(
                "bytes in use after the warm-up (medians of the first and last quarter of \(samples.count) samples): "
                    + "\(first) then \(last) (\(fixed(change, digits: 2))%, bound ±\(fixed(tolerance, digits: 1))%); "
                    + "lowest \(samples.min()!), highest \(samples.max()!); resident set \(residentBytes() / 1_048_576) MiB"
            )
            if abs(change) > tolerance {
                failures.append("bytes in use moved \(fixed(change, digits: 2))%, beyond ±\(tolerance)%")
            }
        } else {
            failures.append("too few samples after the warm-up (\(samples.count)): run longer")
        }
        let stats = cache!.stats()
        print(
            "\(soak.operations.load(ordering: .relaxed)) calls, \(stats.requestCount) requests "
                + "(hit rate \(fixed(stats.hitRate * 100, digits: 1))%), \(stats.loadSuccessCount) loads, "
                + "\(stats.loadFailureCount) failed, \(departures.load(ordering: .relaxed)) departures"
        )

        cache!.removeAll()
        cache!.close()
        cache!.waitForBackgroundRemovals()
        if cache!.count != 0 { failures.append("\(cache!.count) entries left after removeAll()") }
        cache = nil
        let live = SoakValue.liveCount.load(ordering: .acquiring)
        if live != 0 { failures.append("\(live) values still alive after removeAll(), close() and release") }

        guard failures.isEmpty else {
            for failure in failures { print("soak failed: \(failure)") }
            throw ExitCode.failure
        }
        print("soak passed: memory within \(fixed(tolerance, digits: 1))%, never above capacity, no value left alive")
    }

    /// The resident set size, from `/proc/self/statm` (0 where there is none).
    private func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// A cached value that counts the instances alive, so that the soak can tell a leak.
final class SoakValue: Sendable {
    static let liveCount = Atomic<Int>(0)
    let number: Int

    init(_ number: Int) {
        self.number = number
        Self.liveCount.add(1, ordering: .relaxed)
    }

    deinit {
        Self.liveCount.subtract(1, ordering: .releasing)
    }
}

/// What a soak's threads share: the cache, the calls made, and the async loads still running.
private final class SoakRun: Sendable {
    struct LoadFailure: Error {}

    let cache: Cache<Int, SoakValue>
    let keys: Int
    let operations = Atomic<Int>(0)
    let tasksRunning = Atomic<Int>(0)

    init(cache: Cache<Int, SoakValue>, keys: Int) {
        self.cache = cache
        self.keys = keys
    }

    /// One thread's calls until `stop`: reads, writes with and without TTLs, conditional writes,
    /// removals, loads that sometimes fail, async loads that are sometimes cancelled, updates, and
    /// from the first thread now and then a bulk removal and the inspections.
    func work(thread: Int, until stop: borrowing Atomic<Bool>) {
        var random = SplitMix64(seed: UInt64(thread) &+ 1)
        var calls = 0
        while !stop.load(ordering: .relaxed) {
            let key = Int.random(in: 0..<keys, using: &random)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45:
                _ = cache.get(key)
            case 45..<60:
                let ttl: Duration? =
                    Bool.random(using: &random) ? .milliseconds(Int.random(in: 50..<2_000, using: &random)) : nil
                cache.set(key, SoakValue(key), ttl: ttl)
            case 60..<65:
                cache.setIfAbsent(key, SoakValue(key))
            case 65..<70:
                cache.remove(key)
            case 70..<78:
                let fails = Int.random(in: 0..<5, using: &random) == 0
                _ = try? cache.get(key, ttl: .seconds(1)) { key in
                    if fails { throw LoadFailure() }
                    return SoakValue(key)
                }
            case 78..<86:
                cache.update(key) { old in SoakValue((old?.number ?? key) &+ 1) }
            case 86..<88:
                startAsyncLoad(of: key, cancelled: Bool.random(using: &random))
            default:
                if thread == 0 && calls % 50_000 == 0 {
                    cache.removeAll { key, _ in key % 97 == 0 }
                    _ = cache.coldest(10).count + cache.hottest(10).count + cache.entries().count
                } else {
                    _ = cache.get(key)
                }
            }
            calls += 1
        }
        operations.add(calls, ordering: .relaxed)
    }

    /// The most async loads running at once: beyond, the tasks' own memory (a few KiB each) would
    /// swamp the cache's in the measure of bytes in use.
    static let maximumTasksRunning = 32

    /// Loads `key` in a task, cancelled at once if `cancelled`; nothing when
    /// ``maximumTasksRunning`` run already.
    private func startAsyncLoad(of key: Int, cancelled: Bool) {
        guard tasksRunning.load(ordering: .relaxed) < Self.maximumTasksRunning else { return }
        tasksRunning.add(1, ordering: .relaxed)
        let task = Task {
            _ = try? await cache.get(key, ttl: .seconds(1)) { key in
                try await Task.sleep(for: .milliseconds(1))
                return SoakValue(key)
            }
            tasksRunning.subtract(1, ordering: .releasing)
        }
        if cancelled { task.cancel() }
    }

    /// Waits until every async load has ended, for at most 30 seconds.
    ///
    /// - Returns: the loads still running then (0: all ended).
    func waitForTasks() -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while tasksRunning.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return tasksRunning.load(ordering: .acquiring)
    }
}
