import ArgumentParser
import Foundation
import Theine
import TheineSimulation

/// `theine-sim`: replays cache traces or synthetic workloads through the eviction policies and
/// prints their hit ratios beside the optimum.
@main
struct TheineSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theine-sim",
        abstract: "Replays cache traces through every policy and prints the hit ratios beside the optimum (OPT).",
        discussion: """
            Each request is a lookup; on a miss the key is inserted. Without --trace, replays the built-in \
            workloads (\(BuiltInWorkload.requestCount) requests each) at \
            \(BuiltInWorkload.defaultSizes.map(String.init).joined(separator: ", ")) entries: \
            \(BuiltInWorkload.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).

            Several --trace options replay one after another as one stream; --format, --key-column, \
            --repeat and --key-offset apply to the --trace before them (--format and --key-column given \
            before the first --trace apply to every trace). Example, corda+loop of ANCHORS.md:
              theine-sim --trace corda.bin.gz --format u64be --trace lirs-loop.trace.gz --repeat 5 \
            --key-offset 2^62 --trace corda.bin.gz --format u64be --sizes 512,1024

            Memory: traces stream through the caches, except when OPT or a percentage size is asked for \
            (both by default), which hold the trace: 8 bytes a request, and while OPT runs 4 more bytes \
            a request plus 1 byte a request for each size.

            TinyLFU hashes keys, and Swift seeds hashing per process: for hit ratios that repeat \
            exactly from run to run, set SWIFT_DETERMINISTIC_HASHING=1.
            """
    )

    @Option(
        help: ArgumentHelp(
            "A trace to replay: a file (.gz, .xz and .zst are decompressed), or - for standard input. Repeatable.",
            valueName: "path"
        )
    )
    var trace: [String] = []

    @Option(
        help: ArgumentHelp(
            "The trace's format; needed for binary traces and standard input, otherwise guessed from the file "
                + "name (.lis arc, .trace lirs, .keys keys, .csv csv)."
        )
    )
    var format: [TraceFormat] = []

    @Option(
        help: ArgumentHelp("The 1-based column of the key in a csv trace (default 1).", valueName: "n"),
        transform: parsePositiveCount
    )
    var keyColumn: [Int] = []

    @Option(
        name: .customLong("repeat"),
        help: ArgumentHelp("Replay the trace this many times in a row.", valueName: "n"),
        transform: parsePositiveCount
    )
    var repeatCount: [Int] = []

    @Option(
        help: ArgumentHelp("Add this to every key of the trace (decimal, or 2^N), wrapping at 2^64.", valueName: "k"),
        transform: parseKeyOffset
    )
    var keyOffset: [UInt64] = []

    @Flag(help: "Skip malformed lines (and report how many) instead of stopping at the first.")
    var skipBad = false

    @Option(help: ArgumentHelp("The name of the traces in the table, CSV and chart (default: from the file names)."))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "A built-in workload to replay instead of a trace, repeatable: "
                + BuiltInWorkload.all.map(\.name).joined(separator: ", ") + " (default: all).",
            valueName: "name"
        )
    )
    var workload: [String] = []

    @Option(
        help: ArgumentHelp(
            "Cache sizes, separated by commas: entries (250) or percentages of the distinct keys (1%) "
                + "(default for traces: 1%,5%,10%,25%).",
            valueName: "n|p%,..."
        ),
        transform: parseSizes
    )
    var sizes: [CacheSize]?

    @Option(
        help: ArgumentHelp(
            "Policies, separated by commas (default: all of "
                + SimulatedPolicy.allPolicies.map(\.name).joined(separator: ", ") + ").",
            valueName: "name,..."
        ),
        transform: parsePolicies
    )
    var policies: [SimulatedPolicy]?

    @Option(help: ArgumentHelp("Also write the results to this CSV file.", valueName: "path"))
    var csv: String?

    @Option(help: ArgumentHelp("Also draw the hit ratios by size as an SVG chart in this file.", valueName: "path"))
    var svg: String?

    @Option(help: "The seed of the policies' random admission decisions and of the built-in workloads.")
    var seed: UInt64 = 42

    func validate() throws {
        if !trace.isEmpty, !workload.isEmpty {
            throw ValidationError("--workload replays a built-in workload: it cannot be combined with --trace")
        }
        if trace.isEmpty, !(format.isEmpty && keyColumn.isEmpty && repeatCount.isEmpty && keyOffset.isEmpty) {
            throw ValidationError(
                "--format, --key-column, --repeat and --key-offset describe a trace: pass them with --trace"
            )
        }
        for name in workload where !BuiltInWorkload.all.contains(where: { $0.name == name }) {
            throw ValidationError(
                "unknown workload '\(name)'; the workloads are "
                    + BuiltInWorkload.all.map(\.name).joined(separator: ", ")
            )
        }
        _ = try traceStream()
    }

    func run() async throws {
        let progress = ProgressLine()
        var reports: [Report] = []
        if trace.isEmpty {
            let chosen =
                workload.isEmpty ? BuiltInWorkload.all : BuiltInWorkload.all.filter { workload.contains($0.name) }
            for workload in chosen {
                let keys = workload.requests(seed)
                let sizes = Self.resolve(sizes ?? BuiltInWorkload.defaultSizes.map { .entries($0) }, for: keys)
                reports.append(report(workload.name, replaying: keys, sizes: sizes, progress: progress))
            }
        } else {
            reports.append(try replayTraces(progress: progress))
        }
        try write(Report.csv(reports), to: csv, what: "CSV file")
        try write(HitRatioChart(reports: reports).svg(), to: svg, what: "SVG chart")
    }

    /// The chosen policies: `--policies`, or every one.
    private var chosenPolicies: [SimulatedPolicy] { policies ?? SimulatedPolicy.allPolicies }

    /// Reads the traces and replays them: streaming through the caches, or held in memory when OPT
    /// or a percentage size needs the whole trace.
    private func replayTraces(progress: ProgressLine) throws -> Report {
        guard let stream = try traceStream() else { preconditionFailure("replayTraces needs --trace") }
        let title = name ?? stream.name
        let sizes = sizes ?? CacheSizes.traceFractions.map { .fraction($0) }
        let summary: TraceReader.Summary
        let report: Report
        progress.begin("reading \(title)")
        if chosenPolicies.contains(where: \.needsWholeTrace) || sizes.contains(where: \.needsDistinctKeyCount) {
            var keys: [UInt64] = []
            summary = try stream.forEachKey(progress: { progress.update(requests: keys.count, fraction: $0) }) {
                keys.append($0)
            }
            report = self.report(title, replaying: keys, sizes: Self.resolve(sizes, for: keys), progress: progress)
        } else {
            let grid = ReplayGrid(
                policies: chosenPolicies,
                capacities: CacheSize.resolve(sizes, distinctKeyCount: 0),
                seed: seed
            )
            var batch: [UInt64] = []
            batch.reserveCapacity(ReplayGrid.batchSize)
            var replayed = 0
            summary = try stream.forEachKey(progress: { progress.update(requests: replayed, fraction: $0) }) { key in
                batch.append(key)
                if batch.count == ReplayGrid.batchSize {
                    grid.replay(batch)
                    replayed += batch.count
                    batch.removeAll(keepingCapacity: true)
                }
            }
            grid.replay(batch)
            progress.clear()
            report = Report(trace: title, results: grid.results)
            print(report.table())
        }
        if summary.skippedLineCount > 0 {
            FileHandle.standardError.write(
                Data("theine-sim: skipped \(summary.skippedLineCount) malformed lines (--skip-bad)\n".utf8)
            )
        }
        return report
    }

    /// `sizes` in entries; percentages of the distinct keys of `keys`, which are counted only for them.
    ///
    /// - Complexity: O(n) expected time and a set of the distinct keys when a size is a percentage.
    private static func resolve(_ sizes: [CacheSize], for keys: [UInt64]) -> [Int] {
        let distinctKeyCount = sizes.contains(where: \.needsDistinctKeyCount) ? Set(keys).count : 0
        return CacheSize.resolve(sizes, distinctKeyCount: distinctKeyCount)
    }

    /// Replays `keys` through each chosen policy at each size, prints the table and returns it.
    private func report(_ name: String, replaying keys: [UInt64], sizes: [Int], progress: ProgressLine) -> Report {
        progress.begin("replaying \(name)")
        let results = replay(keys, policies: chosenPolicies, capacities: sizes, seed: seed) { replayed in
            progress.update(requests: replayed, fraction: Double(replayed) / Double(max(keys.count, 1)))
        }
        progress.clear()
        let report = Report(trace: name, results: results)
        print(report.table())
        return report
    }

    /// The traces of the command line as one stream, each with its own options.
    ///
    /// - Throws: a `ValidationError` when an option is misplaced or a trace's format is unknown.
    private func traceStream() throws -> TraceStream? {
        guard !trace.isEmpty else { return nil }
        let arguments = try TraceArguments(Array(CommandLine.arguments.dropFirst()))
        return TraceStream(
            try trace.indices.map { index in
                let path = trace[index]
                guard
                    let format = try arguments.value(of: .format, forTrace: index, in: format)
                        ?? TraceFormat.guess(fromFileName: path)
                else {
                    throw ValidationError(
                        "cannot tell the format of '\(path)' from its name: pass --format "
                            + TraceFormat.allCases.map(\.rawValue).joined(separator: "|") + " after it"
                    )
                }
                let reader = TraceReader(
                    path: path,
                    format: format,
                    keyColumn: try arguments.value(of: .keyColumn, forTrace: index, in: keyColumn) ?? 1,
                    skipsMalformedLines: skipBad
                )
                return TraceSource(
                    reader: reader,
                    repeatCount: try arguments.value(of: .repeatCount, forTrace: index, in: repeatCount) ?? 1,
                    keyOffset: try arguments.value(of: .keyOffset, forTrace: index, in: keyOffset) ?? 0
                )
            }
        )
    }

    /// Writes `text` to `path`, if a path is given.
    private func write(_ text: @autoclosure () -> String, to path: String?, what: String) throws {
        guard let path else { return }
        do {
            try text().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw OutputWriteError(path: path, what: what, reason: error.localizedDescription)
        }
    }

    /// An output file could not be written.
    struct OutputWriteError: Error, CustomStringConvertible {
        let path: String
        let what: String
        let reason: String

        var description: String { "cannot write the \(what) \(path): \(reason)" }
    }
}
