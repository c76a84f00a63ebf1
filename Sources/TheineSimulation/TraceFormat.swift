/// The layout of a cache trace: how its bytes, once decompressed, become a sequence of keys.
///
/// ```swift
/// let format = TraceFormat.guess(fromFileName: "arc-OLTP.lis.zst")       // .arc
/// let name = TraceFormat.traceName(ofPath: "traces/arc-OLTP.lis.zst")    // "arc-OLTP"
/// let keys = try TraceReader(path: "traces/arc-OLTP.lis.zst", format: .arc).readAll()
/// ```
///
/// Text formats are recognized by their file name; binary formats all end in `.bin` and must be
/// named explicitly, as must any format read from standard input.
public enum TraceFormat: String, CaseIterable, Sendable {
    /// LIRS text: one decimal key a line. A line `*` is a marker, not a request; blank lines are
    /// skipped.
    case lirs
    /// ARC text: lines `start count ignore seq`, each standing for `count` requests for the keys
    /// `start`, `start + 1`, … `start + count - 1`.
    case arc
    /// Text: one key a line, any text (surrounding whitespace removed, blank lines skipped), hashed
    /// to 64 bits by ``TextKeyHash``.
    case keys
    /// CSV: a header line, then records whose key is in the column that ``TraceReader/keyColumn``
    /// names; the field's text is hashed by ``TextKeyHash``. Quoted fields (`"a,b"`, `""` for a quote)
    /// are understood; a record spans one line.
    case csv
    /// Binary: big-endian unsigned 32-bit keys, back to back.
    case u32be
    /// Binary: big-endian 64-bit keys, back to back, each taken as the unsigned value of its bits.
    case u64be

    /// The number of bytes a key takes in a binary format; `nil` for a text format.
    var keySize: Int? {
        switch self {
        case .lirs, .arc, .keys, .csv: nil
        case .u32be: 4
        case .u64be: 8
        }
    }

    /// The extensions that name a trace's format, removed by ``traceName(ofPath:)``.
    static let formatExtensions: Set<Substring> = ["lis", "trace", "bin", "txt", "keys", "csv"]

    /// The format a file name implies: `.lis` is ARC, `.trace` is LIRS, `.keys` is one key a line,
    /// `.csv` is CSV, each possibly followed by a compression extension (`.gz`, `.xz`, `.zst`).
    ///
    /// - Parameter fileName: a file name or path.
    /// - Returns: the format, or `nil` when the name does not tell (binary traces, standard input).
    public static func guess(fromFileName fileName: String) -> TraceFormat? {
        switch splitFileName(fileName).formatExtension {
        case "lis": .arc
        case "trace": .lirs
        case "keys": .keys
        case "csv": .csv
        default: nil
        }
    }

    /// A trace's name for tables and reports: the file name without its directory, compression
    /// extension and format extension.
    ///
    /// `arc-OLTP.lis.zst` becomes `arc-OLTP`, `cache2k-web07.bin.xz` becomes `cache2k-web07`, and
    /// standard input (`-`) is called `stdin`.
    ///
    /// - Parameter path: the path the trace is read from, or `-`.
    public static func traceName(ofPath path: String) -> String {
        if path == "-" { return "stdin" }
        let parts = splitFileName(path)
        return parts.stem.isEmpty ? String(parts.fileName) : String(parts.stem)
    }

    /// Splits the last component of `path` into its stem and the format extension that follows
    /// it, once any compression extension is removed.
    ///
    /// The separators are found among Unicode scalars, as the file system sees them, not among
    /// characters: a combining mark after a `/` or a `.` joins it into one character, which would
    /// hide the separator.
    private static func splitFileName(
        _ path: String
    ) -> (fileName: Substring, stem: Substring, formatExtension: Substring?) {
        let scalars = path.unicodeScalars
        let fileName = path[(scalars.lastIndex(of: "/").map(scalars.index(after:)) ?? path.startIndex)...]
        var stem = fileName
        if let compression = TraceCompression(fileName: stem) {
            stem = stem[..<stem.unicodeScalars.index(stem.endIndex, offsetBy: -(compression.fileExtension.count + 1))]
        }
        guard let dot = stem.unicodeScalars.lastIndex(of: "."),
            case let formatExtension = stem[stem.unicodeScalars.index(after: dot)...],
            formatExtensions.contains(formatExtension)
        else {
            return (fileName, stem, nil)
        }
        return (fileName, stem[..<dot], formatExtension)
    }
}
