/// A loop: the same keys requested in the same order, over and over.
///
/// ```swift
/// let keys = LoopWorkload(length: 15_000).requests(count: 300_000)
/// ```
///
/// When the loop is longer than the cache, LRU always evicts the key needed next and never hits;
/// the best a cache can do is keep a fixed part of the loop (OPT hits about capacity / length).
public struct LoopWorkload: Sendable {
    /// The number of distinct keys in the loop.
    public let length: Int

    /// Creates a loop over `length` keys (at least 1).
    public init(length: Int) {
        precondition(length >= 1, "a loop needs at least one key, got \(length)")
        self.length = length
    }

    /// `count` requests: the loop's keys in order, from the first, as many times as it takes.
    ///
    /// - Complexity: O(count).
    public func requests(count: Int) -> [UInt64] {
        (0..<count).map { UInt64($0 % length) }
    }
}
