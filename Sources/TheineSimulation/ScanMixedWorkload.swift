import Theine

/// A Zipf workload interrupted by scans: runs of keys that are requested once and never again.
///
/// ```swift
/// let workload = ScanMixedWorkload(zipf: ZipfWorkload(itemCount: 100_000), scanLength: 2_000, scanInterval: 8_000)
/// let keys = workload.requests(count: 1_000_000, seed: 42)
/// ```
///
/// After every ``scanInterval`` Zipf requests come ``scanLength`` requests for fresh keys, as a
/// batch job reading cold data would make. A recency-only policy such as LRU lets each scan flush
/// its hot items; a frequency-aware one keeps them.
public struct ScanMixedWorkload: Sendable {
    /// The distribution of the requests between scans.
    public let zipf: ZipfWorkload
    /// The number of one-time keys in each scan.
    public let scanLength: Int
    /// The number of Zipf requests before each scan.
    public let scanInterval: Int

    /// Creates the workload.
    ///
    /// - Parameters:
    ///   - zipf: the distribution of the requests between scans.
    ///   - scanLength: the number of one-time keys in each scan; not negative.
    ///   - scanInterval: the number of Zipf requests before each scan; at least 1.
    public init(zipf: ZipfWorkload, scanLength: Int, scanInterval: Int) {
        precondition(scanLength >= 0, "the scan length must not be negative, got \(scanLength)")
        precondition(scanInterval >= 1, "the scan interval must be at least 1, got \(scanInterval)")
        self.zipf = zipf
        self.scanLength = scanLength
        self.scanInterval = scanInterval
    }

    /// `count` request keys; the Zipf requests are drawn from a SplitMix64 generator seeded with
    /// `seed`, the scans' keys are distinct from every Zipf key and from each other.
    ///
    /// - Complexity: O(count × log ``ZipfWorkload/itemCount``).
    public func requests(count: Int, seed: UInt64) -> [UInt64] {
        var generator = SplitMix64(seed: seed)
        var keys: [UInt64] = []
        keys.reserveCapacity(count)
        var nextScanRank = zipf.itemCount
        while keys.count < count {
            for _ in 0..<min(scanInterval, count - keys.count) {
                keys.append(zipf.nextKey(using: &generator))
            }
            for _ in 0..<min(scanLength, count - keys.count) {
                keys.append(zipf.key(ofRank: nextScanRank))
                nextScanRank += 1
            }
        }
        return keys
    }
}
