import TheineSimulation

/// A synthetic workload that `theine-sim` replays when it is given no trace.
struct BuiltInWorkload: Sendable {
    /// The workload's name in tables and CSV.
    let name: String
    /// The number of distinct keys its Zipf part draws from.
    let itemCount: Int
    /// The workload's request keys for a seed.
    let requests: @Sendable (_ seed: UInt64) -> [UInt64]

    /// The default sizes: 0.1%, 1% and 10% of the items.
    var defaultSizes: [Int] { CacheSizes.fractions([0.001, 0.01, 0.1], of: itemCount) }

    /// The number of requests each built-in workload makes.
    static let requestCount = 1_000_000

    /// The built-in workloads: Zipf-distributed keys, without and with scans.
    static let all: [BuiltInWorkload] = {
        let zipf = ZipfWorkload(itemCount: 100_000, exponent: 0.99)
        let scans = ScanMixedWorkload(zipf: zipf, scanLength: 2_000, scanInterval: 8_000)
        return [
            BuiltInWorkload(name: "zipf-0.99", itemCount: zipf.itemCount) { seed in
                zipf.requests(count: requestCount, seed: seed)
            },
            BuiltInWorkload(name: "zipf-0.99+scans", itemCount: zipf.itemCount) { seed in
                scans.requests(count: requestCount, seed: seed)
            },
        ]
    }()
}
