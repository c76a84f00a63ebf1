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
    replayRequests(keys, policy: policy, capacity: capacity, seed: seed)
}

/// Replays `keys` through a new cache and counts the hits; the specialized form for arrays.
///
/// The same as the generic `replay(_:policy:capacity:seed:)`, without its cost of iterating a
/// sequence through its protocol from another module.
public func replay(_ keys: [UInt64], policy: EvictionPolicy, capacity: Int, seed: UInt64) -> ReplayResult {
    replayRequests(keys, policy: policy, capacity: capacity, seed: seed)
}

/// Replays `keys` through one cache for each policy and capacity, running the replays in parallel.
///
/// - Parameters:
///   - keys: the requests, in order.
///   - policies: the eviction policies to compare.
///   - capacities: the cache capacities, each in `1...Cache.maximumCapacity`.
///   - seed: the seed of every cache's random admission decisions.
/// - Returns: one result for each policy and capacity, ordered by policy, then capacity, as given.
public func replay(
    _ keys: [UInt64],
    policies: [EvictionPolicy],
    capacities: [Int],
    seed: UInt64
) async -> [ReplayResult] {
    let grid = policies.flatMap { policy in capacities.map { (policy: policy, capacity: $0) } }
    return await withTaskGroup(of: (Int, ReplayResult).self) { group in
        for (index, cell) in grid.enumerated() {
            group.addTask {
                (index, replayRequests(keys, policy: cell.policy, capacity: cell.capacity, seed: seed))
            }
        }
        var results: [(index: Int, result: ReplayResult)] = []
        for await cell in group {
            results.append(cell)
        }
        return results.sorted { $0.index < $1.index }.map(\.result)
    }
}

/// The replay loop behind the public entry points, specialized for each sequence type within
/// this module.
private func replayRequests<Keys: Sequence<UInt64>>(
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
