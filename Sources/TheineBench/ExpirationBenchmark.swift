import ArgumentParser
import Theine

/// The cost of expiration per operation: each operation with and without a TTL, one thread; then a
/// hit on a cache with sliding expiration (`expireAfterAccess`) against a hit without either.
struct ExpirationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expiration",
        abstract:
            "Compare set and get with and without a TTL, and a hit with expireAfterAccess (ns per operation, one thread)."
    )

    @Option(help: "Entries in the cache (its capacity).")
    var capacity = 100_000

    @Option(help: "Operations per timed round.")
    var operations = 2_000_000

    @Option(help: "Timed rounds per row; the median is reported.")
    var rounds = 5

    @Option(help: "The policy: lru or tinyLFU.")
    var policy = "tinyLFU"

    @Flag(help: "Only the last line: a hit with expireAfterAccess against a hit without either.")
    var slidingOnly = false

    mutating func run() throws {
        let policy = try EvictionPolicy(name: policy)
        let stopwatch = Stopwatch(rounds: rounds)
        // Present keys in a scrambled order, and new keys (ten times the capacity) for inserts.
        var generator = SplitMix64(seed: 42)
        let presentKeys = (0..<operations).map { _ in Int.random(in: 0..<capacity, using: &generator) }
        let newKeys = (0..<operations).map { _ in Int.random(in: 0..<(capacity * 10), using: &generator) }
        let ttl = Duration.seconds(3_600)

        func filledCache(ttl: Duration?, expireAfterAccess: Duration? = nil) -> Cache<Int, Int> {
            let cache = Cache<Int, Int>(capacity: capacity, policy: policy, expireAfterAccess: expireAfterAccess)
            for key in 0..<capacity { cache.set(key, key, ttl: ttl) }
            return cache
        }

        print("policy \(policy), capacity \(capacity), \(operations) operations a round, median of \(rounds) rounds")
        func row(_ name: String, _ measure: (Duration?) -> Double) {
            let plain = measure(nil)
            let expiring = measure(ttl)
            let line = [
                name.padding(to: 30),
                fixed(plain, digits: 1).leftPadded(to: 12),
                fixed(expiring, digits: 1).leftPadded(to: 11),
                (fixed(expiring - plain, digits: 1) + " ns").leftPadded(to: 11),
            ]
            print(line.joined(separator: " "))
        }

        func hitCost(_ cache: Cache<Int, Int>, stopwatch: Stopwatch = stopwatch) -> Double {
            var sum = 0
            let cost = stopwatch.nanosecondsPerOperation(operations: operations) {
                for key in presentKeys { sum &+= cache.get(key) ?? 0 }
            }
            blackHole(sum)
            return cost
        }
        if !slidingOnly {
            print("operation                      no TTL ns/op   TTL ns/op   overhead")
            row("get (hit)") { ttl in hitCost(filledCache(ttl: ttl)) }
            row("set (overwrite)") { ttl in
                let cache = filledCache(ttl: ttl)
                return stopwatch.nanosecondsPerOperation(operations: operations) {
                    for key in presentKeys { cache.set(key, key, ttl: ttl) }
                }
            }
            row("get, set on miss (10x keys)") { ttl in
                let cache = filledCache(ttl: ttl)
                return stopwatch.nanosecondsPerOperation(operations: operations) {
                    for key in newKeys where cache.get(key) == nil { cache.set(key, key, ttl: ttl) }
                }
            }
        }
        // Every hit records its access (a coarse clock read, a load, and a store when the recorded
        // time no longer covers the present); none expires during the run. The two caches' rounds
        // alternate, and each pair of rounds gives a ratio: the machine's speed moves within
        // seconds, and a pair sees nearly the same machine.
        let plainCache = filledCache(ttl: nil)
        let slidingCache = filledCache(ttl: nil, expireAfterAccess: .seconds(3_600))
        let single = Stopwatch(rounds: 1)
        var plainHits: [Double] = []
        var slidingHits: [Double] = []
        for _ in 0..<rounds {
            plainHits.append(hitCost(plainCache, stopwatch: single))
            slidingHits.append(hitCost(slidingCache, stopwatch: single))
        }
        let ratios = zip(slidingHits, plainHits).map { $0 / $1 }
        print(
            "get (hit), expireAfterAccess 1 h, no TTL: \(fixed(slidingHits.median, digits: 1)) ns/op, "
                + "\(fixed(ratios.median, digits: 2))x a hit without either (\(fixed(plainHits.median, digits: 1)) ns/op), "
                + "median of \(rounds) paired rounds"
        )
    }
}

/// Keeps `value` alive and observed, so that the optimizer does not drop the loop computing it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
