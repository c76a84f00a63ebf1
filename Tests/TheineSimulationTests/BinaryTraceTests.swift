import Testing

@testable import TheineSimulation

struct BinaryTraceTests {
    @Test func readAll_u32be_readsUnsignedBigEndianKeys() throws {
        let keys = try withFixtureDirectory { fixtures in
            let path = try fixtures.write(
                "keys.bin",
                bytes: [0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78, 0xFF, 0xFF, 0xFF, 0xFF]
            )
            return try TraceReader(path: path, format: .u32be).readAll()
        }
        #expect(keys == [1, 0x1234_5678, 0xFFFF_FFFF])
    }

    @Test func readAll_u64be_readsKeysAtAndAbove2To63AsUnsigned() throws {
        let bytes: [UInt8] = [
            0, 0, 0, 0, 0, 0, 0, 42,
            0x80, 0, 0, 0, 0, 0, 0, 0,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
            0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
        ]
        let keys = try withFixtureDirectory { fixtures in
            try TraceReader(path: fixtures.write("keys.bin", bytes: bytes), format: .u64be).readAll()
        }
        #expect(keys == [42, 1 << 63, UInt64.max - 1, 0x0123_4567_89AB_CDEF])
    }

    @Test(arguments: [1, 3, 5, 8, 13])
    func decode_keysSplitAcrossChunks_givesTheSameKeys(chunkSize: Int) throws {
        let expected: [UInt64] = [1 << 63 | 7, 0, 0xDEAD_BEEF_0000_0001, 1 << 40]
        let bytes = expected.flatMap { key in (0..<8).reversed().map { UInt8(truncatingIfNeeded: key >> ($0 * 8)) } }
        var decoder = BinaryTraceDecoder<UInt64>(file: "t")
        var keys: [UInt64] = []
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            try bytes[start..<min(start + chunkSize, bytes.count)].withUnsafeBytes { chunk in
                try decoder.decode(chunk) { key, _ in keys.append(key) }
            }
        }
        try decoder.finish { key, _ in keys.append(key) }
        #expect(keys == expected)
    }

    @Test(arguments: [(TraceFormat.u32be, 6, 4), (.u64be, 12, 8), (.u64be, 3, 8)])
    func readAll_lengthNotAMultipleOfKeySize_throwsTruncated(format: TraceFormat, byteCount: Int, keySize: Int) throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("keys.bin", bytes: [UInt8](repeating: 1, count: byteCount))
            #expect(throws: TraceError.truncated(file: path, byteCount: byteCount, keySize: keySize)) {
                try TraceReader(path: path, format: format).readAll()
            }
            let message = "\(path): truncated: \(byteCount) bytes is not a whole number of \(keySize)-byte keys"
            #expect(TraceError.truncated(file: path, byteCount: byteCount, keySize: keySize).description == message)
        }
    }
}
