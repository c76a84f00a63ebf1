import Foundation
import Synchronization
import Testing
import TheineSimulation

/// The shared real traces (`../shared/traces` beside the package) and their reference hit ratios
/// from `anchors.csv`, for tests that replay them.
///
/// Environment:
/// - `THEINE_REQUIRE_TRACES=1`: a missing folder fails the tests instead of skipping them (CI).
/// - `THEINE_LONG_TESTS=1`: include the traces of over a million requests (``longTraceNames``).
///
/// ```swift
/// @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason), arguments: try TraceCatalog.traces())
/// func replay_matchesAnchors(trace: TraceCatalog.Trace) throws {
///     let keys = try TraceCatalog.keys(of: trace)                      // decoded once per process
///     for anchor in try TraceCatalog.anchors(trace: trace.name, tool: "lcs-lru") { … }
/// }
/// ```
enum TraceCatalog {
    /// A trace file of the shared folder.
    struct Trace: Sendable, Hashable, CustomTestStringConvertible {
        /// The trace's name in `anchors.csv`, such as `arc-OLTP`.
        let name: String
        /// The file's path.
        let path: String
        let format: TraceFormat

        var testDescription: String { name }
    }

    /// A reference hit ratio: what a tool measured at one cache size.
    struct Anchor: Sendable, Hashable {
        /// The cache size in entries.
        let size: Int
        /// The hit ratio in percent, to 2 decimals.
        let hitRatio: Double
    }

    /// The shared traces folder: `../shared/traces` relative to the package root.
    static let directory: String = {
        // This file is <package root>/Tests/TheineSimulationTests/TraceCatalog.swift.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent("../shared/traces").standardizedFileURL.path
    }()

    /// Whether the shared traces folder is there.
    static let isAvailable = FileManager.default.fileExists(atPath: directory)

    /// Whether `THEINE_REQUIRE_TRACES=1`: a missing folder is then a failure.
    static let isRequired = ProcessInfo.processInfo.environment["THEINE_REQUIRE_TRACES"] == "1"

    /// Whether `THEINE_LONG_TESTS=1`: the long traces are then included.
    static let includesLongTraces = ProcessInfo.processInfo.environment["THEINE_LONG_TESTS"] == "1"

    /// The tools of `anchors.csv` other than `opt`: every figure that OPT must bound.
    static let referenceTools = [
        "caffeine-2.6.2", "theine-py-2.0.0-wtinylfu", "theine-py-0.4.4-lru", "theine-py-0.4.4-tlfu",
        "theine-py-0.4.4-clockpro", "lcs-lru", "lcs-arc", "lcs-lirs", "lcs-clockpro", "lcs-s3fifo", "lcs-sieve",
        "lcs-wtinylfu", "lcs-belady",
    ]

    /// The traces of over a million requests, replayed only with `THEINE_LONG_TESTS=1`.
    static let longTraceNames: Set<String> = ["arc-P2", "arc-P3", "arc-P6", "cache2k-orm-busy"]

    /// Whether trace tests run: when the folder is there, or when it is required (and its absence
    /// fails them).
    static var isEnabled: Bool { isAvailable || isRequired }

    /// Why trace tests are skipped when they are.
    static var skipReason: Comment {
        "the shared traces folder \(directory) is missing; set THEINE_REQUIRE_TRACES=1 to make that a failure"
    }

    /// The format of a file of the shared folder, by its name; `nil` for files that are not traces.
    static func format(ofFileName fileName: String) -> TraceFormat? {
        if fileName.hasPrefix("arc-"), fileName.hasSuffix(".lis.zst") { return .arc }
        if fileName.hasPrefix("lirs-"), fileName.hasSuffix(".trace.gz") { return .lirs }
        if fileName == "corda-vaultservice.bin.gz" { return .u64be }
        if fileName.hasPrefix("cache2k-"), fileName.hasSuffix(".bin.xz") { return .u32be }
        return nil
    }

    /// The traces in the folder, sorted by name; the long ones only with `THEINE_LONG_TESTS=1`.
    ///
    /// - Returns: no trace when the folder is missing and not required.
    /// - Throws: when the folder is missing and required, or cannot be listed.
    static func traces() throws -> [Trace] {
        guard isAvailable else {
            if isRequired { throw TestSetupError("THEINE_REQUIRE_TRACES=1, but \(directory) is missing") }
            return []
        }
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().compactMap { fileName in
            guard let format = format(ofFileName: fileName) else { return nil }
            let trace = Trace(
                name: TraceFormat.traceName(ofPath: fileName),
                path: directory + "/" + fileName,
                format: format
            )
            return includesLongTraces || !longTraceNames.contains(trace.name) ? trace : nil
        }
    }

    /// The keys of `trace`, decoded the first time any test asks for them and kept for the rest
    /// of the process. Safe to call from tests running in parallel: concurrent callers for one
    /// trace wait for a single decode.
    static func keys(of trace: Trace) throws -> [UInt64] {
        let cell = decodedTraces.withLock { cells in
            if let cell = cells[trace.name] { return cell }
            let cell = DecodedTrace()
            cells[trace.name] = cell
            return cell
        }
        return try cell.keys(decoding: trace).get()
    }

    /// The `corda+loop` composite of ANCHORS.md: corda-vaultservice, lirs-loop five times with its
    /// keys moved by 2^62, corda-vaultservice again.
    static func cordaPlusLoop() throws -> TraceStream {
        guard isAvailable else { throw TestSetupError("\(directory) is missing") }
        let corda = TraceReader(path: directory + "/corda-vaultservice.bin.gz", format: .u64be)
        let loop = TraceReader(path: directory + "/lirs-loop.trace.gz", format: .lirs)
        return TraceStream([
            TraceSource(reader: corda),
            TraceSource(reader: loop, repeatCount: 5, keyOffset: 1 << 62),
            TraceSource(reader: corda),
        ])
    }

    /// The hit ratios `tool` (an `anchors.csv` tool, such as `lcs-lru`) has for `trace`, by
    /// ascending size; empty when it has none.
    ///
    /// - Throws: when `anchors.csv` is missing or malformed.
    static func anchors(trace: String, tool: String) throws -> [Anchor] {
        try anchorTable.get()[AnchorKey(trace: trace, tool: tool)] ?? []
    }

    /// Caffeine 2.6.2's largest spread between repeated runs on `trace`, in points, as `ANCHORS.md`
    /// gives it under the trace's heading ("Largest spread between repeated runs (max − min,
    /// points): Caffeine 0.11, …"); `nil` if it gives none.
    static func caffeineSpread(trace: String) throws -> Double? {
        let text = try String(contentsOfFile: directory + "/ANCHORS.md", encoding: .utf8)
        guard let heading = text.range(of: "\n## \(trace)\n") else { return nil }
        let section = text[heading.upperBound...].prefix { $0 != "#" }
        guard let line = section.split(separator: "\n").first(where: { $0.hasPrefix("Largest spread") }),
            let label = line.range(of: "Caffeine ")
        else { return nil }
        let number = line[label.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(number.hasSuffix(".") ? number.dropLast() : number)  // "Caffeine 0.26." ends a sentence
    }

    /// The traces that `tool` has hit ratios for in `anchors.csv`.
    ///
    /// - Throws: when `anchors.csv` is missing or malformed.
    static func anchoredTraceNames(tool: String) throws -> Set<String> {
        Set(try anchorTable.get().keys.filter { $0.tool == tool }.map(\.trace))
    }

    /// A trace's keys, or why they could not be read, once decoded.
    private final class DecodedTrace: Sendable {
        private let result = Mutex<Result<[UInt64], any Error>?>(nil)

        /// The decoded keys, decoding `trace` if no caller has yet (holding this trace's lock).
        func keys(decoding trace: Trace) -> Result<[UInt64], any Error> {
            result.withLock { result in
                if let result { return result }
                let decoded = Result { try TraceReader(path: trace.path, format: trace.format).readAll() }
                result = decoded
                return decoded
            }
        }
    }

    /// Each trace's ``DecodedTrace``, by name.
    private static let decodedTraces = Mutex<[String: DecodedTrace]>([:])

    /// The key of ``anchorTable``.
    private struct AnchorKey: Hashable {
        let trace: String
        let tool: String
    }

    /// `anchors.csv`, loaded once.
    private static let anchorTable = Result { try loadAnchors() }

    /// Reads `anchors.csv`: a header `trace,tool,size,hit_ratio,runs`, then one line per figure.
    private static func loadAnchors() throws -> [AnchorKey: [Anchor]] {
        let path = directory + "/anchors.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
        guard lines.first == "trace,tool,size,hit_ratio,runs" else {
            throw TestSetupError("\(path): unexpected header '\(lines.first ?? "")'")
        }
        var table: [AnchorKey: [Anchor]] = [:]
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 5, let size = Int(fields[2]), let hitRatio = Double(fields[3]) else {
                throw TestSetupError("\(path):\(index + 1): malformed line '\(line)'")
            }
            table[AnchorKey(trace: String(fields[0]), tool: String(fields[1])), default: []]
                .append(Anchor(size: size, hitRatio: hitRatio))
        }
        return table.mapValues { $0.sorted { $0.size < $1.size } }
    }
}
