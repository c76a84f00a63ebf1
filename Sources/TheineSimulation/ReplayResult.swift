import Theine

/// The outcome of replaying a workload through one cache: how many requests hit.
public struct ReplayResult: Sendable, Equatable {
    /// The policy of the cache.
    public var policy: SimulatedPolicy
    /// The cache's capacity in entries.
    public var capacity: Int
    /// The number of requests replayed.
    public var requestCount: Int
    /// The number of requests whose key was in the cache.
    public var hitCount: Int

    /// Creates a result from its counts.
    public init(policy: SimulatedPolicy, capacity: Int, requestCount: Int, hitCount: Int) {
        self.policy = policy
        self.capacity = capacity
        self.requestCount = requestCount
        self.hitCount = hitCount
    }

    /// Creates a result of the library policy `policy` from its counts.
    public init(policy: EvictionPolicy, capacity: Int, requestCount: Int, hitCount: Int) {
        self.init(policy: .library(policy), capacity: capacity, requestCount: requestCount, hitCount: hitCount)
    }

    /// The hits as a percentage of the requests, in 0...100; 0 when there were no requests.
    public var hitRatio: Double {
        requestCount == 0 ? 0 : 100 * Double(hitCount) / Double(requestCount)
    }
}
