import Foundation
import Theine

/// The results of replaying one workload through several policies and cache sizes, printed as an
/// aligned text table or as CSV.
///
/// ```swift
/// let results = replay(keys, policies: SimulatedPolicy.allPolicies, capacities: [250, 500], seed: 42)
/// let report = Report(trace: "arc-OLTP", results: results)
/// print(report.table())
/// try Report.csv([report]).write(toFile: "oltp.csv", atomically: true, encoding: .utf8)
/// ```
///
/// The table has a row for each policy and a column for each size, each cell the hit ratio in
/// percent with 2 decimals:
///
/// ```text
/// arc-OLTP: 914145 requests; hit ratio (%) by cache size (entries)
/// policy     250    500
/// lru      16.47  23.45
/// ```
///
/// A weighted replay's sizes are maximum weights, and a second table gives the byte hit ratio.
public struct Report: Sendable {
    /// The workload's name, such as ``TraceFormat/traceName(ofPath:)`` gives.
    public var trace: String
    /// The replays, in the order the table and CSV list them.
    public var results: [ReplayResult]

    /// Creates a report of `results`, replays of the workload `trace`.
    public init(trace: String, results: [ReplayResult]) {
        self.trace = trace
        self.results = results
    }

    /// The first line of a CSV file of results. `byte_hit_ratio` equals `hit_ratio` for an
    /// unweighted replay.
    public static let csvHeader = "trace,policy,size,requests,hits,hit_ratio,byte_hit_ratio"

    /// Whether the replays were bounded by weight.
    public var isWeighted: Bool { results.contains(where: \.isWeighted) }

    /// The results as aligned text tables under their title lines, ending with a newline: the hit
    /// ratio, and for a weighted replay the byte hit ratio.
    ///
    /// Policies and sizes appear in the order of their first result; a policy and size without
    /// a result show `-`.
    public func table() -> String {
        let requestCount = results.first?.requestCount ?? 0
        guard isWeighted else {
            return "\(trace): \(requestCount) requests; hit ratio (%) by cache size (entries)\n"
                + grid(of: \.hitRatio)
        }
        return "\(trace): \(requestCount) weighted requests; hit ratio (%) by cache size (weight)\n"
            + grid(of: \.hitRatio)
            + "\(trace): byte hit ratio (%) by cache size (weight)\n"
            + grid(of: \.byteHitRatio)
    }

    /// One aligned table of `ratio` for each policy and size, with a header row.
    private func grid(of ratio: KeyPath<ReplayResult, Double>) -> String {
        var policies: [SimulatedPolicy] = []
        var capacities: [Int] = []
        for result in results {
            if !policies.contains(result.policy) { policies.append(result.policy) }
            if !capacities.contains(result.capacity) { capacities.append(result.capacity) }
        }
        var rows = [["policy"] + capacities.map(String.init)]
        for policy in policies {
            rows.append(
                [policy.name]
                    + capacities.map { capacity in
                        results.first { $0.policy == policy && $0.capacity == capacity }
                            .map { Self.formatted($0[keyPath: ratio], decimals: 2) } ?? "-"
                    }
            )
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for row in rows {
            let cells = row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return column == 0 ? row[column] + padding : padding + row[column]
            }
            text += cells.joined(separator: "  ") + "\n"
        }
        return text
    }

    /// One CSV line (without its newline) for each result, in order, matching ``csvHeader``;
    /// `hit_ratio` and `byte_hit_ratio` are in percent with 4 decimals.
    public func csvRows() -> [String] {
        results.map { result in
            [
                Self.csvField(trace), result.policy.name, String(result.capacity), String(result.requestCount),
                String(result.hitCount), Self.formatted(result.hitRatio, decimals: 4),
                Self.formatted(result.byteHitRatio, decimals: 4),
            ].joined(separator: ",")
        }
    }

    /// A CSV file of every report's results: ``csvHeader``, then each report's ``csvRows()``,
    /// each line ending with a newline.
    public static func csv(_ reports: [Report]) -> String {
        ([csvHeader] + reports.flatMap { $0.csvRows() }).map { $0 + "\n" }.joined()
    }

    /// `value` with exactly `decimals` digits after the point.
    private static func formatted(_ value: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// `text` as a CSV field: quoted, with quotes doubled, when it holds a comma, quote or newline.
    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
