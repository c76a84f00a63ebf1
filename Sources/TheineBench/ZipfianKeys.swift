import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys drawn from a Zipf-like distribution with Gray et al.'s constant-time sampler ("Quickly
/// Generating Billion-Record Synthetic Databases", SIGMOD 1994), as YCSB's workloads do; ranks are
/// scrambled by a 64-bit bijection so that popularity does not follow key order.
///
/// Setting up costs O(items) (the zeta constant); each key, O(1).
struct ZipfianKeys {
    let items: Int
    let theta: Double
    private let zetaOfItems: Double
    private let alpha: Double
    private let eta: Double

    /// A distribution over `items` ranks with skew `theta` in `0..<1` (0.99 is YCSB's default).
    init(items: Int, theta: Double = 0.99) {
        precondition(items >= 2, "items must be >= 2, got \(items)")
        precondition((0..<1).contains(theta), "theta must be in 0..<1, got \(theta)")
        self.items = items
        self.theta = theta
        var zeta = 0.0
        for rank in 1...items { zeta += 1 / pow(Double(rank), theta) }
        zetaOfItems = zeta
        let zetaOfTwo = 1 + 1 / pow(2, theta)
        alpha = 1 / (1 - theta)
        eta = (1 - pow(2 / Double(items), 1 - theta)) / (1 - zetaOfTwo / zeta)
    }

    /// The key of popularity rank `rank` (0 is the most popular).
    static func key(ofRank rank: Int) -> Int {
        Int(truncatingIfNeeded: SplitMix64.mixed(UInt64(rank)))
    }

    /// The next rank, drawn with `generator`.
    func nextRank(using generator: inout SplitMix64) -> Int {
        let uniform = Double(generator.next() >> 11) * 0x1p-53
        let scaled = uniform * zetaOfItems
        if scaled < 1 { return 0 }
        if scaled < 1 + pow(0.5, theta) { return 1 }
        let rank = Int(Double(items) * pow(eta * uniform - eta + 1, alpha))
        return min(rank, items - 1)
    }

    /// `count` keys seeded by `seed`.
    func keys(count: Int, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Self.key(ofRank: nextRank(using: &generator)) }
    }
}
