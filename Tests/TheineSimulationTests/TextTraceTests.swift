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

    @Test(arguments: [TextTraceDecoder.Layout.lirs, .arc], [1, 2, 3, 7])
    func decode_anyChunkSize_givesTheSameKeys(layout: TextTraceDecoder.Layout, chunkSize: Int) throws {
        let text: [UInt8] =
            switch layout {
            case .lirs: Array("1\n*\n22\r\n\n333\n4444".utf8)
            case .arc: Array("1 2 0 0\n\n30 1 0 1\r\n400 3 0 2".utf8)
            }
        let expected: [UInt64] =
            switch layout {
            case .lirs: [1, 22, 333, 4444]
            case .arc: [1, 2, 30, 400, 401, 402]
            }
        var decoder = TextTraceDecoder(file: "t", layout: layout)
        var keys: [UInt64] = []
        for start in stride(from: 0, to: text.count, by: chunkSize) {
            try text[start..<min(start + chunkSize, text.count)].withUnsafeBytes { chunk in
                try decoder.decode(chunk) { keys.append($0) }
            }
        }
        try decoder.finish { keys.append($0) }
        #expect(keys == expected)
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
