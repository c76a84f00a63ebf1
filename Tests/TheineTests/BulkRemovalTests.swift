import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private struct PredicateFailure: Error, Equatable {}

@Suite(.tags(.concurrency, .invariants))
struct BulkRemovalTests {
    static func makeClock() -> ManualCacheClock { ManualCacheClock(now: .seconds(1_000)) }

    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func removesWhatThePredicateChooses_acrossShardsAndBatches(policy: EvictionPolicy, shardCount: Int) {
        let departed = Departed()
        let cache = Cache<Int, Int>(
            capacity: 10_000,
            policy: policy,
            shardCount: shardCount,
            onRemoval: departed.record
        )
        for key in 0..<5_000 { cache.set(key, key * 2) }
        let removed = cache.removeAll { key, value in
            #expect(value == key * 2)
            return key % 3 == 0
        }
        #expect(removed == 1_667)
        #expect(cache.count == 5_000 - 1_667)
        #expect(cache.entries().allSatisfy { $0.key % 3 != 0 })
        #expect(cache.stats().explicitRemovalCount == 1_667)
        let departures = departed.all
        #expect(departures.count == 1_667)
        #expect(departures.allSatisfy { $0.cause == .explicit && $0.key % 3 == 0 && $0.value == $0.key * 2 })
        cache.checkInvariants()
    }

    @Test func predicate_runsOutsideTheLock_andMayReadAndWriteTheSameShard() {
        let cache = Cache<Int, Int>(capacity: 100, shardCount: 1)
        for key in 0..<10 { cache.set(key, key) }
        var sawALock = false
        let removed = cache.removeAll { key, _ in
            sawALock = sawALock || cache.isAnyShardLocked
            cache.set(key + 100, key)
            return cache.get(key) != nil && key < 5
        }
        #expect(!sawALock)
        #expect(removed == 5)
        #expect(cache.count == 15)
    }

    @Test func entryWrittenAfterThePredicateExaminedIt_staysWithItsNewValue() {
        let cache = Cache<Int, Int>(capacity: 100)
        for key in 0..<10 { cache.set(key, key) }
        let removed = cache.removeAll { key, _ in
            if key == 4 { cache.set(4, 40) }
            return true
        }
        #expect(removed == 9)
        #expect(cache.entries().map(\.key) == [4])
        #expect(cache.get(4) == 40)
    }

    @Test func entryRemovedAndWrittenBackAfterThePredicateExaminedIt_stays() {
        let cache = Cache<Int, Int>(capacity: 100)
        for key in 0..<10 { cache.set(key, key) }
        let removed = cache.removeAll { key, _ in
            if key == 4 {
                cache.remove(4)
                cache.set(4, 4)
            }
            return true
        }
        #expect(removed == 9)
        #expect(cache.get(4) == 4)
    }

    @Test func throwingPredicate_stopsTheWalk_keepingWhatItChose_andRethrows() {
        let departed = Departed()
        let cache = Cache<Int, Int>(capacity: 100, shardCount: 1, onRemoval: departed.record)
        for key in 0..<10 { cache.set(key, key) }
        var examined: [Int] = []
        #expect(throws: PredicateFailure()) {
            try cache.removeAll { key, _ in
                examined.append(key)
                if key == 5 { throw PredicateFailure() }
                return key % 2 == 0
            }
        }
        #expect(examined == Array(0...5))
        #expect(departed.all.map(\.key) == [0, 2, 4])
        #expect(cache.count == 7)
        // The batch's watches ended: an update and a load of its keys go on.
        #expect(cache.update(7) { $0! + 1 } == 8)
        #expect(cache._shard(for: 7).withLock { $0._watches.isEmpty })
        cache.checkInvariants()
    }

    @Test func expiredEntries_areNotExamined_andEntriesExpiringMeanwhileLeaveAsExpired() {
        let clock = Self.makeClock()
        let cache = Cache<Int, Int>(capacity: 100, clock: clock)
        cache.set(1, 1, ttl: .seconds(5))
        cache.set(2, 2, ttl: .seconds(50))
        cache.set(3, 3)
        clock.advance(by: .seconds(10))
        var examined: [Int] = []
        let removed = cache.removeAll { key, _ in
            examined.append(key)
            if key == 2 { clock.advance(by: .seconds(100)) }
            return key != 3
        }
        #expect(examined.sorted() == [2, 3])
        #expect(removed == 0)
        #expect(cache.stats().explicitRemovalCount == 0)
        #expect(cache.entries().map(\.key) == [3])
    }

    @Test func closedCache_removesAsAnOpenOne() {
        let cache = Cache<Int, Int>(capacity: 100)
        for key in 0..<10 { cache.set(key, key) }
        cache.close()
        #expect(cache.removeAll { key, _ in key < 3 } == 3)
        #expect(cache.count == 7)
    }

    /// Writers give keys even values while the walk removes odd ones: a key written during the
    /// walk keeps its value, every other key leaves.
    @Test func concurrentWriters_neverLoseAWriteToTheWalk() {
        let keyCount = 20_000
        let cache = Cache<Int, Int>(capacity: 100_000, shardCount: 4)
        for key in 0..<keyCount { cache.set(key, 2 * key + 1) }
        let walks = Counter()
        let writing = Counter()
        let written = LockedState<Set<Int>>([])
        runOnThreads(3) { thread in
            if thread == 0 {
                // The walk begins once both writers write: on a loaded machine it could otherwise
                // end before either was scheduled, and test nothing.
                while writing.value < 2 { usleep(100) }
                cache.removeAll { _, value in value % 2 == 1 }
                walks.increment()
                return
            }
            var key = thread - 1
            var mine: [Int] = []
            repeat {
                cache.set(key, 2 * key)
                mine.append(key)
                if mine.count == 1 { writing.increment() }
                key += 2
            } while walks.value == 0 && key < keyCount
            written.withLock { $0.formUnion(mine) }
        }
        let writtenKeys = written.withLock { $0 }
        #expect(!writtenKeys.isEmpty)
        for key in 0..<keyCount {
            if writtenKeys.contains(key) {
                #expect(cache.get(key) == 2 * key, "key \(key) was written during the walk")
            } else {
                #expect(cache.get(key) == nil, "key \(key) was never written: it leaves")
            }
        }
        cache.checkInvariants()
    }
}
