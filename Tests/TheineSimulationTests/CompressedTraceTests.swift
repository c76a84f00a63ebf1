import Testing
import TheineSimulation

struct CompressedTraceTests {
    static let compressors = ["gzip", "xz", "zstd"]

    @Test(arguments: compressors)
    func readAll_compressedTextTrace_decompresses(tool: String) throws {
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.compress(fixtures.write("keys.lis", "7 2 0 0\n1 1 0 1\n"), with: tool)
            return try TraceReader(path: path, format: .arc).readAll()
        }
        #expect(keys == [7, 8, 1])
    }

    @Test(arguments: compressors)
    func readAll_compressedBinaryTrace_decompresses(tool: String) throws {
        let expected = (0..<100_000).map { UInt64($0) << 32 | 0x8000_0000 }
        let bytes = expected.flatMap { key in (0..<8).reversed().map { UInt8(truncatingIfNeeded: key >> ($0 * 8)) } }
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.compress(fixtures.write("keys.bin", bytes: bytes), with: tool)
            return try TraceReader(path: path, format: .u64be).readAll()
        }
        #expect(keys == expected)
    }

    @Test(arguments: compressors)
    func readAll_malformedLineInCompressedTrace_namesItsLine(tool: String) throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.compress(fixtures.write("keys.trace", "1\n2\nx3\n4\n"), with: tool)
            #expect(
                throws: TraceError.malformedLine(
                    file: path,
                    line: 3,
                    text: "x3",
                    problem: "key is not a decimal number"
                )
            ) {
                try TraceReader(path: path, format: .lirs).readAll()
            }
        }
    }

    @Test(arguments: compressors)
    func readAll_corruptCompressedFile_throwsDecompressorFailed(tool: String) throws {
        try withFixtureDirectory { fixtures in
            let compressed = try fixtures.compress(fixtures.write("keys.trace", "1\n2\n"), with: tool)
            let path = try fixtures.write("corrupt" + compressed.drop { $0 != "." }, "this is not compressed\n")
            let error = try #require(throws: TraceError.self) { try TraceReader(path: path, format: .lirs).readAll() }
            guard case .decompressorFailed(let file, let command, let detail) = error else {
                Issue.record("expected a decompressor failure, got \(error)")
                return
            }
            #expect(file == path)
            #expect(command == "\(tool) -dc")
            #expect(detail.hasPrefix("exit status "))
            #expect(error.description.hasPrefix("\(path): '\(tool) -dc' failed: exit status "))
        }
    }

    @Test func forEachKey_bodyThrowsBeforeTheEnd_stopsTheDecompressor() throws {
        struct Stop: Error {}
        try withFixtureDirectory { fixtures in
            let text = (0..<2_000_000).map(String.init).joined(separator: "\n")
            let path = try fixtures.compress(fixtures.write("long.trace", text), with: "zstd")
            var count = 0
            #expect(throws: Stop.self) {
                try TraceReader(path: path, format: .lirs).forEachKey { _ in
                    count += 1
                    if count == 10 { throw Stop() }
                }
            }
            #expect(count == 10)
        }
    }
}
