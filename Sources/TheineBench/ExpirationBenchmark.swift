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
        print("operation                      no TTL ns/op   TTL ns/op   overhead")
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

        func hitCost(_ cache: Cache<Int, Int>) -> Double {
            var sum = 0
            let cost = stopwatch.nanosecondsPerOperation(operations: operations) {
                for key in presentKeys { sum &+= cache.get(key) ?? 0 }
            }
            blackHole(sum)
            return cost
        }
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
        // Every hit records its access (a clock read, a load and mostly no store: the default
        // clock's accesses are rounded to about a millisecond); none expires during the run.
        let plainHit = hitCost(filledCache(ttl: nil))
        let slidingHit = hitCost(filledCache(ttl: nil, expireAfterAccess: .seconds(3_600)))
        print(
            "get (hit), expireAfterAccess 1 h, no TTL: \(fixed(slidingHit, digits: 1)) ns/op, "
                + "\(fixed(slidingHit / plainHit, digits: 2))x a hit without either (\(fixed(plainHit, digits: 1)) ns/op)"
        )
    }
}

/// Keeps `value` alive and observed, so that the optimizer does not drop the loop computing it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
