import Foundation
import Theine

/// A seeded synthetic workload of objects with sizes: Zipf-popular keys, each item with a
/// heavy-tailed size, and a knob for how size goes with popularity.
///
/// ```swift
/// let zipf = ZipfWorkload(itemCount: 100_000, exponent: 1.0)
/// let large = SizedZipfWorkload(zipf: zipf, sizeCorrelation: 1)   // the popular items are the largest
/// let requests = large.requests(count: 250_000, seed: 42)          // keys and sizes in bytes
/// ```
///
/// Sizes follow a Pareto distribution, as web objects' do: at least ``minimumSize``, with tail
/// index ``tailIndex`` (the smaller, the heavier the tail), cut at ``maximumSize``. Which item gets
/// which size follows ``sizeCorrelation``, in `-1...1`: each item scores `ρ × p + √(1 − ρ²) × g`,
/// where `p` is its popularity rank scaled to mean 0 and variance 1 (the most popular highest) and
/// `g` a standard Gaussian draw; the highest score gets the largest size. So 1 makes the most
/// popular items the largest, -1 the smallest, and 0 draws sizes independently of popularity.
///
/// The sizes are drawn from the seed too, so a seed gives the same requests and sizes.
public struct SizedZipfWorkload: Sendable {
    /// The popularity of the items.
    public let zipf: ZipfWorkload
    /// How size follows popularity, in `-1...1`: 1 the most popular largest, -1 smallest, 0 unrelated.
    public let sizeCorrelation: Double
    /// The smallest size, at least 1.
    public let minimumSize: Int
    /// The largest size: the Pareto draws are cut here. Below 2^32.
    public let maximumSize: Int
    /// The Pareto tail index (shape) of the sizes, positive: near 1 for web objects.
    public let tailIndex: Double

    /// Creates the workload.
    ///
    /// - Parameters:
    ///   - zipf: the popularity of the items.
    ///   - sizeCorrelation: how size follows popularity, in `-1...1`; 0 by default.
    ///   - minimumSize: the smallest size, at least 1; 1 KiB by default.
    ///   - maximumSize: the largest size, in `minimumSize..<2^32`; 1 MiB by default.
    ///   - tailIndex: the Pareto tail index, positive and finite; 1.2 by default.
    public init(
        zipf: ZipfWorkload,
        sizeCorrelation: Double = 0,
        minimumSize: Int = 1 << 10,
        maximumSize: Int = 1 << 20,
        tailIndex: Double = 1.2
    ) {
        precondition((-1...1).contains(sizeCorrelation), "sizeCorrelation must be in -1...1, got \(sizeCorrelation)")
        precondition(minimumSize >= 1, "minimumSize must be at least 1, got \(minimumSize)")
        precondition(
            (minimumSize...Int(UInt32.max)).contains(maximumSize),
            "maximumSize must be in minimumSize...2^32-1, got \(maximumSize)"
        )
        precondition(tailIndex.isFinite && tailIndex > 0, "tailIndex must be positive and finite, got \(tailIndex)")
        self.zipf = zipf
        self.sizeCorrelation = sizeCorrelation
        self.minimumSize = minimumSize
        self.maximumSize = maximumSize
        self.tailIndex = tailIndex
    }

    /// The size of the item of each popularity rank, for `seed`.
    ///
    /// - Complexity: O(itemCount × log itemCount).
    public func sizes(seed: UInt64) -> [UInt32] {
        let itemCount = zipf.itemCount
        // A generator of its own, so that the sizes do not shift the requests' draws.
        var generator = SplitMix64(seed: seed ^ 0x5349_5A45_5349_5A45)
        let largestFirst = (0..<itemCount).map { _ in paretoSize(using: &generator) }.sorted(by: >)
        let spread = (3.0).squareRoot()
        let noiseShare = (1 - sizeCorrelation * sizeCorrelation).squareRoot()
        let scores = (0..<itemCount).map { rank in
            // Uniform over [-√3, √3] (mean 0, variance 1); rank 0, the most popular, highest.
            let popularity = itemCount == 1 ? 0 : spread * (1 - 2 * Double(rank) / Double(itemCount - 1))
            return sizeCorrelation * popularity + noiseShare * gaussian(using: &generator)
        }
        let ranksByScore = (0..<itemCount).sorted { scores[$0] > scores[$1] }
        var sizes = [UInt32](repeating: 0, count: itemCount)
        for (order, rank) in ranksByScore.enumerated() {
            sizes[rank] = largestFirst[order]
        }
        return sizes
    }

    /// `count` requests, their keys drawn as ``ZipfWorkload/requests(count:seed:)`` draws them,
    /// each weighing its item's size in ``sizes(seed:)``.
    ///
    /// - Complexity: O(count × log itemCount + itemCount × log itemCount).
    public func requests(count: Int, seed: UInt64) -> Requests {
        let sizes = sizes(seed: seed)
        var generator = SplitMix64(seed: seed)
        var keys: [UInt64] = []
        var weights: [UInt32] = []
        keys.reserveCapacity(count)
        weights.reserveCapacity(count)
        for _ in 0..<count {
            let rank = zipf.nextRank(using: &generator)
            keys.append(zipf.key(ofRank: rank))
            weights.append(sizes[rank])
        }
        return Requests(keys: keys, weights: weights)
    }

    /// A Pareto draw at least ``minimumSize`` with index ``tailIndex``, cut at ``maximumSize``.
    private func paretoSize(using generator: inout SplitMix64) -> UInt32 {
        // A uniform double in (0, 1]: 1 minus 53 random bits.
        let uniform = 1 - Double(generator.next() >> 11) * 0x1p-53
        let size = Double(minimumSize) * pow(uniform, -1 / tailIndex)
        return UInt32(min(size.rounded(.down), Double(maximumSize)))
    }

    /// A standard Gaussian draw (Box–Muller).
    private func gaussian(using generator: inout SplitMix64) -> Double {
        let first = 1 - Double(generator.next() >> 11) * 0x1p-53
        let second = Double(generator.next() >> 11) * 0x1p-53
        return (-2 * log(first)).squareRoot() * cos(2 * Double.pi * second)
    }
}
