import Testing

@testable import Theine

struct FrequencySketchTests {
    private func hashes(_ count: Int, seed: UInt64) -> [UInt64] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in random.next() }
    }

    @Test func increment_countsEachKey() {
        var sketch = FrequencySketch(capacity: 512)
        let keys = hashes(100, seed: 1)
        for (index, hash) in keys.enumerated() {
            for _ in 0..<(index % 10) { sketch.increment(hash) }
        }
        for (index, hash) in keys.enumerated() {
            // Count-min never underestimates; with 100 keys in 512 words collisions are rare.
            #expect(sketch.frequency(of: hash) >= index % 10)
        }
        let exact = keys.enumerated().filter { sketch.frequency(of: $1) == $0 % 10 }.count
        #expect(exact >= 95)
    }

    @Test func increment_saturatesAtFifteen() {
        var sketch = FrequencySketch(capacity: 512)
        let hash: UInt64 = 0xDEAD_BEEF_1234_5678
        for _ in 0..<100 { sketch.increment(hash) }
        #expect(sketch.frequency(of: hash) == 15)
    }

    @Test func sampleFull_halvesEveryCounter() {
        var sketch = FrequencySketch(capacity: 64)  // sample size 640
        #expect(sketch.sampleSize == 640)
        let hot: UInt64 = 0x0123_4567_89AB_CDEF
        for _ in 0..<14 { sketch.increment(hot) }
        #expect(sketch.frequency(of: hot) == 14)
        var random = SplitMix64(seed: 7)
        for _ in 0..<(640 - 14) { sketch.increment(random.next()) }
        // The 640th counted increment halved the table: 14 (or a little more from collisions) → 7.
        let aged = sketch.frequency(of: hot)
        #expect((7...8).contains(aged))
    }

    @Test func growth_keepsEveryEstimate() {
        var sketch = FrequencySketch(capacity: 1 << 16)
        #expect(sketch.wordCount == 64)
        let keys = hashes(50, seed: 3)
        for (index, hash) in keys.enumerated() {
            for _ in 0..<(index % 16) { sketch.increment(hash) }
        }
        let before = keys.map { sketch.frequency(of: $0) }
        sketch.ensureCapacity(forEntryCount: 10_000)
        #expect(sketch.wordCount == 16_384)
        #expect(keys.map { sketch.frequency(of: $0) } == before)
    }

    @Test func growth_stopsAtCapacityRoundedUpToPowerOfTwo() {
        var sketch = FrequencySketch(capacity: 1_000)
        sketch.ensureCapacity(forEntryCount: 1_000_000)
        #expect(sketch.wordCount == 1_024)
    }
}
