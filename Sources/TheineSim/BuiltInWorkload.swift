import TheineSimulation

/// A synthetic workload that `theine-sim` replays when it is given no trace; seeded, so a seed
/// always gives the same requests.
struct BuiltInWorkload: Sendable {
    /// The workload's name in tables, CSV and `--workload`.
    let name: String
    /// What it shows, for `--help`.
    let summary: String
    /// Whether its requests carry weights (sizes in bytes).
    let isWeighted: Bool
    /// The sizes replayed when `--sizes` is not given.
    let defaultSizes: [CacheSize]
    /// The workload's requests for a seed and, for a weighted workload, a size correlation in
    /// `-1...1` (see ``SizedZipfWorkload/sizeCorrelation``).
    let requests: @Sendable (_ seed: UInt64, _ sizeCorrelation: Double) -> Requests

    /// The number of requests each built-in workload makes: enough for stable hit ratios, few
    /// enough that the default run takes seconds.
    static let requestCount = 250_000
    /// The number of distinct keys of the Zipf workloads.
    static let itemCount = 100_000
    /// The default sizes of the unweighted workloads: 0.1%, 1% and 10% of the Zipf items; the loop
    /// is longer than the largest.
    static let defaultEntryCounts = CacheSizes.fractions([0.001, 0.01, 0.1], of: itemCount)
    /// The default sizes of the weighted workload: 0.1%, 1% and 10% of the distinct items' weight.
    static let defaultWeightFractions = [0.001, 0.01, 0.1]

    /// Creates an unweighted workload replayed at ``defaultEntryCounts``.
    private init(name: String, summary: String, keys: @escaping @Sendable (_ seed: UInt64) -> [UInt64]) {
        self.name = name
        self.summary = summary
        isWeighted = false
        defaultSizes = Self.defaultEntryCounts.map { .entries($0) }
        requests = { seed, _ in Requests(keys: keys(seed)) }
    }

    /// Creates a weighted workload of `zipf`'s keys with ``SizedZipfWorkload``'s default sizes,
    /// replayed at ``defaultWeightFractions``.
    private init(name: String, summary: String, sizing zipf: ZipfWorkload) {
        self.name = name
        self.summary = summary
        isWeighted = true
        defaultSizes = Self.defaultWeightFractions.map { .fraction($0) }
        requests = { seed, correlation in
            SizedZipfWorkload(zipf: zipf, sizeCorrelation: correlation)
                .requests(count: BuiltInWorkload.requestCount, seed: seed)
        }
    }

    /// The built-in workloads, in the order the default run replays them.
    static let all: [BuiltInWorkload] = {
        let zipf = [0.8, 1.0, 1.2].map { ZipfWorkload(itemCount: itemCount, exponent: $0) }
        let scans = ScanMixedWorkload(zipf: zipf[1], scanLength: 2_000, scanInterval: 8_000)
        let loop = LoopWorkload(length: 15_000)
        let shift = ShiftingWorkload(zipf: zipf[1])
        let sizes = SizedZipfWorkload(zipf: zipf[1])
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
            BuiltInWorkload(
                name: "zipf-sized",
                summary: "zipf-1.0 keys weighing Pareto sizes (\(sizes.minimumSize) bytes up, tail index "
                    + "\(sizes.tailIndex), cut at \(sizes.maximumSize)), replayed by weight; --size-correlation "
                    + "ties size to popularity",
                sizing: zipf[1]
            ),
        ]
    }()
}
