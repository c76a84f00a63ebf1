import Theine

/// A policy the simulator replays: one of the library's ``Theine/EvictionPolicy``s, or a policy
/// that exists only for comparison: ARC and Bélády's optimum.
///
/// ```swift
/// let policies = SimulatedPolicy.allPolicies            // lru, tinyLFU, …, arc, opt
/// let chosen = try SimulatedPolicy(name: "opt")
/// let lru = SimulatedPolicy.library(.lru)
/// ```
///
/// The library's policies run through the public `Cache`; ``arc`` and ``optimal`` are simulated in
/// this module and never ship in the cache.
public struct SimulatedPolicy: Hashable, Sendable, CustomStringConvertible {
    /// What the policy is.
    public enum Kind: Hashable, Sendable {
        /// A policy of the library, replayed through `Cache`.
        case library(EvictionPolicy)
        /// ARC (Megiddo and Modha, FAST '03), simulated by ``AdaptiveReplacementCache``.
        case arc
        /// Bélády's optimum with bypass, computed by ``BeladyOptimal``.
        case optimal
    }

    /// What the policy is.
    public let kind: Kind

    /// The library policy `policy`.
    public static func library(_ policy: EvictionPolicy) -> SimulatedPolicy {
        SimulatedPolicy(kind: .library(policy))
    }

    /// ARC: recency and frequency lists whose split adapts to ghost hits.
    public static let arc = SimulatedPolicy(kind: .arc)

    /// Bélády's optimal replacement with bypass: the most hits any policy can get.
    public static let optimal = SimulatedPolicy(kind: .optimal)

    /// Every library policy (`EvictionPolicy.allPolicies`, so new ones appear here by themselves),
    /// then ``arc`` and ``optimal``.
    public static var allPolicies: [SimulatedPolicy] {
        EvictionPolicy.allPolicies.map(library) + [arc, optimal]
    }

    /// The policy's name in tables, CSV and `--policies`: the library policy's name, `arc` or `opt`.
    public var name: String {
        switch kind {
        case .library(let policy): policy.name
        case .arc: "arc"
        case .optimal: "opt"
        }
    }

    public var description: String { name }

    /// Whether the policy must see the whole trace before its first request (only ``optimal``).
    public var needsWholeTrace: Bool { kind == .optimal }

    /// Whether the policy replays weighted workloads: the library's policies do. ``arc`` is
    /// simulated by entry count only, and ``optimal`` is not offered: with sizes, the optimum is
    /// NP-hard to compute, and Bélády's rule is no longer optimal.
    public var supportsWeights: Bool {
        if case .library = kind { true } else { false }
    }

    /// The policy called `name`, spelled as ``name`` spells it.
    ///
    /// - Throws: ``UnknownPolicyError`` listing the known names.
    public init(name: String) throws(UnknownPolicyError) {
        guard let policy = Self.allPolicies.first(where: { $0.name == name }) else {
            throw UnknownPolicyError(name: name)
        }
        self = policy
    }

    private init(kind: Kind) {
        self.kind = kind
    }
}

/// A policy name that no ``SimulatedPolicy`` has.
public struct UnknownPolicyError: Error, Equatable, CustomStringConvertible {
    /// The name asked for.
    public let name: String

    public var description: String {
        "unknown policy '\(name)'; the policies are "
            + SimulatedPolicy.allPolicies.map(\.name).joined(separator: ", ")
    }
}
