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
/// the line; with `skipsMalformedLines`, malformed lines are counted and skipped instead.
public struct TraceReader: Sendable {
    /// The path the trace is read from, or `-` for standard input.
    public let path: String
    /// The layout of the (decompressed) trace.
    public let format: TraceFormat
    /// The 1-based column that holds the key in a ``TraceFormat/csv`` trace.
    public let keyColumn: Int
    /// The 1-based column that holds each request's weight in a ``TraceFormat/csv`` trace, or
    /// `nil` when the trace is not weighted (every request then weighs 1).
    public let weightColumn: Int?
    /// Whether malformed lines of a text trace are skipped (and counted) instead of thrown.
    public let skipsMalformedLines: Bool

    /// Creates a reader for the trace at `path`, laid out as `format`.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input. Nothing is opened until a read.
    ///   - format: the trace's layout; ``TraceFormat/guess(fromFileName:)`` tells it for text
    ///     traces.
    ///   - keyColumn: the 1-based column of the key in a CSV trace; at least 1. 1 by default.
    ///   - weightColumn: the 1-based column of the weight in a CSV trace, an unsigned decimal
    ///     below 2^32 (bytes, say), or `nil` (the default) for a trace without weights.
    ///   - skipsMalformedLines: whether a malformed line is skipped and counted instead of thrown.
    public init(
        path: String,
        format: TraceFormat,
        keyColumn: Int = 1,
        weightColumn: Int? = nil,
        skipsMalformedLines: Bool = false
    ) {
        precondition(keyColumn >= 1, "CSV columns are numbered from 1, got keyColumn \(keyColumn)")
        if let weightColumn {
            precondition(weightColumn >= 1, "CSV columns are numbered from 1, got weightColumn \(weightColumn)")
            precondition(format == .csv, "only csv traces have a weight column, got format \(format)")
        }
        self.path = path
        self.format = format
        self.keyColumn = keyColumn
        self.weightColumn = weightColumn
        self.skipsMalformedLines = skipsMalformedLines
    }

    /// Whether the trace gives each request a weight (a ``weightColumn``).
    public var isWeighted: Bool { weightColumn != nil }

    /// The trace's name in error messages: the path, or `<stdin>`.
    public var file: String { path == "-" ? "<stdin>" : path }

    /// What a complete read of a trace found.
    public struct Summary: Sendable, Equatable {
        /// The number of requests (keys) read.
        public var requestCount: Int
        /// The number of malformed lines skipped (only with `skipsMalformedLines`).
        public var skippedLineCount: Int
    }

    /// Reads the trace from the start and calls `body` with each request's key, in order.
    ///
    /// - Parameters:
    ///   - progress: called now and then with the fraction of the file read, in `0...1`, when the
    ///     file's size is known.
    ///   - body: called once per request; whatever it throws stops the read and is rethrown.
    /// - Returns: how many requests were read and lines skipped.
    /// - Throws: a ``TraceError`` when the trace is missing, unreadable, malformed, truncated or
    ///   empty, or its decompressor fails; otherwise what `body` throws.
    /// - Complexity: O(n) in the trace's size; memory is constant.
    @discardableResult
    public func forEachKey(
        progress: (_ fractionRead: Double) -> Void = { _ in },
        _ body: (UInt64) throws -> Void
    ) throws -> Summary {
        try forEachRequest(progress: progress) { key, _ in try body(key) }
    }

    /// Reads the trace from the start and calls `body` with each request's key and weight, in
    /// order; a trace without a ``weightColumn`` gives every request weight 1.
    ///
    /// - Parameters:
    ///   - progress: called now and then with the fraction of the file read, in `0...1`, when the
    ///     file's size is known.
    ///   - body: called once per request; whatever it throws stops the read and is rethrown.
    /// - Returns: how many requests were read and lines skipped.
    /// - Throws: what ``forEachKey(progress:_:)`` throws, and a
    ///   ``TraceError/malformedLine(file:line:text:problem:)`` for a weight that is not an unsigned
    ///   decimal below 2^32.
    /// - Complexity: O(n) in the trace's size; memory is constant.
    @discardableResult
    public func forEachRequest(
        progress: (_ fractionRead: Double) -> Void = { _ in },
        _ body: (_ key: UInt64, _ weight: UInt32) throws -> Void
    ) throws -> Summary {
        var decoder = makeDecoder()
        var requestCount = 0
        func emit(_ key: UInt64, _ weight: UInt32) throws {
            requestCount += 1
            try body(key, weight)
        }
        try TraceInput(path: path, file: file).forEachChunk(progress: progress) { chunk in
            try decoder.decode(chunk, emit: emit)
        }
        try decoder.finish(emit: emit)
        guard requestCount > 0 else { throw TraceError.empty(file: file) }
        return Summary(requestCount: requestCount, skippedLineCount: decoder.skippedLineCount)
    }

    /// Reads the whole trace into an array of keys, one for each request.
    ///
    /// - Throws: a ``TraceError``, as ``forEachKey(progress:_:)`` does.
    /// - Complexity: O(n) in the trace's size; the array takes 8 bytes a request.
    public func readAll() throws -> [UInt64] {
        var keys: [UInt64] = []
        try forEachKey { keys.append($0) }
        return keys
    }

    /// The decoder for ``format``.
    private func makeDecoder() -> any TraceDecoder {
        switch format {
        case .lirs: TextTraceDecoder(file: file, layout: .lirs, skipsMalformedLines: skipsMalformedLines)
        case .arc: TextTraceDecoder(file: file, layout: .arc, skipsMalformedLines: skipsMalformedLines)
        case .keys: TextTraceDecoder(file: file, layout: .keys, skipsMalformedLines: skipsMalformedLines)
        case .csv:
            TextTraceDecoder(
                file: file,
                layout: .csv(keyColumn: keyColumn, weightColumn: weightColumn),
                skipsMalformedLines: skipsMalformedLines
            )
        case .u32be: BinaryTraceDecoder<UInt32>(file: file)
        case .u64be: BinaryTraceDecoder<UInt64>(file: file)
        }
    }
}
