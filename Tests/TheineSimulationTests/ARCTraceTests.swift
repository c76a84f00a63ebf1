import Testing
import TheineSimulation

/// Replays every shared trace through the simulator's ARC and compares it with libCacheSim's ARC.
///
/// Run it in release: `THEINE_REQUIRE_TRACES=1 THEINE_LONG_TESTS=1 swift test -c release --filter ARCTrace`.
struct ARCTraceTests {
    /// How far (in percentage points) a hit ratio may be from `lcs-arc`.
    static let tolerance = 0.05

    @Test func access_handWorkedSequence_adaptsToAGhostHit() {
        // Capacity 2: 1, 2 miss into T1; 3 miss, T1 is full: 1 goes to B1; 1 misses as a ghost
        // hit, p grows to 1, 2 goes to B1 and 1 to T2; 1 hits.
        let arc = AdaptiveReplacementCache(capacity: 2)
        #expect([1, 2, 3, 1, 1].map { arc.access($0) } == [false, false, false, false, true])
    }

    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason), arguments: try TraceCatalog.traces())
    func replay_arc_matchesLibCacheSimARC(trace: TraceCatalog.Trace) throws {
        let anchors = try TraceCatalog.anchors(trace: trace.name, tool: "lcs-arc")
        try #require(!anchors.isEmpty, "anchors.csv has no lcs-arc figures for \(trace.name)")
        let keys = try TraceCatalog.keys(of: trace)
        let results = replay(keys, policies: [.arc], capacities: anchors.map(\.size), seed: 42)
        for (anchor, result) in zip(anchors, results) {
            #expect(
                abs(result.hitRatio - anchor.hitRatio) <= Self.tolerance,
                "\(trace.name) at \(anchor.size): \(result.hitRatio)% vs lcs-arc \(anchor.hitRatio)%"
            )
        }
    }
}
