/// A compression format that ``TraceReader`` undoes by piping the file through the system's
/// decompressor.
enum TraceCompression: CaseIterable, Sendable {
    case gzip
    case xz
    case zstd

    /// The file name extension, without its dot.
    var fileExtension: String {
        switch self {
        case .gzip: "gz"
        case .xz: "xz"
        case .zstd: "zst"
        }
    }

    /// The decompressing command (found in `PATH`) and its arguments; it reads standard input and
    /// writes standard output.
    var command: [String] {
        switch self {
        case .gzip: ["gzip", "-dc"]
        case .xz: ["xz", "-dc"]
        case .zstd: ["zstd", "-dc"]
        }
    }

    /// The compression a file name's last extension names, or `nil` for an uncompressed file.
    ///
    /// The name is compared by Unicode scalars, as the file system sees it (a character-wise
    /// `hasSuffix` misses `.gz` after a scalar that joins the following character).
    init?(fileName: some StringProtocol) {
        let reversedName = fileName.unicodeScalars.reversed()
        guard
            let compression = Self.allCases.first(where: {
                reversedName.starts(with: ("." + $0.fileExtension).unicodeScalars.reversed())
            })
        else {
            return nil
        }
        self = compression
    }
}
