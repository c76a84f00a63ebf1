/// Turns a trace's bytes, delivered in chunks of any size, into keys.
///
/// A decoder keeps whatever a chunk leaves incomplete (part of a line, part of a key) and
/// finishes it with the next chunk, so chunk boundaries never change the keys.
protocol TraceDecoder {
    /// The number of malformed lines skipped so far (always 0 for a format without lines).
    var skippedLineCount: Int { get }

    /// Decodes every key that `chunk` completes, in order, passing each to `emit`.
    ///
    /// - Throws: ``TraceError/malformedLine(file:line:text:problem:)``, or what `emit` throws.
    mutating func decode(_ chunk: UnsafeRawBufferPointer, emit: (UInt64) throws -> Void) throws

    /// Decodes what the last chunk left incomplete, once the input has ended.
    ///
    /// - Throws: a ``TraceError`` when the input ends in the middle of a key, or what `emit` throws.
    mutating func finish(emit: (UInt64) throws -> Void) throws
}
