import Foundation
import Theine

/// A workload whose best policy changes midway: recency first, frequency after.
///
/// ```swift
/// let workload = ShiftingWorkload(zipf: ZipfWorkload(itemCount: 100_000, exponent: 1.0))
/// let keys = workload.requests(count: 1_000_000, seed: 42)
/// ```
///
/// The first half is recency-biased: new keys keep arriving (one every ``requestsPerNewKey``
/// requests) and each request goes to a key created a short, exponentially distributed while ago
/// (``recencyMeanDistance`` keys back on average), so the last use predicts the next and frequency
/// says little. The second half draws from a Zipf distribution over other keys, where frequency
/// predicts best. A policy with a fixed balance between recency and frequency does well in only one
/// half; an adaptive one follows the shift.
public struct ShiftingWorkload: Sendable {
    /// The distribution of the second half.
    public let zipf: ZipfWorkload
    /// The mean age, in keys created, of a key requested in the first half.
    public let recencyMeanDistance: Double
    /// The number of requests in the first half for each new key.
    public let requestsPerNewKey: Int

    /// Creates the workload.
    ///
    /// - Parameters:
    ///   - zipf: the distribution of the second half.
    ///   - recencyMeanDistance: the mean age of a first-half request's key, in keys; positive.
    ///   - requestsPerNewKey: first-half requests for each new key; at least 1.
    public init(zipf: ZipfWorkload, recencyMeanDistance: Double = 500, requestsPerNewKey: Int = 4) {
        precondition(recencyMeanDistance > 0, "the mean distance must be positive, got \(recencyMeanDistance)")
        precondition(requestsPerNewKey >= 1, "at least 1 request per new key, got \(requestsPerNewKey)")
        self.zipf = zipf
        self.recencyMeanDistance = recencyMeanDistance
        self.requestsPerNewKey = requestsPerNewKey
    }

    /// `count` request keys drawn from a SplitMix64 generator seeded with `seed`: `count / 2`
    /// recency-biased requests, then Zipf requests. The two halves share no key.
    ///
    /// - Complexity: O(count × log ``ZipfWorkload/itemCount``).
    public func requests(count: Int, seed: UInt64) -> [UInt64] {
        var generator = SplitMix64(seed: seed)
        var keys: [UInt64] = []
        keys.reserveCapacity(count)
        let recencyCount = count / 2
        for request in 0..<recencyCount {
            let newest = request / requestsPerNewKey
            // 53 random bits: a uniform double in (0, 1].
            let uniform = (Double(generator.next() >> 11) + 1) * 0x1p-53
            let age = min(newest, Int(-log(uniform) * recencyMeanDistance))
            // Past every Zipf rank, so the halves share no key.
            keys.append(zipf.key(ofRank: zipf.itemCount + newest - age))
        }
        while keys.count < count {
            keys.append(zipf.nextKey(using: &generator))
        }
        return keys
    }
}
