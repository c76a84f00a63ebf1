import Testing
import Theine
import TheineSimulation

/// The loop and the recency-to-frequency shift of the default run.
struct SyntheticWorkloadTests {
    @Test func loop_repeatsItsKeysInOrder_andDefeatsLRU() {
        let keys = LoopWorkload(length: 5).requests(count: 12)
        #expect(keys == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])
        let long = LoopWorkload(length: 1_000).requests(count: 20_000)
        #expect(replay(long, policy: .lru, capacity: 900, seed: 0).hitCount == 0)
        #expect(BeladyOptimal(long).replay(capacity: 900).hitRatio > 80)
    }

    @Test func shifting_isSeededAndItsHalvesShareNoKey() {
        let workload = ShiftingWorkload(zipf: ZipfWorkload(itemCount: 10_000, exponent: 1.0))
        let keys = workload.requests(count: 100_000, seed: 9)
        #expect(keys == workload.requests(count: 100_000, seed: 9))
        #expect(keys != workload.requests(count: 100_000, seed: 10))
        #expect(Set(keys[..<50_000]).isDisjoint(with: keys[50_000...]))
    }

    @Test func shifting_firstHalfFavorsRecency_secondHalfFrequency() {
        let workload = ShiftingWorkload(zipf: ZipfWorkload(itemCount: 10_000, exponent: 1.0))
        let keys = workload.requests(count: 200_000, seed: 1)
        let recency = Array(keys[..<100_000])
        let frequency = Array(keys[100_000...])
        // Most first-half requests reuse a key seen among the last few thousand requests.
        #expect(replay(recency, policy: .lru, capacity: 1_000, seed: 0).hitRatio > 50)
        #expect(
            replay(frequency, policy: .tinyLFU, capacity: 100, seed: 0).hitRatio
                > replay(frequency, policy: .lru, capacity: 100, seed: 0).hitRatio + 5
        )
    }
}
