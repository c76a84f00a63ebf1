import Dispatch
import Theine

/// Replays `keys` through a new cache and counts the hits.
///
/// ```swift
/// let result = replay(keys, policy: .lru, capacity: 1_000, seed: 42)
/// print(result.hitRatio)   // percent
/// ```
///
/// The replay rule of every reference simulator: each request is a `get`; on a miss the key is
/// stored (`set(key, key)`). The cache starts empty, so each key's first request misses. The cache
/// has one shard at every size, so the result is the policy's own, whatever the machine.
///
/// - Parameters:
///   - keys: the requests, in order.
///   - policy: the cache's eviction policy.
///   - capacity: the cache's capacity in entries, in `1...Cache.maximumCapacity`.
///   - seed: the seed of the policy's random admission decisions. Results are reproducible for a
///     seed when `SWIFT_DETERMINISTIC_HASHING=1` is set, as the policies hash keys.
/// - Complexity: O(n) cache operations.
public func replay<Keys: Sequence<UInt64>>(
    _ keys: Keys,
    policy: EvictionPolicy,
    capacity: Int,
    seed: UInt64
) -> ReplayResult {
    let cache = Cache<UInt64, UInt64>(capacity: capacity, policy: policy, admissionSeed: seed, shardCount: 1)
    var requestCount = 0
    var hitCount = 0
    for key in keys {
        requestCount += 1
        if cache.get(key) != nil {
            hitCount += 1
        } else {
            cache.set(key, key)
        }
    }
    return ReplayResult(policy: policy, capacity: capacity, requestCount: requestCount, hitCount: hitCount)
}

/// Replays `keys` through a new cache and counts the hits; the specialized form for arrays.
///
/// The same as the generic `replay(_:policy:capacity:seed:)`, without its cost of iterating a
/// sequence through its protocol from another module.
public func replay(_ keys: [UInt64], policy: EvictionPolicy, capacity: Int, seed: UInt64) -> ReplayResult {
    let grid = ReplayGrid(policies: [.library(policy)], capacities: [capacity], seed: seed)
    grid.replay(keys)
    return grid.results[0]
}

/// Replays `keys`, held in memory, through one cache for each policy and capacity, in parallel.
///
/// ```swift
/// let results = replay(keys, policies: SimulatedPolicy.allPolicies, capacities: [250, 500], seed: 42)
/// ```
///
/// ``SimulatedPolicy/optimal`` is computed by ``BeladyOptimal`` (one backward pass, then one pass
/// per capacity); the others are fed the keys in batches of ``ReplayGrid/batchSize`` through a
/// ``ReplayGrid``.
///
/// - Parameters:
///   - keys: the requests, in order.
///   - policies: the policies to compare.
///   - capacities: the cache capacities, each in `1...Cache.maximumCapacity`.
///   - seed: the seed of every cache's random admission decisions.
///   - progress: called on the calling thread with the number of requests replayed so far, after
///     each batch and once OPT is done.
/// - Returns: one result for each policy and capacity, ordered by policy, then capacity, as given.
/// - Complexity: O(n) cache operations for each policy and capacity; O(n log c) for OPT.
public func replay(
    _ keys: [UInt64],
    policies: [SimulatedPolicy],
    capacities: [Int],
    seed: UInt64,
    progress: (_ requestsReplayed: Int) -> Void = { _ in }
) -> [ReplayResult] {
    let streamed = policies.filter { !$0.needsWholeTrace }
    let grid = ReplayGrid(policies: streamed, capacities: capacities, seed: seed)
    if !streamed.isEmpty {
        var start = 0
        while start < keys.count {
            let end = min(start + ReplayGrid.batchSize, keys.count)
            grid.replay(keys[start..<end])
            progress(end)
            start = end
        }
    }
    var optimalResults: [ReplayResult] = []
    if policies.contains(.optimal) {
        let optimal = BeladyOptimal(keys)
        let cells = capacities.map { OptimalCell(capacity: $0) }
        DispatchQueue.concurrentPerform(iterations: cells.count) { index in
            cells[index].result = optimal.replay(capacity: cells[index].capacity)
        }
        optimalResults = cells.compactMap(\.result)
        progress(keys.count)
    }
    let gridResults = grid.results
    return policies.flatMap { policy in
        capacities.map { capacity in
            let results = policy.needsWholeTrace ? optimalResults : gridResults
            return results.first { $0.policy == policy && $0.capacity == capacity }!
        }
    }
}

/// Replays `requests`, held in memory, through one cache for each policy and capacity, in
/// parallel: by weight when the requests are weighted, otherwise as
/// `replay(_:policies:capacities:seed:progress:)` replays their keys.
///
/// ```swift
/// let sized = SizedZipfWorkload(zipf: ZipfWorkload(itemCount: 100_000), sizeCorrelation: 0.5)
/// let requests = sized.requests(count: 250_000, seed: 42)
/// let results = replay(requests, policies: [.library(.lru), .library(.tinyLFU)], capacities: [4 << 20], seed: 42)
/// print(results[0].byteHitRatio)
/// ```
///
/// A weighted replay's caches are bounded by weight (``ReplayGrid/init(policies:maximumWeights:seed:)``),
/// and its results report the byte hit ratio.
///
/// - Parameters:
///   - requests: the requests, in order.
///   - policies: the policies to compare; for weighted requests, each
///     ``SimulatedPolicy/supportsWeights``.
///   - capacities: the cache capacities: entries, or maximum weights for weighted requests.
///   - seed: the seed of every cache's random admission decisions.
///   - progress: called on the calling thread with the number of requests replayed so far.
/// - Returns: one result for each policy and capacity, ordered by policy, then capacity, as given.
/// - Complexity: O(n) cache operations for each policy and capacity.
public func replay(
    _ requests: Requests,
    policies: [SimulatedPolicy],
    capacities: [Int],
    seed: UInt64,
    progress: (_ requestsReplayed: Int) -> Void = { _ in }
) -> [ReplayResult] {
    guard let weights = requests.weights else {
        return replay(requests.keys, policies: policies, capacities: capacities, seed: seed, progress: progress)
    }
    let grid = ReplayGrid(policies: policies, maximumWeights: capacities, seed: seed)
    var start = 0
    while start < requests.count {
        let end = min(start + ReplayGrid.batchSize, requests.count)
        grid.replay(keys: Array(requests.keys[start..<end]), weights: Array(weights[start..<end]))
        progress(end)
        start = end
    }
    return grid.results
}

/// One OPT replay's capacity and, once replayed, its result; written by one worker only.
private final class OptimalCell: @unchecked Sendable {
    let capacity: Int
    var result: ReplayResult?

    init(capacity: Int) {
        self.capacity = capacity
    }
}
