import Testing

@testable import TheineSimulation

struct TextTraceTests {
    @Test func readAll_lirsWithMarkersBlankLinesAndCRLF_skipsThem() throws {
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.write("keys.trace", "5\n*\n\n  7  \r\n*\r\n\t\n18446744073709551615\n0")
            return try TraceReader(path: path, format: .lirs).readAll()
        }
        #expect(keys == [5, 7, UInt64.max, 0])
    }

    @Test func readAll_arcLines_expandToConsecutiveKeys() throws {
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.write("keys.lis", "10 3 0 0\n5\t1 0 1\r\n\n18446744073709551614 2 7 2\n")
            return try TraceReader(path: path, format: .arc).readAll()
        }
        #expect(keys == [10, 11, 12, 5, UInt64.max - 1, UInt64.max])
    }

    @Test func readAll_traceLongerThanOneChunk_keepsLinesAcrossChunks() throws {
        let expected = (0..<300_000).map { UInt64($0) &* 2_654_435_761 }
        let text = expected.map { String($0) }.joined(separator: "\n")
        #expect(text.utf8.count > 2 * TraceInput.chunkSize)
        let keys = try withFixtureDirectory { fixtures in
            try TraceReader(path: fixtures.write("long.trace", text), format: .lirs).readAll()
        }
        #expect(keys == expected)
    }

    @Test(
        arguments: [
            TextTraceDecoder.Layout.lirs, .arc, .keys, .csv(keyColumn: 2, weightColumn: nil),
            .csv(keyColumn: 2, weightColumn: 1),
        ],
        [1, 2, 3, 7]
    )
    func decode_anyChunkSize_givesTheSameRequests(layout: TextTraceDecoder.Layout, chunkSize: Int) throws {
        let text: [UInt8] =
            switch layout {
            case .lirs: Array("1\n*\n22\r\n\n333\n4444".utf8)
            case .arc: Array("1 2 0 0\n\n30 1 0 1\r\n400 3 0 2".utf8)
            case .keys: Array("alpha\n\n  beta gamma \r\nalpha".utf8)
            case .csv: Array("size,key\n1,alpha\r\n\n20,\"beta, \"\"gamma\"\"\"\n300,alpha".utf8)
            }
        let expectedKeys: [UInt64] =
            switch layout {
            case .lirs: [1, 22, 333, 4444]
            case .arc: [1, 2, 30, 400, 401, 402]
            case .keys: ["alpha", "beta gamma", "alpha"].map { TextKeyHash.key(of: $0.utf8) }
            case .csv: ["alpha", "beta, \"gamma\"", "alpha"].map { TextKeyHash.key(of: $0.utf8) }
            }
        let expectedWeights: [UInt32] =
            if case .csv(_, weightColumn: .some(1)) = layout { [1, 20, 300] } else { expectedKeys.map { _ in 1 } }
        var decoder = TextTraceDecoder(file: "t", layout: layout)
        var keys: [UInt64] = []
        var weights: [UInt32] = []
        for start in stride(from: 0, to: text.count, by: chunkSize) {
            try text[start..<min(start + chunkSize, text.count)].withUnsafeBytes { chunk in
                try decoder.decode(chunk) { key, weight in
                    keys.append(key)
                    weights.append(weight)
                }
            }
        }
        try decoder.finish { key, weight in
            keys.append(key)
            weights.append(weight)
        }
        #expect(keys == expectedKeys)
        #expect(weights == expectedWeights)
    }

    @Test func readAllRequests_csvWithWeightColumn_givesEachRequestsWeight() throws {
        let requests = try withFixtureDirectory { fixtures in
            let path = try fixtures.write("requests.csv", "key,size\n7, 100 \n8,5\n7,0\n9,4294967295\n")
            let reader = TraceReader(path: path, format: .csv, keyColumn: 1, weightColumn: 2)
            return try TraceStream([TraceSource(reader: reader)]).readAllRequests()
        }
        #expect(requests.keys == ["7", "8", "7", "9"].map { TextKeyHash.key(of: $0.utf8) })
        #expect(requests.weights == [100, 5, 0, 4_294_967_295])
        #expect(requests.distinctWeight == 100 + 5 + 4_294_967_295)
    }

    @Test(
        arguments: [
            ("7,-3", "weight is negative"),
            ("7,big", "weight is not a decimal number"),
            ("7,", "weight is empty"),
            ("7", "expected at least 2 fields, found 1"),
            ("7,4294967296", "weight 4294967296 does not fit in 32 bits"),
            ("7,99999999999999999999", "weight does not fit in 64 bits"),
        ]
    )
    func readAll_csvWithBadWeight_throwsNamingTheLine(line: String, problem: String) throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("requests.csv", "key,size\n8,5\n\(line)\n")
            let reader = TraceReader(path: path, format: .csv, weightColumn: 2)
            #expect(throws: TraceError.malformedLine(file: path, line: 3, text: line, problem: problem)) {
                try reader.forEachRequest { _, _ in }
            }
        }
    }

    @Test func textKeyHash_isFNV1a() {
        // The published FNV-1a 64 test vectors.
        #expect(TextKeyHash.key(of: "".utf8) == 0xCBF2_9CE4_8422_2325)
        #expect(TextKeyHash.key(of: "a".utf8) == 0xAF63_DC4C_8601_EC8C)
        #expect(TextKeyHash.key(of: "foobar".utf8) == 0x8594_4171_F739_67E8)
    }

    @Test func readAll_csvWithKeyColumn_skipsTheHeaderAndHashesTheField() throws {
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.write("requests.csv", "key,size\n7,100\n8,5\n7,100\n")
            return try TraceReader(path: path, format: .csv, keyColumn: 1).readAll()
        }
        #expect(keys == ["7", "8", "7"].map { TextKeyHash.key(of: $0.utf8) })
    }

    @Test func forEachKey_skipsMalformedLines_countsThem() throws {
        try withFixtureDirectory { fixtures in
            let lirs = try fixtures.write("bad.trace", "1\nx\n2\n3 4\n5")
            var keys: [UInt64] = []
            let summary = try TraceReader(path: lirs, format: .lirs, skipsMalformedLines: true).forEachKey {
                keys.append($0)
            }
            #expect(keys == [1, 2, 5])
            #expect(summary == TraceReader.Summary(requestCount: 3, skippedLineCount: 2))
            let arc = try fixtures.write("bad.lis", "1 2 0 0\n5 0 0 0\n9 1 0 0\n")
            #expect(try TraceReader(path: arc, format: .arc, skipsMalformedLines: true).readAll() == [1, 2, 9])
            let allBad = try fixtures.write("allbad.trace", "x\ny\n")
            #expect(throws: TraceError.empty(file: allBad)) {
                try TraceReader(path: allBad, format: .lirs, skipsMalformedLines: true).readAll()
            }
        }
    }

    @Test func forEachKey_bodyThrows_stopsAndRethrows() throws {
        struct Stop: Error {}
        var seen: [UInt64] = []
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("keys.trace", "1\n2\n3\n")
            #expect(throws: Stop.self) {
                try TraceReader(path: path, format: .lirs).forEachKey { key in
                    seen.append(key)
                    if key == 2 { throw Stop() }
                }
            }
        }
        #expect(seen == [1, 2])
    }
}
