import ArgumentParser
import Synchronization
import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What refresh ahead of expiry does to the latency readers see, in virtual time: a seeded Zipf
/// stream of reads arriving at a fixed rate on a `ManualCacheClock`, through the blocking loading
/// `get` with a TTL only, then with the same TTL and `refreshAfter`.
///
/// A read that loads in its own call waits for the loader (its latency, drawn from a seeded
/// distribution); a hit, and a hit that starts a background reload, waits for nothing. Background
/// reloads run between two reads (the driver waits for them), so the run repeats exactly.
struct RefreshBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Read latency (virtual time) with a TTL only, and with a TTL and refreshAfter."
    )

    @Option(help: "Distinct keys (all fit in the cache: only expiry makes misses).")
    var keys = 10_000

    @Option(help: "Reads.")
    var reads = 1_000_000

    @Option(help: "Reads a second of virtual time.")
    var rate = 1_000

    @Option(help: "TTL, in seconds.")
    var ttl = 60

    @Option(help: "refreshAfter, in seconds (below the TTL).")
    var refreshAfter = 45

    @Option(help: "The loader's least latency, in milliseconds; each load adds up to as much again.")
    var loadMilliseconds = 20

    @Option(help: "Seed of the key stream and of the load latencies.")
    var seed: UInt64 = 1

    mutating func validate() throws {
        guard keys >= 1, reads >= 1, rate >= 1, ttl >= 1, loadMilliseconds >= 0 else {
            throw ValidationError(
                "--keys, --reads, --rate and --ttl must be at least 1, --load-milliseconds at least 0"
            )
        }
        guard refreshAfter >= 1, refreshAfter < ttl else {
            throw ValidationError("--refresh-after must be in 1..<\(ttl) (the TTL), got \(refreshAfter)")
        }
    }

    func run() throws {
        let stream = ZipfianKeys(items: keys).keys(count: reads, seed: seed)
        print("\(reads) reads of \(keys) keys (Zipf, theta 0.99, seed \(seed)) at \(rate)/s of virtual time,")
        print("TTL \(ttl) s, loads of \(loadMilliseconds) to \(2 * loadMilliseconds) ms; latency in virtual ms")
        print("mode                      hit ratio     p50      p99     p999   loader calls/s")
        for refreshing in [false, true] {
            let run = replay(stream, refreshing: refreshing)
            let sorted = run.latencies.sorted()
            let seconds = Double(reads) / Double(rate)
            let name = refreshing ? "TTL + refreshAfter \(refreshAfter) s" : "TTL only"
            print(
                name.padding(to: 24),
                fixed(run.hitRatio, digits: 4).leftPadded(to: 11),
                milliseconds(sorted, 0.5),
                milliseconds(sorted, 0.99),
                milliseconds(sorted, 0.999),
                fixed(Double(run.loaderCalls) / seconds, digits: 2).leftPadded(to: 16)
            )
        }
    }

    /// Replays `stream`: the latency of each read (nanoseconds), the hit ratio and the loader's calls.
    private func replay(_ stream: [Int], refreshing: Bool) -> (latencies: [Int64], hitRatio: Double, loaderCalls: Int) {
        let clock = ManualCacheClock()
        let cache = Cache<Int, Int>(capacity: keys, clock: clock)
        let loads = LoadCounter(seed: seed, least: Int64(loadMilliseconds) * 1_000_000)
        let loader: @Sendable (Int) throws -> Int = { key in
            loads.begin()
            defer { loads.end() }
            return key
        }
        let gap = Duration.nanoseconds(1_000_000_000 / rate)
        let timeToLive = Duration.seconds(ttl)
        var latencies: [Int64] = []
        latencies.reserveCapacity(stream.count)
        for key in stream {
            let before = loads.begun
            if refreshing {
                _ = try? cache.get(key, ttl: timeToLive, refreshAfter: .seconds(refreshAfter), loader: loader)
            } else {
                _ = try? cache.get(key, ttl: timeToLive, loader: loader)
            }
            let missed = cache.stats().missCount
            // A miss loaded in the call: the reader waited for it. A reload the hit started runs
            // in the background: the reader did not.
            let waited = missed > loads.missesSeen
            loads.missesSeen = missed
            latencies.append(waited ? loads.latency(ofLoad: before) : 0)
            loads.waitUntilIdle()
            clock.advance(by: gap)
        }
        cache.close()
        return (latencies, cache.stats().hitRate, loads.begun)
    }

    private func milliseconds(_ sorted: [Int64], _ fraction: Double) -> String {
        let index = min(sorted.count - 1, Int(Double(sorted.count) * fraction))
        return fixed(Double(sorted[index]) / 1e6, digits: 1).leftPadded(to: 8)
    }
}

/// The loader's calls: how many began and ended, and the seeded latency of each (the `n`th load
/// takes the same time in both modes' runs).
private final class LoadCounter: @unchecked Sendable {
    // Guarded by: `begun` and `ended` are atomics; `missesSeen` is the driver's alone.
    private let begunCount = Atomic<Int>(0)
    private let endedCount = Atomic<Int>(0)
    private let seed: UInt64
    private let least: Int64
    var missesSeen = 0

    init(seed: UInt64, least: Int64) {
        self.seed = seed
        self.least = least
    }

    var begun: Int { begunCount.load(ordering: .acquiring) }
    func begin() { begunCount.add(1, ordering: .acquiringAndReleasing) }
    func end() { endedCount.add(1, ordering: .acquiringAndReleasing) }

    /// Waits until every load that began has ended (background reloads run on a Dispatch queue).
    func waitUntilIdle() {
        while endedCount.load(ordering: .acquiring) < begunCount.load(ordering: .acquiring) { usleep(20) }
    }

    /// The latency of the load numbered `index` (from 0): `least` plus up to as much again.
    func latency(ofLoad index: Int) -> Int64 {
        var generator = SplitMix64(seed: seed &+ UInt64(index))
        return least + (least == 0 ? 0 : Int64.random(in: 0...least, using: &generator))
    }
}
