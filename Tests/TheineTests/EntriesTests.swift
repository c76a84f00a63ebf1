import Testing

@testable import Theine

@Suite(.tags(.concurrency, .invariants))
struct EntriesTests {
    static func makeClock() -> ManualCacheClock { ManualCacheClock(now: .seconds(1_000)) }

    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func entries_areEveryLiveEntry_acrossShardsAndBatches(policy: EvictionPolicy, shardCount: Int) {
        let cache = Cache<Int, Int>(capacity: 10_000, policy: policy, shardCount: shardCount)
        for key in 0..<5_000 { cache.set(key, key * 3) }
        for key in stride(from: 0, to: 5_000, by: 7) { cache.remove(key) }
        let entries = cache.entries()
        let expected = Dictionary(uniqueKeysWithValues: (0..<5_000).filter { $0 % 7 != 0 }.map { ($0, $0 * 3) })
        #expect(entries.count == expected.count)
        #expect(Dictionary(entries, uniquingKeysWith: { first, _ in first }) == expected)
    }

    @Test func entries_leaveOutExpiredEntries() {
        let clock = Self.makeClock()
        let cache = Cache<Int, String>(capacity: 100, clock: clock)
        cache.set(1, "forever")
        cache.set(2, "brief", ttl: .seconds(5))
        cache.set(3, "longer", ttl: .seconds(50))
        clock.advance(by: .seconds(10))
        #expect(cache.entries().sorted { $0.key < $1.key }.map(\.value) == ["forever", "longer"])
    }

    @Test func entries_countNoRequest() {
        let cache = Cache<Int, Int>(capacity: 100)
        for key in 0..<10 { cache.set(key, key) }
        _ = cache.get(1)
        let before = cache.stats()
        _ = cache.entries()
        #expect(cache.stats() == before)
    }

    /// Copying in slot order, as a policy told of accesses would see 1, 2, 3, must not change
    /// which entry leaves next.
    @Test func entries_recordNoAccess() {
        let cache = Cache<Int, Int>(capacity: 3, policy: .lru)
        for key in 1...3 { cache.set(key, key) }
        _ = cache.get(1)
        _ = cache.entries()
        cache.set(4, 4)
        #expect(!cache.containsQuietly(2), "2 was the least recently used")
        #expect(cache.containsQuietly(1))
    }

    @Test func emptyCache_hasNoEntries() {
        #expect(Cache<Int, Int>(capacity: 10).entries().isEmpty)
    }

    /// A key removed and inserted again between batches may sit in a slot the walk has not reached:
    /// it appears once, with its newer value.
    @Test func keyMovedToALaterSlotBetweenBatches_appearsOnce_withItsNewValue() {
        let cache = Cache<Int, Int>(capacity: 10_000, policy: .lru, shardCount: 1)
        for key in 0..<3_000 { cache.set(key, key) }
        var batches = 0
        let entries = cache.entries {
            batches += 1
            guard batches == 1 else { return }
            // Free slot 10 and then slot 2,500; the next insertion takes 2,500 (freed last).
            cache.remove(10)
            cache.remove(2_500)
            cache.set(10, -10)
            cache.set(2_500, -2_500)
        }
        #expect(batches == 3)
        let values = entries.filter { $0.key == 10 }.map(\.value)
        #expect(values == [-10])
        #expect(Set(entries.map(\.key)).count == entries.count, "no key twice")
        #expect(entries.count >= 2_999)
    }

    @Test func whileWritersChurn_entriesHoldEveryUntouchedKey_andNoKeyTwice() {
        let cache = Cache<Int, Int>(capacity: 100_000, shardCount: 2)
        for key in 0..<30_000 { cache.set(key, key) }
        let running = Counter()
        let snapshots = LockedState<[[(key: Int, value: Int)]]>([])
        runOnThreads(3) { thread in
            if thread == 0 {
                for _ in 0..<5 { snapshots.withLock { $0.append(cache.entries()) } }
                running.increment()
                return
            }
            var round = 0
            while running.value == 0 {
                // Keys 20,000 and up change slots: removals and insertions in swapped order.
                let first = 20_000 + (thread * 5_000 + round * 2) % 10_000
                cache.remove(first)
                cache.remove(first + 1)
                cache.set(first, -first)
                cache.set(first + 1, -(first + 1))
                round += 1
            }
        }
        for entries in snapshots.withLock({ $0 }) {
            #expect(Set(entries.map(\.key)).count == entries.count, "no key twice")
            let stable = entries.filter { $0.key < 20_000 }
            #expect(stable.count == 20_000)
            #expect(stable.allSatisfy { $0.key == $0.value })
            #expect(entries.allSatisfy { $0.key == abs($0.value) })
        }
        cache.checkInvariants()
    }
}
