/// An error in a cache's run-time configuration.
///
/// Thrown by ``Cache/init(validatingCapacity:policy:shardCount:expireAfterAccess:clock:onRemoval:)``,
/// ``Cache/init(validatingMaximumWeight:weigher:policy:shardCount:expireAfterAccess:clock:onRemoval:)``,
/// ``Cache/validatingResize(to:)`` and ``EvictionPolicy/init(name:)``, the calls for configuration
/// that comes from outside the program (files, environment, server settings). Code that passes
/// literals uses the non-throwing forms, where the same mistakes are programmer errors and trap.
public enum CacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The capacity is not in `1...Cache.maximumCapacity`; carries the rejected value.
    case invalidCapacity(Int)
    /// The maximum weight is not in `1...Cache.maximumWeightLimit`; carries the rejected value.
    case invalidMaximumWeight(Int)
    /// The shard count is not in `1...Cache.maximumShardCount`; carries the rejected value.
    case invalidShardCount(Int)
    /// The time after access at which entries expire is not positive; carries the rejected value.
    case invalidExpireAfterAccess(Duration)
    /// No eviction policy has this name; carries the rejected name.
    case unknownPolicy(String)
    /// A new bound for ``Cache/validatingResize(to:)`` outside ``Cache/resizableBounds``; carries
    /// the rejected value and the bounds.
    case invalidResize(Int, allowed: ClosedRange<Int>)

    /// What was rejected and what is allowed, for a log or a configuration error: for example
    /// `invalid cache capacity 0: must be in 1...2147483647`.
    public var description: String {
        switch self {
        case .invalidCapacity(let capacity):
            "invalid cache capacity \(capacity): must be in 1...\(maximumCacheCapacity)"
        case .invalidMaximumWeight(let maximumWeight):
            "invalid maximum weight \(maximumWeight): must be in 1...\(Int.max / 2)"
        case .invalidShardCount(let shardCount):
            "invalid shard count \(shardCount): must be in \(ShardLayout.validCounts)"
        case .invalidExpireAfterAccess(let duration):
            "invalid expireAfterAccess \(duration): must be positive"
        case .invalidResize(let bound, let allowed):
            "cannot resize the cache to \(bound): the new bound must be in \(allowed)"
        case .unknownPolicy(let name):
            "unknown eviction policy '\(name)': expected one of "
                + EvictionPolicy.allPolicies.map(\.name).joined(separator: ", ")
        }
    }
}
