import Synchronization
import Testing

@testable import Theine

/// The entry table against a `Dictionary` holding the same entries, with its invariants checked
/// after every change; and the lifetime of what it stores.
@Suite(.tags(.invariants))
struct EntryTableTests {
    /// A key whose hash keeps only the bits `mask` lets through, complemented: many keys share
    /// their stored hash bits and one of the last buckets as their home, so lookups probe long
    /// runs that wrap around to the first buckets, and removals shift them back across the end.
    struct CollidingKey: Hashable {
        let id: Int
        let mask: Int

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }
        func hash(into hasher: inout Hasher) { hasher.combine(~(id & mask)) }
        var hashValue: Int { ~(id & mask) }
        func _rawHashValue(seed: Int) -> Int { hashValue }
    }

    /// Random inserts, overwrites and removals of `keys` (each removal by slot, as eviction does),
    /// checked step by step against a dictionary of key to slot and value.
    func replay<Key: Hashable>(keys: [Key], operations: Int, seed: UInt64) {
        var table = EntryTable<Key, Int>()
        var expected: [Key: (slot: SlotIndex, value: Int)] = [:]
        var random = SplitMix64(seed: seed)
        for step in 0..<operations {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            if let (slot, _) = expected[key] {
                if random.next() % 2 == 0 {
                    let replaced = table.replaceValue(ofKey: key, hashValue: key.hashValue, with: step)
                    #expect(replaced?.slot == slot)
                    #expect(replaced?.oldValue == expected[key]?.value)
                    expected[key] = (slot, step)
                } else {
                    let removed = table.removeEntry(at: slot)
                    #expect(removed.key == key && removed.value == expected[key]?.value)
                    expected[key] = nil
                }
            } else {
                #expect(table.slot(of: key) == nil)
                let slot = table.insert(key, step, hashValue: key.hashValue)
                #expect(!expected.values.contains { $0.slot == slot }, "slot \(slot) handed out twice")
                expected[key] = (slot, step)
            }
            if step % 64 == 0 || operations < 5_000 { table.checkInvariants() }
        }
        table.checkInvariants()
        #expect(table.count == expected.count)
        for key in keys {
            let found = table.lookUp(key, hashValue: key.hashValue)
            #expect(found?.slot == expected[key]?.slot && found?.value == expected[key]?.value)
        }
    }

    @Test func randomOperations_agreeWithADictionary() {
        replay(keys: Array(0..<3_000), operations: 60_000, seed: 1)
    }

    @Test(arguments: [0, 1, 7])
    func keysSharingHashBits_agreeWithADictionary(mask: Int) {
        // mask 0: every key in one run; 1 and 7: a few long runs, overlapping.
        replay(keys: (0..<300).map { CollidingKey(id: $0, mask: mask) }, operations: 6_000, seed: UInt64(mask) + 2)
    }

    @Test func slotsOfRemovedEntries_areReused_andMemoryFollowsThePeak() {
        var table = EntryTable<Int, Int>()
        for key in 0..<1_000 { _ = table.insert(key, key, hashValue: key.hashValue) }
        for key in 0..<1_000 where key % 2 == 0 { _ = table.removeEntry(at: table.slot(of: key)!) }
        var slots: Set<SlotIndex> = []
        for key in 1_000..<1_500 { slots.insert(table.insert(key, key, hashValue: key.hashValue)) }
        #expect(slots.allSatisfy { $0 < 1_000 }, "new entries took slots beyond the peak")
        #expect(table.count == 1_000)
        table.checkInvariants()
    }

    /// Counts live instances, so that a leak or a double release shows.
    final class Tracked: Sendable {
        static let live = Atomic<Int>(0)
        let id: Int

        init(_ id: Int) {
            self.id = id
            Self.live.wrappingAdd(1, ordering: .relaxed)
        }

        deinit { Self.live.wrappingAdd(-1, ordering: .relaxed) }
    }

    @Test func keysAndValues_areReleasedOnceEach_throughRemovalGrowthAndDeinit() {
        // Tracked instances are made only here, so the count is this test's alone.
        do {
            var table = EntryTable<Int, Tracked>()
            for key in 0..<5_000 { _ = table.insert(key, Tracked(key), hashValue: key.hashValue) }
            #expect(Tracked.live.load(ordering: .relaxed) == 5_000)
            for key in stride(from: 0, to: 5_000, by: 3) {
                let removed = table.removeEntry(at: table.slot(of: key)!)
                #expect(removed.value.id == key)
            }
            #expect(Tracked.live.load(ordering: .relaxed) == 5_000 - 1_667)
            for key in 0..<100 where key % 3 != 0 {
                #expect(
                    table.replaceValue(ofKey: key, hashValue: key.hashValue, with: Tracked(-key))?.oldValue.id == key
                )
            }
            #expect(Tracked.live.load(ordering: .relaxed) == 5_000 - 1_667)
            #expect(table.lookUp(1, hashValue: 1.hashValue)?.value.id == -1)
            table.checkInvariants()
        }
        #expect(Tracked.live.load(ordering: .relaxed) == 0)
    }
}
