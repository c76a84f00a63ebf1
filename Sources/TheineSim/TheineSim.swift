import ArgumentParser
import Foundation
import Theine
import TheineSimulation

/// `theine-sim`: replays cache traces or synthetic workloads through the eviction policies and
/// prints their hit ratios.
@main
struct TheineSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theine-sim",
        abstract: "Replays a cache trace through Theine's eviction policies and prints the hit ratios.",
        discussion: """
            Each request is a lookup; on a miss the key is inserted. Without --trace, replays built-in \
            Zipf workloads (100,000 items, exponent 0.99, without and with scans) at 0.1%, 1% and 10% \
            of the items.

            TinyLFU hashes keys, and Swift seeds hashing per process: for hit ratios that repeat \
            exactly from run to run, set SWIFT_DETERMINISTIC_HASHING=1.
            """
    )

    @Option(
        help: ArgumentHelp(
            "The trace to replay: a file (.gz, .xz and .zst are decompressed), or - for standard input.",
            valueName: "path"
        )
    )
    var trace: String?

    @Option(help: "The trace's format; needed for binary traces and standard input (.lis is arc, .trace is lirs).")
    var format: TraceFormat?

    @Option(
        help: ArgumentHelp(
            "Cache sizes in entries, separated by commas (default: 1%, 5%, 10% and 25% of the trace's distinct keys).",
            valueName: "n,n,..."
        ),
        transform: parseSizes
    )
    var sizes: [Int]?

    @Option(
        help: ArgumentHelp(
            "Eviction policies, separated by commas (default: all of "
                + EvictionPolicy.allPolicies.map(\.name).joined(separator: ", ") + ").",
            valueName: "name,name,..."
        ),
        transform: parsePolicies
    )
    var policies: [EvictionPolicy]?

    @Option(help: ArgumentHelp("Also write the results to this CSV file.", valueName: "path"))
    var csv: String?

    @Option(help: "The seed of the policies' random admission decisions and of the built-in workloads.")
    var seed: UInt64 = 42

    func validate() throws {
        if let trace {
            _ = try format(of: trace)
        } else if format != nil {
            throw ValidationError("--format describes a trace: pass it with --trace")
        }
    }

    func run() async throws {
        var reports: [Report] = []
        if let trace {
            let keys = try TraceReader(path: trace, format: format(of: trace)).readAll()
            let sizes = sizes ?? CacheSizes.fractions(CacheSizes.traceFractions, of: Set(keys).count)
            reports.append(await replayReport(TraceFormat.traceName(ofPath: trace), keys, sizes))
        } else {
            for workload in BuiltInWorkload.all {
                let keys = workload.requests(seed)
                reports.append(await replayReport(workload.name, keys, sizes ?? workload.defaultSizes))
            }
        }
        if let csv {
            do {
                try Report.csv(reports).write(toFile: csv, atomically: true, encoding: .utf8)
            } catch {
                throw CSVWriteError(path: csv, reason: error.localizedDescription)
            }
        }
    }

    /// The format of `trace`: `--format`, or else the one its file name implies.
    ///
    /// - Throws: a `ValidationError` when there is neither.
    private func format(of trace: String) throws -> TraceFormat {
        guard let format = format ?? TraceFormat.guess(fromFileName: trace) else {
            throw ValidationError(
                "cannot tell the format of '\(trace)' from its name: pass --format "
                    + TraceFormat.allCases.map(\.rawValue).joined(separator: "|")
            )
        }
        return format
    }

    /// Replays `keys` through each chosen policy at each size and prints the table.
    private func replayReport(_ name: String, _ keys: [UInt64], _ sizes: [Int]) async -> Report {
        let results = replay(
            keys,
            policies: (policies ?? EvictionPolicy.allPolicies).map(SimulatedPolicy.library),
            capacities: sizes,
            seed: seed
        )
        let report = Report(trace: name, results: results)
        print(report.table())
        return report
    }

    /// The CSV file could not be written.
    struct CSVWriteError: Error, CustomStringConvertible {
        let path: String
        let reason: String

        var description: String { "cannot write the CSV file \(path): \(reason)" }
    }
}
