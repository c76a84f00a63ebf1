/// The rule a cache follows to choose which entry to evict when it is full.
///
/// ```swift
/// let sessions = Cache<String, Session>(capacity: 10_000)              // .tinyLFU, the default
/// let recent = Cache<Int, Page>(capacity: 1_000, policy: .lru)
/// let looping = Cache<Int, Block>(capacity: 1_000, policy: .clockPro)
/// let configured = try EvictionPolicy(name: settings.policyName)      // "lru", "tinyLFU", "clockPro"
/// ```
///
/// A struct with static members rather than an enum, so that policies can be added without
/// breaking a `switch` in client code.
public struct EvictionPolicy: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline
    enum Kind: Hashable, Sendable {
        case lru
        case tinyLFU
        case clockPro
    }

    @usableFromInline
    let kind: Kind

    @inlinable
    init(_ kind: Kind) {
        self.kind = kind
    }

    /// Least recently used: evicts the entry whose last use is the oldest.
    ///
    /// Good when recent use predicts the next use; defeated by scans and loops longer than the cache.
    public static var lru: EvictionPolicy { EvictionPolicy(.lru) }

    /// Adaptive W-TinyLFU, the default: recency in a small window, frequency-based admission into a
    /// segmented LRU main space, and a hill climber that sizes the window to the workload.
    ///
    /// Near-optimal on skewed (Zipf-like) workloads, resistant to scans, and close to LRU where
    /// recency dominates.
    public static var tinyLFU: EvictionPolicy { EvictionPolicy(.tinyLFU) }

    /// Clock-Pro (Jiang, Chen, Zhang, USENIX ATC '05): a clock that tells hot pages (short reuse
    /// distance) from cold ones and remembers recently evicted cold pages, approximating LIRS.
    ///
    /// For loops, scans and mixed reuse distances, where LRU collapses; a hit only sets a
    /// reference bit. Keeps metadata for up to as many evicted keys as the capacity (hashes only).
    public static var clockPro: EvictionPolicy { EvictionPolicy(.clockPro) }

    /// Every policy, in the order of their introduction.
    public static var allPolicies: [EvictionPolicy] { [.lru, .tinyLFU, .clockPro] }

    /// The policy's name, as configuration files and the simulator spell it: `lru`, `tinyLFU`,
    /// `clockPro`.
    public var name: String {
        switch kind {
        case .lru: "lru"
        case .tinyLFU: "tinyLFU"
        case .clockPro: "clockPro"
        }
    }

    /// The policy's ``name``, which ``init(name:)`` reads back.
    public var description: String { name }

    /// The policy called `name` (``name``'s spelling, matched exactly).
    ///
    /// - Throws: ``CacheError/unknownPolicy(_:)`` when no policy has that name.
    public init(name: String) throws(CacheError) {
        guard let policy = Self.allPolicies.first(where: { $0.name == name }) else {
            throw .unknownPolicy(name)
        }
        self = policy
    }

    /// Creates the policy's state for `capacity` entries, or, given `weights`, for a shard bounded
    /// by ``SlotWeights/maximum`` in weight.
    func makePolicy(capacity: Int, seed: UInt64, weights: SlotWeights? = nil) -> any CachePolicy {
        switch kind {
        case .lru: LRUPolicy(capacity: capacity, isBoundedByWeight: weights != nil)
        case .tinyLFU: TinyLFUPolicy(capacity: capacity, seed: seed, weights: weights)
        case .clockPro: ClockProPolicy(capacity: capacity, weights: weights)
        }
    }
}
