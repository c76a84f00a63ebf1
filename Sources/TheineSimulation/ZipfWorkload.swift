import Foundation
import Theine

/// A seeded synthetic workload whose requests follow a Zipf distribution over a fixed set of items.
///
/// ```swift
/// let zipf = ZipfWorkload(itemCount: 100_000, exponent: 0.99)
/// let keys = zipf.requests(count: 1_000_000, seed: 42)   // the same seed gives the same keys
/// ```
///
/// The item of popularity rank `r` (0 is the most popular) is requested with probability
/// proportional to `1 / (r + 1)^exponent`. Keys are the ranks scrambled by a 64-bit bijection
/// (``key(ofRank:)``), so that popularity is not correlated with key order or hash.
///
/// Sampling inverts a precomputed cumulative distribution by binary search: building the workload
/// takes O(itemCount) time and 8 bytes an item; each request costs O(log itemCount).
public struct ZipfWorkload: Sendable {
    /// The number of distinct items.
    public let itemCount: Int
    /// The skew: 0 is uniform; near 1 is typical of web and database workloads.
    public let exponent: Double

    /// `cumulativeProbabilities[r]` is the probability of drawing a rank `<= r`; the last is 1.
    private let cumulativeProbabilities: [Double]

    /// Creates the distribution over `itemCount` items with the given skew.
    ///
    /// - Parameters:
    ///   - itemCount: the number of distinct items; at least 1.
    ///   - exponent: the Zipf exponent `s`; finite and not negative. 0.99 by default.
    /// - Complexity: O(itemCount).
    public init(itemCount: Int, exponent: Double = 0.99) {
        precondition(itemCount >= 1, "a Zipf workload needs at least one item, got \(itemCount)")
        precondition(exponent.isFinite && exponent >= 0, "the Zipf exponent must be finite and >= 0, got \(exponent)")
        self.itemCount = itemCount
        self.exponent = exponent
        var cumulative = [Double](repeating: 0, count: itemCount)
        var total = 0.0
        for rank in 0..<itemCount {
            total += 1 / pow(Double(rank + 1), exponent)
            cumulative[rank] = total
        }
        for rank in 0..<itemCount {
            cumulative[rank] /= total
        }
        cumulative[itemCount - 1] = 1
        cumulativeProbabilities = cumulative
    }

    /// The key of the item with popularity rank `rank`.
    ///
    /// Distinct ranks have distinct keys, and ranks at or past ``itemCount`` give keys that the
    /// workload never requests (``ScanMixedWorkload`` uses them for its scans).
    public func key(ofRank rank: Int) -> UInt64 {
        SplitMix64.mixed(UInt64(rank))
    }

    /// Draws the next request's key from `generator`.
    ///
    /// - Complexity: O(log ``itemCount``).
    public func nextKey(using generator: inout some RandomNumberGenerator) -> UInt64 {
        key(ofRank: nextRank(using: &generator))
    }

    /// Draws the popularity rank of the next request's item from `generator`, in `0..<itemCount`.
    ///
    /// - Complexity: O(log ``itemCount``).
    public func nextRank(using generator: inout some RandomNumberGenerator) -> Int {
        // 53 random bits: a uniform double in [0, 1).
        let uniform = Double(generator.next() >> 11) * 0x1p-53
        var low = 0
        var high = itemCount - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeProbabilities[middle] > uniform {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }

    /// `count` request keys drawn from a SplitMix64 generator seeded with `seed`.
    ///
    /// - Complexity: O(count × log ``itemCount``).
    public func requests(count: Int, seed: UInt64) -> [UInt64] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in nextKey(using: &generator) }
    }
}
