/// The rows of a throughput run, each measured once a round: their medians printed as an aligned
/// table and written as CSV.
struct ThroughputTable {
    /// One cache on one workload at one thread count.
    struct Measurement {
        /// Operations by all threads together.
        let operations: Int
        let elapsed: Duration
        let reads: Int
        let hits: Int

        var seconds: Double { elapsed.nanoseconds / 1e9 }

        /// Millions of operations per second, all threads together.
        var millionsPerSecond: Double { Double(operations) / seconds / 1e6 }

        /// Hits over reads, in percent; nil for a workload without reads.
        var hitRatio: Double? { reads == 0 ? nil : 100 * Double(hits) / Double(reads) }
    }

    /// One row of the table: a cache on a workload at a thread count.
    private struct RowKey: Hashable {
        let workload: Workload
        let threads: Int
        let cache: String
    }

    /// The rows in the order first added, and each row's measurements, one a round.
    private var rowKeys: [RowKey] = []
    private var measurements: [RowKey: [Measurement]] = [:]

    /// Adds `measurement`, the next round's, to its row. Every round measures every row, so that
    /// a round's ratios compare rows measured close together in time.
    mutating func add(workload: Workload, threads: Int, cache: String, _ measurement: Measurement) {
        let key = RowKey(workload: workload, threads: threads, cache: cache)
        if measurements[key] == nil { rowKeys.append(key) }
        measurements[key, default: []].append(measurement)
    }

    /// A row's medians over the rounds: of its own figures, and of each round's ratio to the floor
    /// (the locked dictionary, same workload and threads) and to one thread (same cache).
    private struct Summary {
        let key: RowKey
        let nanosecondsPerOperation: Double
        let millionsPerSecond: Double
        let relativeToFloor: Double?
        let relativeToOneThread: Double?
        let hitRatio: Double?
    }

    private func summaries() -> [Summary] {
        rowKeys.map { key in
            let rounds = measurements[key]!
            // The ratio, round by round, of this row's throughput to `other`'s, if `other` was measured.
            func medianRatio(to other: RowKey) -> Double? {
                guard let others = measurements[other], others.count == rounds.count else { return nil }
                return zip(rounds, others).map { $0.millionsPerSecond / $1.millionsPerSecond }.median
            }
            let floor = RowKey(workload: key.workload, threads: key.threads, cache: "dictionary")
            let oneThread = RowKey(workload: key.workload, threads: 1, cache: key.cache)
            let hitRatios = rounds.compactMap(\.hitRatio)
            return Summary(
                key: key,
                // The nanoseconds one thread spends per operation: wall time × threads / operations.
                nanosecondsPerOperation: rounds.map { $0.seconds * 1e9 * Double(key.threads) / Double($0.operations) }
                    .median,
                millionsPerSecond: rounds.map(\.millionsPerSecond).median,
                relativeToFloor: medianRatio(to: floor),
                relativeToOneThread: key.threads == 1 ? nil : medianRatio(to: oneThread),
                hitRatio: hitRatios.isEmpty ? nil : hitRatios.median
            )
        }
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
        summaries().map { row in
            [
                row.key.workload.rawValue,
                String(row.key.threads),
                row.key.cache,
                fixed(row.nanosecondsPerOperation, digits: style.nanosecondDigits),
                fixed(row.millionsPerSecond, digits: style.otherDigits),
                row.relativeToFloor.map { fixed($0, digits: style.otherDigits) + style.ratioSuffix } ?? style.missing,
                row.relativeToOneThread.map { fixed($0, digits: style.otherDigits) + style.ratioSuffix }
                    ?? style.missing,
                row.hitRatio.map { fixed($0, digits: style.otherDigits) } ?? style.missing,
            ]
        }
    }

    func text() -> String {
        let header = ["workload", "threads", "cache", "ns/op", "Mops/s", "vs floor", "vs 1 thread", "hit %"]
        let body = cells(.table)
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
        return ([header] + body).map { cells in
            cells.indices.map { column in
                column < 3 ? cells[column].padding(to: widths[column]) : cells[column].leftPadded(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func csv() -> String {
        let header = "workload,threads,cache,ns_per_op,mops_per_s,vs_floor,vs_one_thread,hit_ratio"
        let lines = cells(.csv).map { $0.joined(separator: ",") }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }
}
