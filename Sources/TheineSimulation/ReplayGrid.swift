import Theine

/// Caches of several policies and capacities fed the same requests batch by batch, so that a trace
/// streams through all of them in constant memory.
///
/// ```swift
/// let grid = ReplayGrid(policies: [.library(.lru), .arc], capacities: [1_000, 10_000], seed: 42)
/// var batch: [UInt64] = []
/// try reader.forEachKey { key in
///     batch.append(key)
///     if batch.count == ReplayGrid.batchSize { grid.replay(batch); batch.removeAll(keepingCapacity: true) }
/// }
/// grid.replay(batch)
/// print(grid.results)
/// ```
///
/// Each batch is replayed through every cache in parallel, each cache always on the same thread
/// (``PinnedWorkers``: a cache's reads must not move between threads for its hit ratio to be its
/// policy's own), so a batch costs one synchronization, not one a request. Not for ``SimulatedPolicy/optimal``, which needs the
/// whole trace: see `replay(_:policies:capacities:seed:progress:)`.
///
/// A weighted grid (``init(policies:maximumWeights:seed:)``) holds caches bounded by weight and is
/// fed each request's weight with ``replay(keys:weights:)``.
///
/// Not thread-safe: call ``replay(_:)`` from one thread at a time.
public final class ReplayGrid: @unchecked Sendable {
    /// The number of requests a batch should hold for the synchronization to cost little: 64 Ki
    /// (512 KiB of keys).
    public static let batchSize = 1 << 16

    /// Whether the caches are bounded by weight.
    public let isWeighted: Bool

    private let cells: [ReplayCell]
    private let workers: PinnedWorkers

    /// Creates an empty cache for each policy and capacity.
    ///
    /// - Parameters:
    ///   - policies: the policies; not ``SimulatedPolicy/optimal``.
    ///   - capacities: the capacities, each in `1...Cache.maximumCapacity`.
    ///   - seed: the seed of every cache's random admission decisions.
    public init(policies: [SimulatedPolicy], capacities: [Int], seed: UInt64) {
        isWeighted = false
        cells = policies.flatMap { policy in
            capacities.map { ReplayCell(policy: policy, capacity: $0, isWeighted: false, seed: seed) }
        }
        workers = PinnedWorkers(itemCount: max(1, cells.count))
    }

    /// Creates an empty cache bounded by weight for each policy and maximum weight.
    ///
    /// - Parameters:
    ///   - policies: the policies; each ``SimulatedPolicy/supportsWeights``.
    ///   - maximumWeights: the maximum weights, each in `1...Cache.maximumWeightLimit`.
    ///   - seed: the seed of every cache's random admission decisions.
    public init(policies: [SimulatedPolicy], maximumWeights: [Int], seed: UInt64) {
        for policy in policies {
            precondition(policy.supportsWeights, "policy \(policy) does not replay weighted workloads")
        }
        isWeighted = true
        cells = policies.flatMap { policy in
            maximumWeights.map { ReplayCell(policy: policy, capacity: $0, isWeighted: true, seed: seed) }
        }
        workers = PinnedWorkers(itemCount: max(1, cells.count))
    }

    /// Replays `batch` through every cache of an unweighted grid, in parallel; each request is a
    /// lookup, and an insertion on a miss.
    ///
    /// - Complexity: O(batch count) cache operations for each cache.
    public func replay(_ batch: some Collection<UInt64>) {
        precondition(!isWeighted, "a weighted grid replays requests with their weights: replay(keys:weights:)")
        let keys = Array(batch)
        let cells = cells
        guard !cells.isEmpty else { return }
        workers.run { index in
            keys.withUnsafeBufferPointer { cells[index].replay($0) }
        }
    }

    /// Replays a batch of weighted requests through every cache of a weighted grid, in parallel.
    ///
    /// Each request is a lookup. It hits when its key is present with the same weight; otherwise
    /// its value is stored, with its weight (a changed weight is a changed object, which must be
    /// fetched again).
    ///
    /// - Parameters:
    ///   - keys: the requests' keys.
    ///   - weights: each request's weight, as many as `keys`.
    /// - Complexity: O(keys.count) cache operations for each cache.
    public func replay(keys: [UInt64], weights: [UInt32]) {
        precondition(isWeighted, "an unweighted grid replays keys alone: replay(_:)")
        precondition(keys.count == weights.count, "weights.count \(weights.count) != keys.count \(keys.count)")
        let cells = cells
        guard !cells.isEmpty else { return }
        workers.run { index in
            keys.withUnsafeBufferPointer { keys in
                weights.withUnsafeBufferPointer { cells[index].replay(keys, weights: $0) }
            }
        }
    }

    /// The counts so far, ordered by policy, then capacity, as given.
    public var results: [ReplayResult] {
        cells.map(\.result)
    }
}

/// One cache of a ``ReplayGrid`` and its counts; replayed by one worker at a time.
private final class ReplayCell: @unchecked Sendable {
    private enum Engine {
        case library(Cache<UInt64, UInt64>)
        /// A cache bounded by weight whose values are the requests' weights.
        case weighted(Cache<UInt64, UInt32>)
        case arc(AdaptiveReplacementCache)
    }

    private let policy: SimulatedPolicy
    private let capacity: Int
    private let engine: Engine
    private var requestCount = 0
    private var hitCount = 0
    private var requestedWeight = 0
    private var hitWeight = 0

    init(policy: SimulatedPolicy, capacity: Int, isWeighted: Bool, seed: UInt64) {
        self.policy = policy
        self.capacity = capacity
        switch policy.kind {
        // One shard at every size, so the result is the policy's own, whatever the machine.
        case .library(let evictionPolicy) where isWeighted:
            engine = .weighted(
                Cache(
                    maximumWeight: capacity,
                    weigher: { _, weight in Int(weight) },
                    policy: evictionPolicy,
                    admissionSeed: seed,
                    shardCount: 1
                )
            )
        case .library(let evictionPolicy):
            engine = .library(Cache(capacity: capacity, policy: evictionPolicy, admissionSeed: seed, shardCount: 1))
        case .arc:
            engine = .arc(AdaptiveReplacementCache(capacity: capacity))
        case .optimal:
            preconditionFailure("OPT needs the whole trace; replay it with BeladyOptimal")
        }
    }

    var result: ReplayResult {
        guard case .weighted = engine else {
            return ReplayResult(policy: policy, capacity: capacity, requestCount: requestCount, hitCount: hitCount)
        }
        return ReplayResult(
            policy: policy,
            maximumWeight: capacity,
            requestCount: requestCount,
            hitCount: hitCount,
            requestedWeight: requestedWeight,
            hitWeight: hitWeight
        )
    }

    /// - Complexity: O(keys.count) cache operations.
    func replay(_ keys: UnsafeBufferPointer<UInt64>) {
        requestCount += keys.count
        switch engine {
        case .library(let cache):
            for key in keys {
                if cache.get(key) != nil {
                    hitCount += 1
                } else {
                    cache.set(key, key)
                }
            }
        case .arc(let arc):
            for key in keys where arc.access(key) {
                hitCount += 1
            }
        case .weighted:
            preconditionFailure("a weighted cache replays requests with their weights")
        }
    }

    /// - Complexity: O(keys.count) cache operations.
    func replay(_ keys: UnsafeBufferPointer<UInt64>, weights: UnsafeBufferPointer<UInt32>) {
        guard case .weighted(let cache) = engine else {
            preconditionFailure("an unweighted cache replays keys alone")
        }
        requestCount += keys.count
        for (key, weight) in zip(keys, weights) {
            requestedWeight += Int(weight)
            if cache.get(key) == weight {
                hitCount += 1
                hitWeight += Int(weight)
            } else {
                cache.set(key, weight)
            }
        }
    }
}
