import Testing
import TheineSimulation

struct ZipfWorkloadTests {
    static let zipf = ZipfWorkload(itemCount: 1_000, exponent: 0.99)

    @Test func requests_sameSeed_sameSequence() {
        #expect(Self.zipf.requests(count: 10_000, seed: 7) == Self.zipf.requests(count: 10_000, seed: 7))
        #expect(Self.zipf.requests(count: 10_000, seed: 7) != Self.zipf.requests(count: 10_000, seed: 8))
    }

    @Test func requests_areSkewedTowardTheLowRanks() {
        var counts: [UInt64: Int] = [:]
        for key in Self.zipf.requests(count: 100_000, seed: 1) {
            counts[key, default: 0] += 1
        }
        let keys = Set((0..<Self.zipf.itemCount).map(Self.zipf.key(ofRank:)))
        #expect(Set(counts.keys).isSubset(of: keys))
        let top = counts[Self.zipf.key(ofRank: 0), default: 0]
        let hundredth = counts[Self.zipf.key(ofRank: 99), default: 0]
        // Expected shares: about 13% for rank 0, 100^-0.99 of that for rank 99.
        #expect(top > 11_000 && top < 15_000)
        #expect(top > 50 * hundredth)
        #expect(counts.values.max() == top)
    }

    @Test func requests_exponentZero_isUniform() {
        let uniform = ZipfWorkload(itemCount: 10, exponent: 0)
        var counts: [UInt64: Int] = [:]
        for key in uniform.requests(count: 100_000, seed: 3) {
            counts[key, default: 0] += 1
        }
        #expect(counts.count == 10)
        #expect(counts.values.allSatisfy { (9_500...10_500).contains($0) })
    }

    @Test func keyOfRank_isDistinctAndNotInRankOrder() {
        let keys = (0..<10_000).map(Self.zipf.key(ofRank:))
        #expect(Set(keys).count == keys.count)
        #expect(keys != keys.sorted())
    }

    @Test func scanMixed_interleavesFreshKeysBetweenZipfRuns() {
        let workload = ScanMixedWorkload(zipf: Self.zipf, scanLength: 3, scanInterval: 5)
        let keys = workload.requests(count: 17, seed: 9)
        let zipfKeys = Set((0..<Self.zipf.itemCount).map(Self.zipf.key(ofRank:)))
        #expect(keys.count == 17)
        let isScan = keys.map { !zipfKeys.contains($0) }
        #expect(isScan == (0..<17).map { $0 % 8 >= 5 })
        let scanKeys = keys.enumerated().filter { isScan[$0.offset] }.map(\.element)
        #expect(Set(scanKeys).count == scanKeys.count)
        #expect(workload.requests(count: 17, seed: 9) == keys)
    }
}
