/// One trace of a ``TraceStream``: a reader, how many times its requests are replayed, and the
/// offset added to its keys.
public struct TraceSource: Sendable {
    /// The trace.
    public var reader: TraceReader
    /// How many times the trace is read, one pass after another; at least 1.
    public var repeatCount: Int
    /// Added (wrapping around 2^64) to every key, so that traces can be kept from sharing keys.
    public var keyOffset: UInt64

    /// Creates a source that reads `reader` `repeatCount` times, adding `keyOffset` to each key.
    public init(reader: TraceReader, repeatCount: Int = 1, keyOffset: UInt64 = 0) {
        precondition(repeatCount >= 1, "a trace is read at least once, got \(repeatCount)")
        self.reader = reader
        self.repeatCount = repeatCount
        self.keyOffset = keyOffset
    }
}

/// Several traces replayed in order as one stream of requests.
///
/// ```swift
/// // corda+loop of ANCHORS.md: corda, the loop five times with its keys moved by 2^62, corda again.
/// let corda = TraceReader(path: "corda-vaultservice.bin.gz", format: .u64be)
/// let loop = TraceReader(path: "lirs-loop.trace.gz", format: .lirs)
/// let stream = TraceStream([
///     TraceSource(reader: corda),
///     TraceSource(reader: loop, repeatCount: 5, keyOffset: 1 << 62),
///     TraceSource(reader: corda),
/// ])
/// let keys = try stream.readAll()   // 2,798,904 requests
/// ```
///
/// Each pass re-reads its file, so the stream takes constant memory; standard input can be read
/// only once.
public struct TraceStream: Sendable {
    /// The traces, in the order they are replayed.
    public var sources: [TraceSource]

    /// Creates a stream of `sources`, replayed in order.
    public init(_ sources: [TraceSource]) {
        precondition(!sources.isEmpty, "a stream needs at least one trace")
        self.sources = sources
    }

    /// The stream's name for tables and reports: each trace's name (``TraceFormat/traceName(ofPath:)``),
    /// followed by `*N` when it is read N times, joined by `+`.
    public var name: String {
        sources.map { source in
            TraceFormat.traceName(ofPath: source.reader.path) + (source.repeatCount > 1 ? "*\(source.repeatCount)" : "")
        }.joined(separator: "+")
    }

    /// Whether any trace gives its requests weights (a CSV ``TraceReader/weightColumn``); the
    /// requests of the other traces then weigh 1 each.
    public var isWeighted: Bool { sources.contains { $0.reader.isWeighted } }

    /// Reads every pass of every trace, in order, calling `body` with each request's key (its
    /// offset added).
    ///
    /// - Parameters:
    ///   - progress: called now and then with the fraction of the passes read, in `0...1`; each pass
    ///     counts for an equal share.
    ///   - body: called once per request.
    /// - Returns: the requests read and lines skipped over all passes.
    /// - Throws: ``TraceError/unrepeatable(file:)`` when standard input would be read twice,
    ///   before reading anything; otherwise what ``TraceReader/forEachKey(progress:_:)`` throws.
    /// - Complexity: O(n); memory is constant.
    @discardableResult
    public func forEachKey(
        progress: (_ fractionRead: Double) -> Void = { _ in },
        _ body: (UInt64) throws -> Void
    ) throws -> TraceReader.Summary {
        try forEachRequest(progress: progress) { key, _ in try body(key) }
    }

    /// Reads every pass of every trace, in order, calling `body` with each request's key (its
    /// offset added) and weight (1 for a trace without weights).
    ///
    /// - Parameters:
    ///   - progress: called now and then with the fraction of the passes read, in `0...1`.
    ///   - body: called once per request.
    /// - Returns: the requests read and lines skipped over all passes.
    /// - Throws: what ``forEachKey(progress:_:)`` throws.
    /// - Complexity: O(n); memory is constant.
    @discardableResult
    public func forEachRequest(
        progress: (_ fractionRead: Double) -> Void = { _ in },
        _ body: (_ key: UInt64, _ weight: UInt32) throws -> Void
    ) throws -> TraceReader.Summary {
        let standardInputReads = sources.filter { $0.reader.path == "-" }.map(\.repeatCount).reduce(0, +)
        if standardInputReads > 1 { throw TraceError.unrepeatable(file: "<stdin>") }
        let passCount = Double(sources.map(\.repeatCount).reduce(0, +))
        var passesDone = 0.0
        var total = TraceReader.Summary(requestCount: 0, skippedLineCount: 0)
        for source in sources {
            for _ in 0..<source.repeatCount {
                let offset = source.keyOffset
                let summary = try source.reader.forEachRequest(
                    progress: { progress((passesDone + $0) / passCount) },
                    { key, weight in try body(key &+ offset, weight) }
                )
                total.requestCount += summary.requestCount
                total.skippedLineCount += summary.skippedLineCount
                passesDone += 1
            }
        }
        return total
    }

    /// Reads the whole stream into an array of keys, one for each request.
    ///
    /// - Complexity: O(n); the array takes 8 bytes a request.
    public func readAll() throws -> [UInt64] {
        var keys: [UInt64] = []
        try forEachKey { keys.append($0) }
        return keys
    }

    /// Reads the whole stream into memory, with each request's weight when ``isWeighted``.
    ///
    /// - Complexity: O(n); 8 bytes a request, 12 when weighted.
    public func readAllRequests() throws -> Requests {
        guard isWeighted else { return Requests(keys: try readAll()) }
        var keys: [UInt64] = []
        var weights: [UInt32] = []
        try forEachRequest { key, weight in
            keys.append(key)
            weights.append(weight)
        }
        return Requests(keys: keys, weights: weights)
    }
}
