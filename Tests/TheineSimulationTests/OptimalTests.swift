import Testing
import Theine
import TheineSimulation

struct OptimalTests {
    /// The most hits any sequence of keep, bypass and evict choices gets on `keys`, searched
    /// exhaustively (with memoization) over every cache content; keys must be in `0..<16`.
    static func bruteForceHits(_ keys: [Int], capacity: Int) -> Int {
        var memo: [Int: Int] = [:]
        func best(from position: Int, cached: Int) -> Int {
            guard position < keys.count else { return 0 }
            let state = position << 16 | cached
            if let known = memo[state] { return known }
            let bit = 1 << keys[position]
            var result: Int
            if cached & bit != 0 {
                result = 1 + best(from: position + 1, cached: cached)
            } else {
                result = best(from: position + 1, cached: cached)  // bypass
                if cached.nonzeroBitCount < capacity {
                    result = max(result, best(from: position + 1, cached: cached | bit))
                } else {
                    for victim in 0..<16 where cached & (1 << victim) != 0 {
                        result = max(result, best(from: position + 1, cached: cached & ~(1 << victim) | bit))
                    }
                }
            }
            memo[state] = result
            return result
        }
        return best(from: 0, cached: 0)
    }

    @Test func replay_handWorkedSequence_bypassesTheFarKey() {
        // Capacity 1: 1 miss (kept), 2 miss (next use at 4, later than 1's at 2: bypassed), 1 hit,
        // 2 miss (1 is never used again: replaced), 2 hit.
        let result = BeladyOptimal([1, 2, 1, 2, 2]).replay(capacity: 1)
        #expect(result == ReplayResult(policy: .optimal, capacity: 1, requestCount: 5, hitCount: 2))
    }

    @Test(arguments: 1...3)
    func replay_shortRandomTraces_equalsTheBruteForceOptimum(capacity: Int) {
        var generator = SeededGenerator(seed: UInt64(capacity))
        for _ in 0..<300 {
            let length = Int.random(in: 1...14, using: &generator)
            let keyCount = Int.random(in: 1...6, using: &generator)
            let keys = (0..<length).map { _ in Int.random(in: 0..<keyCount, using: &generator) }
            let optimal = BeladyOptimal(keys.map(UInt64.init)).replay(capacity: capacity)
            #expect(optimal.hitCount == Self.bruteForceHits(keys, capacity: capacity), "keys \(keys)")
        }
    }

    @Test func replay_randomTraces_isAtLeastEveryPolicy() {
        let keys = ZipfWorkload(itemCount: 2_000, exponent: 0.9).requests(count: 50_000, seed: 7)
        let optimal = BeladyOptimal(keys)
        #expect(optimal.distinctKeyCount == Set(keys).count)
        for capacity in [1, 10, 100, 1_000] {
            let best = optimal.replay(capacity: capacity).hitCount
            for result in replay(keys, policies: SimulatedPolicy.allPolicies, capacities: [capacity], seed: 1) {
                #expect(result.hitCount <= best, "\(result.policy) at \(capacity)")
            }
        }
    }

    @Test func replay_capacityOfAllKeys_missesOnlyFirstRequests() {
        let keys = ZipfWorkload(itemCount: 500).requests(count: 10_000, seed: 3)
        let result = BeladyOptimal(keys).replay(capacity: 500)
        #expect(result.hitCount == keys.count - Set(keys).count)
    }

    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason), arguments: try TraceCatalog.traces())
    func replay_opt_matchesAnchorsAndBoundsEveryPolicy(trace: TraceCatalog.Trace) throws {
        let anchors = try TraceCatalog.anchors(trace: trace.name, tool: "opt")
        try #require(!anchors.isEmpty, "anchors.csv has no opt figures for \(trace.name)")
        let keys = try TraceCatalog.keys(of: trace)
        let results = replay(
            keys,
            policies: TraceCatalog.longTraceNames.contains(trace.name) ? [.optimal] : SimulatedPolicy.allPolicies,
            capacities: anchors.map(\.size),
            seed: 42
        )
        for anchor in anchors {
            let atSize = results.filter { $0.capacity == anchor.size }
            let optimal = try #require(atSize.first { $0.policy == .optimal })
            #expect(
                abs(optimal.hitRatio - anchor.hitRatio) <= OptimalTests.anchorTolerance,
                "\(trace.name) at \(anchor.size): \(optimal.hitRatio)% vs opt \(anchor.hitRatio)%"
            )
            for result in atSize {
                #expect(result.hitCount <= optimal.hitCount, "\(trace.name) at \(anchor.size): \(result.policy)")
            }
            for tool in TraceCatalog.referenceTools {
                for reference in try TraceCatalog.anchors(trace: trace.name, tool: tool)
                where reference.size == anchor.size {
                    #expect(reference.hitRatio <= optimal.hitRatio + 0.005, "\(trace.name) at \(anchor.size): \(tool)")
                }
            }
        }
    }

    /// How far (in percentage points) OPT may be from `anchors.csv`, which rounds to 2 decimals.
    static let anchorTolerance = 0.01
}

/// A deterministic generator for tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
