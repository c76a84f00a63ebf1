/// A workload's requests held in memory: each request's key and, for a weighted workload, its
/// weight (bytes, say).
///
/// ```swift
/// let plain = Requests(keys: [1, 2, 1])                          // every request weighs 1
/// let sized = Requests(keys: [1, 2, 1], weights: [300, 20, 300])
/// sized.distinctWeight                                           // 320
/// ```
///
/// A weighted workload is replayed through caches bounded by weight, and its replays report the
/// byte hit ratio (``ReplayResult/byteHitRatio``).
public struct Requests: Sendable, Equatable {
    /// Each request's key, in order.
    public var keys: [UInt64]
    /// Each request's weight, in the order of ``keys``; `nil` for a workload without weights.
    public var weights: [UInt32]?

    /// Creates the requests `keys`, weighing `weights` (as many) or, without them, unweighted.
    public init(keys: [UInt64], weights: [UInt32]? = nil) {
        if let weights {
            precondition(weights.count == keys.count, "weights.count \(weights.count) != keys.count \(keys.count)")
        }
        self.keys = keys
        self.weights = weights
    }

    /// Whether the requests carry weights.
    public var isWeighted: Bool { weights != nil }

    /// The number of requests.
    public var count: Int { keys.count }

    /// The number of distinct keys.
    ///
    /// - Complexity: O(n) expected, and a set of the distinct keys.
    public var distinctKeyCount: Int { Set(keys).count }

    /// The weight of every distinct key together, each counted at its first request's weight:
    /// what a cache must hold to hit on every repeat; ``distinctKeyCount`` without weights.
    ///
    /// - Complexity: O(n) expected, and a set of the distinct keys.
    public var distinctWeight: Int {
        guard let weights else { return distinctKeyCount }
        var seen = Set<UInt64>(minimumCapacity: keys.count / 4)
        var total = 0
        for (key, weight) in zip(keys, weights) where seen.insert(key).inserted {
            total += Int(weight)
        }
        return total
    }
}
