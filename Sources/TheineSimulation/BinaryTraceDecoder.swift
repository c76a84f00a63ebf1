/// Decodes a binary trace of big-endian unsigned keys of `Key`'s width, back to back.
struct BinaryTraceDecoder<Key: FixedWidthInteger & UnsignedInteger>: TraceDecoder {
    /// The trace's name in error messages.
    let file: String

    /// The bytes of a key that the previous chunk started, most significant first.
    private var partialKey: UInt64 = 0
    /// How many bytes of `partialKey` have arrived, in `0..<keySize`.
    private var partialByteCount = 0
    /// How many bytes have arrived in all, for the truncation message.
    private var byteCount = 0

    private var keySize: Int { MemoryLayout<Key>.size }

    /// A binary trace has no lines to skip.
    var skippedLineCount: Int { 0 }

    init(file: String) {
        self.file = file
    }

    mutating func decode(_ chunk: UnsafeRawBufferPointer, emit: TraceRequestHandler) throws {
        byteCount += chunk.count
        var offset = 0
        if partialByteCount > 0 {
            offset = accumulate(chunk, from: offset)
            guard partialByteCount == keySize else { return }
            let key = partialKey
            partialKey = 0
            partialByteCount = 0
            try emit(key, 1)
        }
        while offset + keySize <= chunk.count {
            try emit(UInt64(Key(bigEndian: chunk.loadUnaligned(fromByteOffset: offset, as: Key.self))), 1)
            offset += keySize
        }
        _ = accumulate(chunk, from: offset)
    }

    mutating func finish(emit: TraceRequestHandler) throws {
        guard partialByteCount == 0 else {
            throw TraceError.truncated(file: file, byteCount: byteCount, keySize: keySize)
        }
    }

    /// Adds bytes of `chunk` from `offset` on to the partial key until it is complete or the
    /// chunk ends; returns the offset of the first byte not taken.
    private mutating func accumulate(_ chunk: UnsafeRawBufferPointer, from offset: Int) -> Int {
        var offset = offset
        while partialByteCount < keySize, offset < chunk.count {
            partialKey = partialKey << 8 | UInt64(chunk[offset])
            partialByteCount += 1
            offset += 1
        }
        return offset
    }
}
