import Theine

/// The outcome of replaying a workload through one cache: how many requests hit, and for a
/// weighted workload how much of the requested weight.
public struct ReplayResult: Sendable, Equatable {
    /// The policy of the cache.
    public var policy: SimulatedPolicy
    /// The cache's capacity: in entries, or for a weighted replay (``isWeighted``) its maximum
    /// weight.
    public var capacity: Int
    /// Whether the cache was bounded by weight and fed each request's weight.
    public var isWeighted: Bool
    /// The number of requests replayed.
    public var requestCount: Int
    /// The number of requests whose key was in the cache.
    public var hitCount: Int
    /// The weight of every request together; ``requestCount`` for an unweighted replay.
    public var requestedWeight: Int
    /// The weight of the requests that hit; ``hitCount`` for an unweighted replay.
    public var hitWeight: Int

    /// Creates the result of an unweighted replay from its counts: every request weighs 1.
    public init(policy: SimulatedPolicy, capacity: Int, requestCount: Int, hitCount: Int) {
        self.policy = policy
        self.capacity = capacity
        self.isWeighted = false
        self.requestCount = requestCount
        self.hitCount = hitCount
        self.requestedWeight = requestCount
        self.hitWeight = hitCount
    }

    /// Creates the result of the library policy `policy` from its counts.
    public init(policy: EvictionPolicy, capacity: Int, requestCount: Int, hitCount: Int) {
        self.init(policy: .library(policy), capacity: capacity, requestCount: requestCount, hitCount: hitCount)
    }

    /// Creates the result of a weighted replay through a cache of `maximumWeight` from its counts.
    public init(
        policy: SimulatedPolicy,
        maximumWeight: Int,
        requestCount: Int,
        hitCount: Int,
        requestedWeight: Int,
        hitWeight: Int
    ) {
        self.init(policy: policy, capacity: maximumWeight, requestCount: requestCount, hitCount: hitCount)
        self.isWeighted = true
        self.requestedWeight = requestedWeight
        self.hitWeight = hitWeight
    }

    /// The hits as a percentage of the requests, in 0...100; 0 when there were no requests.
    public var hitRatio: Double {
        requestCount == 0 ? 0 : 100 * Double(hitCount) / Double(requestCount)
    }

    /// The weight of the hits as a percentage of the weight requested, in 0...100: the share of
    /// the bytes served from the cache when weights are sizes. 0 when nothing was requested;
    /// ``hitRatio`` for an unweighted replay.
    public var byteHitRatio: Double {
        requestedWeight == 0 ? 0 : 100 * Double(hitWeight) / Double(requestedWeight)
    }
}
