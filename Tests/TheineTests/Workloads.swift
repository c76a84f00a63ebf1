import Foundation

@testable import Theine

/// Seeded request sequences for policy tests.
enum Workloads {
    /// `count` requests over `items` keys, key `k` (0-based rank) drawn with probability ∝ 1/(k+1)^s.
    static func zipf(items: Int, count: Int, exponent: Double, seed: UInt64) -> [Int] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(items)
        var total = 0.0
        for rank in 1...items {
            total += 1 / pow(Double(rank), exponent)
            cumulative.append(total)
        }
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let target = Double(random.next() >> 11) / Double(1 << 53) * total
            var low = 0
            var high = items - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// `rounds` passes over keys `0..<length` in order.
    static func loop(length: Int, rounds: Int) -> [Int] {
        (0..<rounds).flatMap { _ in 0..<length }
    }

    /// Keys `start..<start + length`, each once.
    static func scan(from start: Int, length: Int) -> [Int] {
        Array(start..<(start + length))
    }

    /// Hits when `keys` are replayed through `cache`: `get`, and `set` on a miss.
    static func hits(replaying keys: [Int], through cache: Cache<Int, Int>) -> Int {
        var hits = 0
        for key in keys {
            if cache.get(key) != nil { hits += 1 } else { cache.set(key, key) }
        }
        return hits
    }
}
