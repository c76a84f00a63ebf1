/// Turns a trace's bytes, delivered in chunks of any size, into requests: a key and its weight.
///
/// A decoder keeps whatever a chunk leaves incomplete (part of a line, part of a key) and
/// finishes it with the next chunk, so chunk boundaries never change the keys.
protocol TraceDecoder {
    /// The number of malformed lines skipped so far (always 0 for a format without lines).
    var skippedLineCount: Int { get }

    /// Decodes every request that `chunk` completes, in order, passing each key and weight to
    /// `emit`. A trace without weights gives every request weight 1.
    ///
    /// - Throws: ``TraceError/malformedLine(file:line:text:problem:)``, or what `emit` throws.
    mutating func decode(_ chunk: UnsafeRawBufferPointer, emit: TraceRequestHandler) throws

    /// Decodes what the last chunk left incomplete, once the input has ended.
    ///
    /// - Throws: a ``TraceError`` when the input ends in the middle of a key, or what `emit` throws.
    mutating func finish(emit: TraceRequestHandler) throws
}

/// Receives each request a ``TraceDecoder`` decodes: its key and its weight.
typealias TraceRequestHandler = (_ key: UInt64, _ weight: UInt32) throws -> Void
