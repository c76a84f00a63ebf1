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

    func text() -> String {
        let header = ["workload", "threads", "cache", "ns/op", "Mops/s", "vs floor", "hit %"]
        let body = withFloorRatios().map { row in
            [
                row.workload.rawValue,
                String(row.threads),
                row.cache,
                fixed(Self.nanosecondsPerOperation(row), digits: 1),
                fixed(row.measurement.millionsPerSecond, digits: 2),
                row.relativeToFloor.map { fixed($0, digits: 2) + "x" } ?? "-",
                row.measurement.hitRatio.map { fixed($0, digits: 2) } ?? "-",
            ]
        }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
        return ([header] + body).map { cells in
            cells.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                return column < 3 ? cells[column] + padding : padding + cells[column]
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func csv() -> String {
        let header = "workload,threads,cache,ns_per_op,mops_per_s,vs_floor,hit_ratio"
        let lines = withFloorRatios().map { row in
            [
                row.workload.rawValue,
                String(row.threads),
                row.cache,
                fixed(Self.nanosecondsPerOperation(row), digits: 2),
                fixed(row.measurement.millionsPerSecond, digits: 4),
                row.relativeToFloor.map { fixed($0, digits: 4) } ?? "",
                row.measurement.hitRatio.map { fixed($0, digits: 4) } ?? "",
            ].joined(separator: ",")
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }
}

/// `value` with `digits` decimals, without Foundation.
func fixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded())
    let whole = scaled / Int(scale)
    let fraction = String(scaled % Int(scale))
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}
