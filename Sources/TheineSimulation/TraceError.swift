/// A trace that cannot be read: a malformed line, a truncated binary file, a missing file, a
/// failing decompressor, or a trace without requests.
///
/// Its ``description`` is the message for the user, starting with the file (and for a malformed
/// line, the line number: `trace.lis:12: count must be at least 1: '5 0 0 1'`).
public enum TraceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A line of a text trace that does not follow the format.
    ///
    /// - Parameters:
    ///   - file: the trace's path (`<stdin>` for standard input).
    ///   - line: the 1-based line number.
    ///   - text: the line, cut to a readable length.
    ///   - problem: what is wrong with it.
    case malformedLine(file: String, line: Int, text: String, problem: String)
    /// A binary trace whose length is not a multiple of its key size.
    case truncated(file: String, byteCount: Int, keySize: Int)
    /// A file that cannot be opened or read; `reason` is the system's explanation.
    case unreadable(file: String, reason: String)
    /// A decompressor that could not be started or did not exit successfully.
    ///
    /// - Parameters:
    ///   - command: the command line, such as `zstd -dc`.
    ///   - detail: how it failed (exit status or signal) and what it wrote to standard error.
    case decompressorFailed(file: String, command: String, detail: String)
    /// A trace that holds no request.
    case empty(file: String)
    /// A trace that would have to be read twice but can be read only once (standard input).
    case unrepeatable(file: String)

    public var description: String {
        switch self {
        case .malformedLine(let file, let line, let text, let problem):
            "\(file):\(line): \(problem): '\(text)'"
        case .truncated(let file, let byteCount, let keySize):
            "\(file): truncated: \(byteCount) bytes is not a whole number of \(keySize)-byte keys"
        case .unreadable(let file, let reason):
            "\(file): cannot read the trace: \(reason)"
        case .decompressorFailed(let file, let command, let detail):
            "\(file): '\(command)' failed: \(detail)"
        case .empty(let file):
            "\(file): the trace has no requests"
        case .unrepeatable(let file):
            "\(file): standard input can be read only once: give a file to --repeat, or read it once"
        }
    }
}
