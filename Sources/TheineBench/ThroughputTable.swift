/// The rows of a throughput run: printed as an aligned table and written as CSV.
struct ThroughputTable {
    /// One cache on one workload at one thread count.
    struct Measurement {
        /// Operations by all threads together.
        let operations: Int
        let elapsed: Duration
        let reads: Int
        let hits: Int

        var seconds: Double {
            let (whole, attoseconds) = elapsed.components
            return Double(whole) + Double(attoseconds) * 1e-18
        }

        /// Millions of operations per second, all threads together.
        var millionsPerSecond: Double { Double(operations) / seconds / 1e6 }

        /// Hits over reads, in percent; nil for a workload without reads.
        var hitRatio: Double? { reads == 0 ? nil : 100 * Double(hits) / Double(reads) }
    }

    private struct Row {
        let workload: Workload
        let threads: Int
        let cache: String
        let measurement: Measurement
        /// Throughput relative to the locked dictionary on the same workload and thread count.
        var relativeToFloor: Double?
    }

    private var rows: [Row] = []

    mutating func add(workload: Workload, threads: Int, cache: String, _ measurement: Measurement) {
        rows.append(Row(workload: workload, threads: threads, cache: cache, measurement: measurement))
    }

    private func withFloorRatios() -> [Row] {
        rows.map { row in
            var row = row
            let floor = rows.first { $0.workload == row.workload && $0.threads == row.threads && $0.cache == "dictionary" }
            row.relativeToFloor = floor.map { row.measurement.millionsPerSecond / $0.measurement.millionsPerSecond }
            return row
        }
    }

    /// The nanoseconds one thread spends per operation: wall time × threads / operations.
    private static func nanosecondsPerOperation(_ row: Row) -> Double {
        row.measurement.seconds * 1e9 * Double(row.threads) / Double(row.measurement.operations)
    }

    /// How a row's numbers are written: decimals per column, the ratio's suffix, and what stands
    /// for a missing value.
    private struct CellStyle {
        let nanosecondDigits: Int
        let otherDigits: Int
        let ratioSuffix: String
        let missing: String

        static let table = CellStyle(nanosecondDigits: 1, otherDigits: 2, ratioSuffix: "x", missing: "-")
        static let csv = CellStyle(nanosecondDigits: 2, otherDigits: 4, ratioSuffix: "", missing: "")
    }

    private func cells(_ style: CellStyle) -> [[String]] {
        withFloorRatios().map { row in
            [
                row.workload.rawValue,
                String(row.threads),
                row.cache,
                fixed(Self.nanosecondsPerOperation(row), digits: style.nanosecondDigits),
                fixed(row.measurement.millionsPerSecond, digits: style.otherDigits),
                row.relativeToFloor.map { fixed($0, digits: style.otherDigits) + style.ratioSuffix } ?? style.missing,
                row.measurement.hitRatio.map { fixed($0, digits: style.otherDigits) } ?? style.missing,
            ]
        }
    }

    func text() -> String {
        let header = ["workload", "threads", "cache", "ns/op", "Mops/s", "vs floor", "hit %"]
        let body = cells(.table)
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
        return ([header] + body).map { cells in
            cells.indices.map { column in
                column < 3 ? cells[column].padding(to: widths[column]) : cells[column].leftPadded(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func csv() -> String {
        let header = "workload,threads,cache,ns_per_op,mops_per_s,vs_floor,hit_ratio"
        let lines = cells(.csv).map { $0.joined(separator: ",") }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }
}
