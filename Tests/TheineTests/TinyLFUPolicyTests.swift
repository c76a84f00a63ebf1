import Testing

@testable import Theine

@Suite(.tags(.invariants))
struct TinyLFUPolicyTests {
    private func tinyLFU(_ cache: Cache<Int, Int>) -> TinyLFUPolicy {
        cache._shards[0].withLock { $0._policy as! TinyLFUPolicy }
    }

    @Test func initialSegments_followCaffeine() {
        let cache = Cache<Int, Int>(capacity: 1_000, policy: .tinyLFU, admissionSeed: 1)
        let policy = tinyLFU(cache)
        #expect(policy.windowMaximum == 10)
        #expect(policy.protectedMaximum == 792)
    }

    /// On seeded Zipf at 1% of the items, W-TinyLFU must beat LRU by at least 5 points: frequency
    /// predicts reuse better than recency does. (Measured margins are printed in the issue note.)
    @Test(.tags(.hitRatio), arguments: [0.8, 1.0])
    func zipfAtOnePercent_beatsLRUByFivePoints(exponent: Double) {
        let keys = Workloads.zipf(items: 100_000, count: 400_000, exponent: exponent, seed: 21)
        let lru = Workloads.hits(replaying: keys, through: Cache(capacity: 1_000, policy: .lru))
        let tinyLFU = Workloads.hits(
            replaying: keys,
            through: Cache(capacity: 1_000, policy: .tinyLFU, admissionSeed: 2)
        )
        let margin = Double(tinyLFU - lru) / Double(keys.count) * 100
        #expect(margin >= 5, "W-TinyLFU \(tinyLFU) hits, LRU \(lru): margin \(margin) points")
    }

    /// A one-pass scan of never-repeated keys, longer than the cache, must not flush the hot set.
    @Test func scan_doesNotFlushHotSet() {
        let hot = Workloads.zipf(items: 500, count: 50_000, exponent: 1.0, seed: 31)
        let cache = Cache<Int, Int>(capacity: 1_000, policy: .tinyLFU, admissionSeed: 3)
        _ = Workloads.hits(replaying: hot, through: cache)
        _ = Workloads.hits(replaying: Workloads.scan(from: 1_000_000, length: 20_000), through: cache)
        let hotKeys = Set(hot)
        let resident = hotKeys.filter { cache.containsQuietly($0) }.count
        #expect(Double(resident) >= 0.9 * Double(hotKeys.count), "\(resident) of \(hotKeys.count) hot keys survived")
        // LRU, for contrast, keeps none of them.
        let lru = Cache<Int, Int>(capacity: 1_000, policy: .lru)
        _ = Workloads.hits(replaying: hot, through: lru)
        _ = Workloads.hits(replaying: Workloads.scan(from: 1_000_000, length: 20_000), through: lru)
        #expect(!hotKeys.contains { lru.containsQuietly($0) })
    }

    /// Recency-biased (half the requests are new keys, half reuse one of the last 700 new keys,
    /// once or twice at most): the window grows. Then frequency-biased (a small hot set with a
    /// stream of one-hit wonders): it shrinks back.
    @Test(.tags(.hitRatio)) func hillClimber_growsOnRecencyAndShrinksOnFrequency() {
        let capacity = 1_000
        let cache = Cache<Int, Int>(capacity: capacity, policy: .tinyLFU, admissionSeed: 4)
        let policy = tinyLFU(cache)
        var recency: [Int] = []
        var random = SplitMix64(seed: 5)
        var newest = 0
        for _ in 0..<400_000 {
            if random.next() % 2 == 0 || newest < 700 {
                newest += 1
                recency.append(newest)
            } else {
                recency.append(newest - Int(random.next() % 700))
            }
        }
        _ = Workloads.hits(replaying: recency, through: cache)
        let grown = policy.windowMaximum
        #expect(grown >= capacity / 2, "window \(grown) after a recency-biased workload")

        var frequency: [Int] = []
        let hot = Workloads.zipf(items: 800, count: 600_000, exponent: 0.9, seed: 41)
        for (index, key) in hot.enumerated() {
            frequency.append(10_000_000 + key)
            if index % 2 == 0 { frequency.append(20_000_000 + index) }
        }
        _ = Workloads.hits(replaying: frequency, through: cache)
        let shrunk = policy.windowMaximum
        #expect(shrunk <= grown / 2, "window \(shrunk) after a frequency-biased workload (was \(grown))")
        cache.checkInvariants()
    }
}
