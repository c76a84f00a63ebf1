import TheineSimulation

@testable import Theine

/// Seeded request sequences for policy tests.
enum Workloads {
    /// `count` requests over `items` keys drawn from a Zipf distribution with `exponent`
    /// (the simulator's generator; keys are scrambled ranks).
    static func zipf(items: Int, count: Int, exponent: Double, seed: UInt64) -> [Int] {
        ZipfWorkload(itemCount: items, exponent: exponent).requests(count: count, seed: seed)
            .map { Int(truncatingIfNeeded: $0) }
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
