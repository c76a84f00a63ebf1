import TheineSimulation

/// A synthetic workload that `theine-sim` replays when it is given no trace; seeded, so a seed
/// always gives the same requests.
struct BuiltInWorkload: Sendable {
    /// The workload's name in tables, CSV and `--workload`.
    let name: String
    /// What it shows, for `--help`.
    let summary: String
    /// The workload's request keys for a seed.
    let requests: @Sendable (_ seed: UInt64) -> [UInt64]

    /// The number of requests each built-in workload makes: enough for stable hit ratios, few
    /// enough that the default run takes seconds.
    static let requestCount = 250_000
    /// The number of distinct keys of the Zipf workloads.
    static let itemCount = 100_000
    /// The default sizes: 0.1%, 1% and 10% of the Zipf items; the loop is longer than the largest.
    static let defaultSizes = CacheSizes.fractions([0.001, 0.01, 0.1], of: itemCount)

    /// The built-in workloads, in the order the default run replays them.
    static let all: [BuiltInWorkload] = {
        let zipf = [0.8, 1.0, 1.2].map { ZipfWorkload(itemCount: itemCount, exponent: $0) }
        let scans = ScanMixedWorkload(zipf: zipf[1], scanLength: 2_000, scanInterval: 8_000)
        let loop = LoopWorkload(length: 15_000)
        let shift = ShiftingWorkload(zipf: zipf[1])
        return zipf.map { zipf in
            BuiltInWorkload(
                name: "zipf-\(zipf.exponent)",
                summary: "Zipf, exponent \(zipf.exponent), over \(itemCount) keys"
            ) { seed in zipf.requests(count: requestCount, seed: seed) }
        } + [
            BuiltInWorkload(name: "zipf+scans", summary: "zipf-1.0 with a 2,000-key scan every 8,000 requests") {
                seed in scans.requests(count: requestCount, seed: seed)
            },
            BuiltInWorkload(name: "loop", summary: "15,000 keys in order, over and over, longer than every cache") {
                _ in loop.requests(count: requestCount)
            },
            BuiltInWorkload(name: "recency-to-frequency", summary: "recency-biased, then zipf-1.0 from the midpoint") {
                seed in shift.requests(count: requestCount, seed: seed)
            },
        ]
    }()
}
