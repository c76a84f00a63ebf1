import Foundation
import Testing
import Theine
import TheineSimulation

/// Weighted replays of the shared traces, every request weighing 1, against the unweighted replays:
/// a cache bounded by weight must then decide exactly as the cache bounded by count.
///
/// CI replays the few traces of ``ciTraceNames``; `THEINE_UNIT_WEIGHT_ALL_TRACES=1` replays every
/// trace of the catalog (the long ones with `THEINE_LONG_TESTS=1` too).
struct UnitWeightTraceTests {
    /// A transaction log, a web cache, a database trace and a loop: the kinds of the catalog.
    static let ciTraceNames: Set<String> = ["arc-OLTP", "cache2k-web07", "corda-vaultservice", "lirs-loop"]

    static let allTraces = ProcessInfo.processInfo.environment["THEINE_UNIT_WEIGHT_ALL_TRACES"] == "1"

    static func traces() throws -> [TraceCatalog.Trace] {
        try TraceCatalog.traces().filter { allTraces || ciTraceNames.contains($0.name) }
    }

    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason), arguments: try traces())
    func replay_unitWeights_givesExactlyTheUnweightedHitRatios(trace: TraceCatalog.Trace) throws {
        let keys = try TraceCatalog.keys(of: trace)
        let policies = EvictionPolicy.allPolicies.map(SimulatedPolicy.library)
        let capacities = CacheSizes.fractions(CacheSizes.traceFractions, of: Set(keys).count)
        let unweighted = replay(keys, policies: policies, capacities: capacities, seed: 42)
        let weighted = replay(
            Requests(keys: keys, weights: [UInt32](repeating: 1, count: keys.count)),
            policies: policies,
            capacities: capacities,
            seed: 42
        )
        for (plain, byWeight) in zip(unweighted, weighted) {
            #expect(
                byWeight.hitCount == plain.hitCount && byWeight.hitWeight == plain.hitCount,
                "\(trace.name), \(plain.policy) at \(plain.capacity): \(byWeight.hitCount) hits by weight, \(plain.hitCount) by count"
            )
        }
        #expect(weighted.count == unweighted.count)
    }
}
