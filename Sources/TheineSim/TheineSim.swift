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
            \(BuiltInWorkload.defaultEntryCounts.map(String.init).joined(separator: ", ")) entries (the weighted \
            one at \(BuiltInWorkload.defaultWeightFractions.map { "\($0 * 100)%" }.joined(separator: ", ")) of its \
            items' weight): \
            \(BuiltInWorkload.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).

            Several --trace options replay one after another as one stream; --format, --key-column, \
            --weight-column, --repeat and --key-offset apply to the --trace before them (--format, \
            --key-column and --weight-column given before the first --trace apply to every trace). \
            Example, corda+loop of ANCHORS.md:
              theine-sim --trace corda.bin.gz --format u64be --trace lirs-loop.trace.gz --repeat 5 \
            --key-offset 2^62 --trace corda.bin.gz --format u64be --sizes 512,1024

            Memory: traces stream through the caches, except when OPT or a percentage size is asked for \
            (both by default), which hold the trace: 8 bytes a request, and while OPT runs 4 more bytes \
            a request plus 1 byte a request for each size.

            Weighted replays (a csv trace's --weight-column, the zipf-sized workload) bound each cache by \
            weight: sizes are then maximum weights, and a second table gives the byte hit ratio (the \
            share of the requested weight that hit). A request hits when its key is present with the \
            same weight. OPT is not offered for them (with sizes the optimum is NP-hard, and Bélády's \
            rule is not optimal), nor ARC (simulated by entry count only).

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
        help: ArgumentHelp(
            "The 1-based column of each request's weight in a csv trace (an unsigned decimal below 2^32, "
                + "bytes say): replays by weight.",
            valueName: "n"
        ),
        transform: parsePositiveCount
    )
    var weightColumn: [Int] = []

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
        parsing: .unconditional,  // takes -1 as the value, not as an option
        help: ArgumentHelp(
            "How the zipf-sized workload's sizes follow popularity, in -1...1: 1 the most popular largest, "
                + "-1 smallest, 0 unrelated (default 0).",
            valueName: "r"
        )
    )
    var sizeCorrelation: Double?

    @Option(
        help: ArgumentHelp(
            "Cache sizes, separated by commas: entries (250) or percentages of the distinct keys (1%); for a "
                + "weighted replay, maximum weights or percentages of the distinct keys' weight "
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
        if trace.isEmpty,
            !(format.isEmpty && keyColumn.isEmpty && weightColumn.isEmpty && repeatCount.isEmpty && keyOffset.isEmpty)
        {
            throw ValidationError(
                "--format, --key-column, --weight-column, --repeat and --key-offset describe a trace: "
                    + "pass them with --trace"
            )
        }
        for name in workload where !BuiltInWorkload.all.contains(where: { $0.name == name }) {
            throw ValidationError(
                "unknown workload '\(name)'; the workloads are "
                    + BuiltInWorkload.all.map(\.name).joined(separator: ", ")
            )
        }
        if let sizeCorrelation {
            guard (-1...1).contains(sizeCorrelation) else {
                throw ValidationError("--size-correlation must be in -1...1, got \(sizeCorrelation)")
            }
            guard chosenWorkloads.contains(where: \.isWeighted) else {
                throw ValidationError(
                    "--size-correlation sets the sizes of a weighted built-in workload: "
                        + BuiltInWorkload.all.filter(\.isWeighted).map(\.name).joined(separator: ", ")
                )
            }
        }
        _ = try traceStream()
    }

    func run() async throws {
        let progress = ProgressLine()
        var reports: [Report] = []
        if trace.isEmpty {
            for workload in chosenWorkloads {
                let requests = workload.requests(seed, sizeCorrelation ?? 0)
                let sizes = Self.resolve(sizes ?? workload.defaultSizes, for: requests)
                reports.append(try report(workload.name, replaying: requests, sizes: sizes, progress: progress))
            }
        } else {
            reports.append(try replayTraces(progress: progress))
        }
        try write(Report.csv(reports), to: csv, what: "CSV file")
        try write(HitRatioChart(reports: reports).svg(), to: svg, what: "SVG chart")
    }

    /// The built-in workloads to replay: `--workload`, or every one.
    private var chosenWorkloads: [BuiltInWorkload] {
        workload.isEmpty ? BuiltInWorkload.all : BuiltInWorkload.all.filter { workload.contains($0.name) }
    }

    /// The policies to replay: `--policies`, or every one; for a weighted replay only those that
    /// ``SimulatedPolicy/supportsWeights``, and the line that names the others.
    ///
    /// - Throws: a `ValidationError` when none of the chosen policies replays weighted workloads.
    private func chosenPolicies(weighted: Bool) throws -> (policies: [SimulatedPolicy], note: String?) {
        let chosen = policies ?? SimulatedPolicy.allPolicies
        guard weighted else { return (chosen, nil) }
        let leftOut = chosen.filter { !$0.supportsWeights }
        let kept = chosen.filter(\.supportsWeights)
        guard !kept.isEmpty else {
            throw ValidationError(
                "\(leftOut.map(\.name).joined(separator: ", ")) cannot replay weighted requests; choose among "
                    + SimulatedPolicy.allPolicies.filter(\.supportsWeights).map(\.name).joined(separator: ", ")
            )
        }
        guard !leftOut.isEmpty else { return (kept, nil) }
        var reasons: [String] = []
        if leftOut.contains(.optimal) {
            reasons.append("opt: with sizes the optimum is NP-hard to compute and Bélády's rule is not optimal")
        }
        if leftOut.contains(.arc) { reasons.append("arc: simulated by entry count only") }
        return (kept, "not offered for weighted replays: " + reasons.joined(separator: "; ") + "\n")
    }

    /// Reads the traces and replays them: streaming through the caches, or held in memory when OPT
    /// or a percentage size needs the whole trace.
    private func replayTraces(progress: ProgressLine) throws -> Report {
        guard let stream = try traceStream() else { preconditionFailure("replayTraces needs --trace") }
        let title = name ?? stream.name
        let sizes = sizes ?? CacheSizes.traceFractions.map { .fraction($0) }
        let (policies, note) = try chosenPolicies(weighted: stream.isWeighted)
        let summary: TraceReader.Summary
        let report: Report
        progress.begin("reading \(title)")
        if policies.contains(where: \.needsWholeTrace) || sizes.contains(where: \.needsDistinctKeyCount) {
            var keys: [UInt64] = []
            var weights: [UInt32] = []
            summary = try stream.forEachRequest(progress: { progress.update(requests: keys.count, fraction: $0) }) {
                key,
                weight in
                keys.append(key)
                if stream.isWeighted { weights.append(weight) }
            }
            let requests = Requests(keys: keys, weights: stream.isWeighted ? weights : nil)
            report = try self.report(
                title,
                replaying: requests,
                sizes: Self.resolve(sizes, for: requests),
                progress: progress
            )
        } else {
            let capacities = CacheSize.resolve(sizes, distinctKeyCount: 0)
            let grid =
                stream.isWeighted
                ? ReplayGrid(policies: policies, maximumWeights: capacities, seed: seed)
                : ReplayGrid(policies: policies, capacities: capacities, seed: seed)
            var batch = RequestBatch(isWeighted: stream.isWeighted)
            var replayed = 0
            summary = try stream.forEachRequest(progress: { progress.update(requests: replayed, fraction: $0) }) {
                key,
                weight in
                batch.append(key, weight)
                if batch.isFull {
                    batch.replay(through: grid)
                    replayed += ReplayGrid.batchSize
                }
            }
            batch.replay(through: grid)
            progress.clear()
            report = Report(trace: title, results: grid.results)
            print(report.table() + (note ?? ""))
        }
        if summary.skippedLineCount > 0 {
            FileHandle.standardError.write(
                Data("theine-sim: skipped \(summary.skippedLineCount) malformed lines (--skip-bad)\n".utf8)
            )
        }
        return report
    }

    /// `sizes` in entries (or weight, for weighted requests); percentages of the distinct keys of
    /// `requests` (of their weight), which are counted only for them.
    ///
    /// - Complexity: O(n) expected time and a set of the distinct keys when a size is a percentage.
    private static func resolve(_ sizes: [CacheSize], for requests: Requests) -> [Int] {
        let distinctTotal = sizes.contains(where: \.needsDistinctKeyCount) ? requests.distinctWeight : 0
        return CacheSize.resolve(sizes, distinctKeyCount: distinctTotal)
    }

    /// Replays `requests` through each chosen policy at each size, prints the table and returns it.
    ///
    /// - Throws: a `ValidationError` when the requests are weighted and no chosen policy replays them.
    private func report(
        _ name: String,
        replaying requests: Requests,
        sizes: [Int],
        progress: ProgressLine
    ) throws -> Report {
        let (policies, note) = try chosenPolicies(weighted: requests.isWeighted)
        progress.begin("replaying \(name)")
        let results = replay(requests, policies: policies, capacities: sizes, seed: seed) { replayed in
            progress.update(requests: replayed, fraction: Double(replayed) / Double(max(requests.count, 1)))
        }
        progress.clear()
        let report = Report(trace: name, results: results)
        print(report.table() + (note ?? ""))
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
                let weightColumn = try arguments.value(of: .weightColumn, forTrace: index, in: weightColumn)
                if weightColumn != nil, format != .csv {
                    throw ValidationError(
                        "--weight-column reads a csv trace's column; '\(path)' is \(format.rawValue)"
                    )
                }
                let reader = TraceReader(
                    path: path,
                    format: format,
                    keyColumn: try arguments.value(of: .keyColumn, forTrace: index, in: keyColumn) ?? 1,
                    weightColumn: weightColumn,
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
