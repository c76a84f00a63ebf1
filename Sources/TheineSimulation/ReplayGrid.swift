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
/// Not thread-safe: call ``replay(_:)`` from one thread at a time.
public final class ReplayGrid: @unchecked Sendable {
    /// The number of requests a batch should hold for the synchronization to cost little: 64 Ki
    /// (512 KiB of keys).
    public static let batchSize = 1 << 16

    private let cells: [ReplayCell]
    private let workers: PinnedWorkers

    /// Creates an empty cache for each policy and capacity.
    ///
    /// - Parameters:
    ///   - policies: the policies; not ``SimulatedPolicy/optimal``.
    ///   - capacities: the capacities, each in `1...Cache.maximumCapacity`.
    ///   - seed: the seed of every cache's random admission decisions.
    public init(policies: [SimulatedPolicy], capacities: [Int], seed: UInt64) {
        cells = policies.flatMap { policy in
            capacities.map { ReplayCell(policy: policy, capacity: $0, seed: seed) }
        }
        workers = PinnedWorkers(itemCount: max(1, cells.count))
    }

    /// Replays `batch` through every cache, in parallel; each request is a lookup, and an insertion
    /// on a miss.
    ///
    /// - Complexity: O(batch count) cache operations for each cache.
    public func replay(_ batch: some Collection<UInt64>) {
        let keys = Array(batch)
        let cells = cells
        guard !cells.isEmpty else { return }
        workers.run { index in
            keys.withUnsafeBufferPointer { cells[index].replay($0) }
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
        case arc(AdaptiveReplacementCache)
    }

    private let policy: SimulatedPolicy
    private let capacity: Int
    private let engine: Engine
    private var requestCount = 0
    private var hitCount = 0

    init(policy: SimulatedPolicy, capacity: Int, seed: UInt64) {
        self.policy = policy
        self.capacity = capacity
        switch policy.kind {
        case .library(let evictionPolicy):
            // One shard at every size, so the result is the policy's own, whatever the machine.
            engine = .library(Cache(capacity: capacity, policy: evictionPolicy, admissionSeed: seed, shardCount: 1))
        case .arc:
            engine = .arc(AdaptiveReplacementCache(capacity: capacity))
        case .optimal:
            preconditionFailure("OPT needs the whole trace; replay it with BeladyOptimal")
        }
    }

    var result: ReplayResult {
        ReplayResult(policy: policy, capacity: capacity, requestCount: requestCount, hitCount: hitCount)
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
        }
    }
}
