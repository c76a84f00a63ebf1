import Testing

@testable import Theine

/// A textbook LRU: a recency stamp per key, evicting the oldest stamp by linear search.
private struct ReferenceLRU {
    let capacity: Int
    private var stamps: [Int: Int] = [:]
    private var clock = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Whether `key` hit; on a miss it is inserted, evicting the least recent key if full.
    mutating func access(_ key: Int) -> Bool {
        clock += 1
        if stamps[key] != nil {
            stamps[key] = clock
            return true
        }
        if stamps.count == capacity, let oldest = stamps.min(by: { $0.value < $1.value })?.key {
            stamps[oldest] = nil
        }
        stamps[key] = clock
        return false
    }
}

@Suite(.tags(.invariants))
struct LRUPolicyTests {
    static let workloads: [(name: String, keys: [Int])] = [
        ("zipf", Workloads.zipf(items: 2_000, count: 30_000, exponent: 0.9, seed: 11)),
        ("loop", Workloads.loop(length: 130, rounds: 40)),
        (
            "scan",
            Workloads.zipf(items: 300, count: 5_000, exponent: 1.0, seed: 12)
                + Workloads.scan(from: 10_000, length: 3_000)
                + Workloads.zipf(items: 300, count: 5_000, exponent: 1.0, seed: 13)
        ),
    ]

    @Test(arguments: workloads.indices, [1, 10, 100, 128])
    func replay_matchesReferenceLRUHitForHit(workload: Int, capacity: Int) {
        let keys = Self.workloads[workload].keys
        let cache = Cache<Int, Int>(capacity: capacity, policy: .lru)
        var reference = ReferenceLRU(capacity: capacity)
        for (position, key) in keys.enumerated() {
            let hit = cache.get(key) != nil
            if !hit { cache.set(key, key) }
            let expected = reference.access(key)
            guard hit == expected else {
                Issue.record(
                    "\(Self.workloads[workload].name) at \(capacity): request \(position) (key \(key)) hit \(hit), reference \(expected)"
                )
                return
            }
        }
        cache.checkInvariants()
    }

    @Test func eviction_removesLeastRecentlyUsed() {
        let cache = Cache<Int, Int>(capacity: 3, policy: .lru)
        for key in 1...3 { cache.set(key, key) }
        _ = cache.get(1)  // order now 2, 3, 1
        cache.set(4, 4)  // evicts 2
        #expect(cache.get(2) == nil)
        cache.set(3, 30)  // overwrite counts as use: order 1, 4, 3
        cache.set(5, 5)  // evicts 1
        #expect(cache.get(1) == nil)
        #expect(cache.get(3) == 30)
        #expect(cache.get(4) == 4)
        #expect(cache.get(5) == 5)
    }
}
