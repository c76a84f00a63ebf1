/// Reads a cache trace as a stream of `UInt64` keys, one for each request.
///
/// ```swift
/// let reader = TraceReader(path: "traces/arc-OLTP.lis.zst", format: .arc)
/// var requests = 0
/// try reader.forEachKey { _ in requests += 1 }       // streaming
/// let keys = try reader.readAll()                    // or all at once
/// ```
///
/// The path may be `-` for standard input. A file ending in `.gz`, `.xz` or `.zst` is
/// decompressed on the fly by the system's `gzip`, `xz` or `zstd`, which must be in `PATH`.
/// Input is read in chunks of 1 MiB, so a trace of any length streams in constant memory.
///
/// Bad input never traps: it throws a ``TraceError`` that names the file and, for text traces,
/// the line.
public struct TraceReader: Sendable {
    /// The path the trace is read from, or `-` for standard input.
    public let path: String
    /// The layout of the (decompressed) trace.
    public let format: TraceFormat

    /// Creates a reader for the trace at `path`, laid out as `format`.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input. Nothing is opened until a read.
    ///   - format: the trace's layout; ``TraceFormat/guess(fromFileName:)`` tells it for text
    ///     traces.
    public init(path: String, format: TraceFormat) {
        self.path = path
        self.format = format
    }

    /// The trace's name in error messages: the path, or `<stdin>`.
    var file: String { path == "-" ? "<stdin>" : path }

    /// Reads the trace from the start and calls `body` with each request's key, in order.
    ///
    /// - Parameter body: called once per request; whatever it throws stops the read and is
    ///   rethrown.
    /// - Throws: a ``TraceError`` when the trace is missing, unreadable, malformed, truncated or
    ///   empty, or its decompressor fails; otherwise what `body` throws.
    /// - Complexity: O(n) in the trace's size; memory is constant.
    public func forEachKey(_ body: (UInt64) throws -> Void) throws {
        var decoder = makeDecoder()
        var requestCount = 0
        func emit(_ key: UInt64) throws {
            requestCount += 1
            try body(key)
        }
        try TraceInput(path: path, file: file).forEachChunk { chunk in
            try decoder.decode(chunk, emit: emit)
        }
        try decoder.finish(emit: emit)
        guard requestCount > 0 else { throw TraceError.empty(file: file) }
    }

    /// Reads the whole trace into an array of keys, one for each request.
    ///
    /// - Throws: a ``TraceError``, as ``forEachKey(_:)`` does.
    /// - Complexity: O(n) in the trace's size; the array takes 8 bytes a request.
    public func readAll() throws -> [UInt64] {
        var keys: [UInt64] = []
        try forEachKey { keys.append($0) }
        return keys
    }

    /// The decoder for ``format``.
    private func makeDecoder() -> any TraceDecoder {
        switch format {
        case .lirs: TextTraceDecoder(file: file, layout: .lirs)
        case .arc: TextTraceDecoder(file: file, layout: .arc)
        case .u32be: BinaryTraceDecoder<UInt32>(file: file)
        case .u64be: BinaryTraceDecoder<UInt64>(file: file)
        }
    }
}
