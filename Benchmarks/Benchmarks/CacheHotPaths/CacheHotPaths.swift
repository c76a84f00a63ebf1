import Benchmark
import Theine

/// The cache's single-thread hot paths, with the allocations each makes. `mallocCountTotal` is
/// deterministic: a hit (also with sliding expiration) and an overwrite of a present key must make
/// none.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2)
    )
    let entries = 100_000

    for policy in EvictionPolicy.allPolicies {
        Benchmark("get hit \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy)
            for key in 0..<entries { cache.set(key, key) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                blackHole(cache.get(iteration % entries))
            }
        }

        Benchmark("get hit expireAfterAccess \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy, expireAfterAccess: .seconds(3_600))
            for key in 0..<entries { cache.set(key, key) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                blackHole(cache.get(iteration % entries))
            }
        }

        Benchmark("set overwrite \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy)
            for key in 0..<entries { cache.set(key, key) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                cache.set(iteration % entries, iteration)
            }
        }

        Benchmark("set overwrite with TTL \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy)
            for key in 0..<entries { cache.set(key, key, ttl: .seconds(3_600)) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                cache.set(iteration % entries, iteration, ttl: .seconds(3_600))
            }
        }

        Benchmark("get miss \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy)
            for key in 0..<entries { cache.set(key, key) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                blackHole(cache.get(entries + iteration))
            }
        }

        Benchmark("set new key, evicting \(policy.name)") { benchmark in
            let cache = Cache<Int, Int>(capacity: entries, policy: policy)
            for key in 0..<entries { cache.set(key, key) }
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                cache.set(entries + iteration, iteration)
            }
        }
    }
}
