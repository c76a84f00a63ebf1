import Testing
import TheineSimulation

struct TraceStreamTests {
    @Test func readAll_sourcesInOrder_repeatsAndOffsetsKeys() throws {
        try withFixtureDirectory { fixtures in
            let first = TraceReader(path: try fixtures.write("first.trace", "1\n2\n"), format: .lirs)
            let second = TraceReader(path: try fixtures.write("second.lis", "10 2 0 0\n"), format: .arc)
            let stream = TraceStream([
                TraceSource(reader: first),
                TraceSource(reader: second, repeatCount: 2, keyOffset: 1 << 62),
                TraceSource(reader: first, keyOffset: UInt64.max),
            ])
            let offset: UInt64 = 1 << 62
            let expected: [UInt64] = [1, 2, offset + 10, offset + 11, offset + 10, offset + 11, 0, 1]
            #expect(try stream.readAll() == expected)
            #expect(stream.name == "first+second*2+first")
        }
    }

    @Test func forEachKey_reportsProgressUpToTheLastPass() throws {
        try withFixtureDirectory { fixtures in
            let reader = TraceReader(path: try fixtures.write("t.trace", "1\n2\n"), format: .lirs)
            var fractions: [Double] = []
            let summary = try TraceStream([TraceSource(reader: reader, repeatCount: 4)]).forEachKey(
                progress: { fractions.append($0) },
                { _ in }
            )
            #expect(summary.requestCount == 8)
            #expect(fractions == [0.25, 0.5, 0.75, 1])
        }
    }

    @Test func forEachKey_standardInputTwice_throwsBeforeReading() {
        let stdin = TraceReader(path: "-", format: .lirs)
        #expect(throws: TraceError.unrepeatable(file: "<stdin>")) {
            try TraceStream([TraceSource(reader: stdin, repeatCount: 2)]).readAll()
        }
    }

    /// corda+loop of ANCHORS.md, built from its parts: corda, the loop five times with its keys
    /// moved by 2^62, corda again.
    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason))
    func cordaPlusLoop_matchesTheAnchorsRequestCountAndOPT() throws {
        let stream = try TraceCatalog.cordaPlusLoop()
        let keys = try stream.readAll()
        #expect(keys.count == 2_798_904)
        let optimal = BeladyOptimal(keys)
        #expect(optimal.distinctKeyCount == 91_479)
        let results = replay(keys, policies: [.arc, .optimal], capacities: [512, 1_024], seed: 42)
        for result in results {
            let tool = result.policy == .arc ? "lcs-arc" : "opt"
            let anchor = try #require(
                try TraceCatalog.anchors(trace: "corda+loop", tool: tool).first { $0.size == result.capacity }
            )
            let tolerance = result.policy == .arc ? ARCTraceTests.tolerance : OptimalTests.anchorTolerance
            #expect(abs(result.hitRatio - anchor.hitRatio) <= tolerance, "\(result.policy) at \(result.capacity)")
        }
    }
}
