import Testing
import Theine
import TheineSimulation

/// Replays every shared trace through `Cache` with LRU and compares with libCacheSim's LRU.
///
/// Run it in release: `THEINE_REQUIRE_TRACES=1 THEINE_LONG_TESTS=1 swift test -c release --filter LRUTrace`.
struct LRUTraceTests {
    /// How far (in percentage points) a hit ratio may be from the anchor, which has 2 decimals.
    static let tolerance = 0.02

    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason))
    func catalog_listsEveryTraceThatHasLRUAnchors() throws {
        var expected = try TraceCatalog.anchoredTraceNames(tool: "lcs-lru")
        expected.remove("corda+loop")  // a composite, not a file
        if !TraceCatalog.includesLongTraces { expected.subtract(TraceCatalog.longTraceNames) }
        #expect(Set(try TraceCatalog.traces().map(\.name)) == expected)
    }

    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason), arguments: try TraceCatalog.traces())
    func replay_lru_matchesLibCacheSimLRU(trace: TraceCatalog.Trace) throws {
        let anchors = try TraceCatalog.anchors(trace: trace.name, tool: "lcs-lru")
        try #require(!anchors.isEmpty, "anchors.csv has no lcs-lru figures for \(trace.name)")
        let keys = try TraceCatalog.keys(of: trace)
        for anchor in anchors {
            let result = replay(keys, policy: .lru, capacity: anchor.size, seed: 42)
            #expect(
                abs(result.hitRatio - anchor.hitRatio) <= Self.tolerance,
                "\(trace.name) at \(anchor.size): \(result.hitRatio)% vs lcs-lru \(anchor.hitRatio)%"
            )
        }
    }
}
