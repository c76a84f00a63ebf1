import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Concurrent histories of the cache, checked for linearizability against ``CacheSpecification``;
/// and the checker itself, on histories whose answer is known.
@Suite(.tags(.concurrency))
struct LinearizabilityTests {
    typealias Operation = CacheSpecification.Operation

    /// Whether the history of `(operation, invoked, returned)` is linearizable on `keyCount`
    /// keys, whose loaders produced `loaded` (of key 0).
    static func isLinearizable(_ operations: [(Operation, Int, Int)], keyCount: Int = 2, loaded: Set<Int> = []) -> Bool
    {
        var loadedValues = [Set<Int>](repeating: [], count: keyCount)
        loadedValues[0] = loaded
        let specification = CacheSpecification(keyCount: keyCount, loadedValues: loadedValues)
        return LinearizabilityChecker(specification: specification).isLinearizable(
            operations.map { TimedOperation(operation: $0.0, invoked: $0.1, returned: $0.2) }
        )
    }

    // MARK: The checker

    @Test func sequentialHistories_areJudgedByTheSpecification() {
        #expect(Self.isLinearizable([]))
        #expect(Self.isLinearizable([(.set(key: 0, value: 1), 0, 1), (.get(key: 0, returned: 1), 2, 3)]))
        // A read that misses a completed write.
        #expect(!Self.isLinearizable([(.set(key: 0, value: 1), 0, 1), (.get(key: 0, returned: nil), 2, 3)]))
        // A stale read.
        #expect(
            !Self.isLinearizable([
                (.set(key: 0, value: 1), 0, 1), (.set(key: 0, value: 2), 2, 3), (.get(key: 0, returned: 1), 4, 5),
            ])
        )
        // Two setIfAbsent that both stored.
        #expect(
            !Self.isLinearizable([
                (.setIfAbsent(key: 0, value: 1, returned: true), 0, 1),
                (.setIfAbsent(key: 0, value: 2, returned: true), 2, 3),
            ])
        )
        // A removal returns what it removed, once.
        #expect(
            Self.isLinearizable([
                (.set(key: 1, value: 5), 0, 1), (.remove(key: 1, returned: 5), 2, 3),
                (.remove(key: 1, returned: nil), 4, 5),
            ])
        )
        #expect(
            !Self.isLinearizable([
                (.set(key: 1, value: 5), 0, 1), (.remove(key: 1, returned: 5), 2, 3),
                (.remove(key: 1, returned: 5), 4, 5),
            ])
        )
    }

    @Test func overlappingOperations_takeEffectInSomeOrderWithinTheirIntervals() {
        // A write overlapping two reads: the first may miss it and the second see it...
        #expect(
            Self.isLinearizable([
                (.set(key: 0, value: 1), 0, 5), (.get(key: 0, returned: nil), 1, 2), (.get(key: 0, returned: 1), 3, 4),
            ])
        )
        // ...but once one read saw it, a later read cannot miss it.
        #expect(
            !Self.isLinearizable([
                (.set(key: 0, value: 1), 0, 5), (.get(key: 0, returned: 1), 1, 2), (.get(key: 0, returned: nil), 3, 4),
            ])
        )
        // Of two racing setIfAbsent, the winner's value is the one read after both.
        #expect(
            Self.isLinearizable([
                (.setIfAbsent(key: 0, value: 1, returned: false), 0, 3),
                (.setIfAbsent(key: 0, value: 2, returned: true), 1, 2), (.get(key: 0, returned: 2), 4, 5),
            ])
        )
        #expect(
            !Self.isLinearizable([
                (.setIfAbsent(key: 0, value: 1, returned: false), 0, 3),
                (.setIfAbsent(key: 0, value: 2, returned: true), 1, 2), (.get(key: 0, returned: 1), 4, 5),
            ])
        )
        // Writes to two keys, one after the other, seen in the opposite order: the second key's
        // value read, then the first key's missed.
        #expect(
            !Self.isLinearizable([
                (.set(key: 0, value: 1), 0, 1), (.set(key: 1, value: 1), 2, 3),
                (.get(key: 1, returned: 1), 1, 4), (.get(key: 0, returned: nil), 5, 6),
            ])
        )
        // A search that must undo a choice: the read of 2 has to come after the write of 2, which
        // the walk meets after it first linearized the read of 1.
        #expect(
            Self.isLinearizable([
                (.set(key: 0, value: 1), 0, 10), (.set(key: 0, value: 2), 1, 11), (.get(key: 0, returned: 2), 2, 12),
                (.get(key: 0, returned: 1), 3, 13),
            ])
        )
    }

    @Test func theLoadingGet_mayLoadWithoutStoring_orJoinAnotherLoad_butOnlyOnAMiss() {
        let (mine, other) = (1 << 40 | 7, 1 << 40 | 8)
        // Its value dropped by a write during the load: returned, not stored.
        #expect(
            Self.isLinearizable(
                [
                    (.loadingGet(key: 0, loaded: mine, returned: mine), 0, 5), (.set(key: 0, value: 1), 1, 2),
                    (.get(key: 0, returned: 1), 6, 7),
                ],
                loaded: [mine]
            )
        )
        // A caller that joined another's load returns that load's value.
        #expect(
            Self.isLinearizable(
                [
                    (.loadingGet(key: 0, loaded: other, returned: other), 0, 5),
                    (.loadingGet(key: 0, loaded: mine, returned: other), 1, 4),
                ],
                loaded: [other]
            )
        )
        // A value no loader produced.
        #expect(!Self.isLinearizable([(.loadingGet(key: 0, loaded: mine, returned: other), 0, 1)], loaded: [mine]))
        // A hit returns the value present.
        #expect(
            !Self.isLinearizable(
                [(.set(key: 0, value: 1), 0, 1), (.loadingGet(key: 0, loaded: mine, returned: mine), 2, 3)],
                loaded: [mine]
            )
        )
    }

    // MARK: The cache

    /// The seed of the first history: `THEINE_LINEARIZABILITY_SEED` to repeat a run, else fixed.
    static let seed = getenv("THEINE_LINEARIZABILITY_SEED").flatMap { UInt64(String(cString: $0)) } ?? 2_026

    /// Histories recorded for each policy and shard count: `THEINE_LINEARIZABILITY_HISTORIES`, else
    /// 200.
    static let historiesPerCase =
        getenv("THEINE_LINEARIZABILITY_HISTORIES").flatMap { Int(String(cString: $0)) }.map { max($0, 1) } ?? 200

    /// Histories of 3 or 4 threads on 2 or 3 keys, each checked; every policy, one shard and
    /// several. At least 30 % of the histories must have operations of different threads that
    /// overlap (the run prints the share), or the check would say little. The threads are started
    /// and joined from a thread of its own, so that the test holds none of the few threads that
    /// run the other suites' tasks meanwhile.
    @Test(arguments: EvictionPolicy.allPolicies, [1, 4])
    func concurrentHistories_areLinearizable(policy: EvictionPolicy, shardCount: Int) async {
        let histories = Self.historiesPerCase
        let run = await onThread { Self.record(histories, policy: policy, shardCount: shardCount) }
        #expect(run.failures.isEmpty, "not linearizable: \(policy), \(shardCount) shards: \(run.failures)")
        print(
            "linearizability, \(policy), \(shardCount) shards: \(histories) histories from seed \(Self.seed), "
                + "\(run.overlapping * 100 / histories) % with overlapping operations "
                + "(\(run.overlappingOperations * 100 / run.operations) % of the operations)"
        )
        #expect(run.overlapping * 10 >= histories * 3)
    }

    /// What recording and checking `count` histories found.
    struct Run: Sendable {
        /// The seed and history of each one that is not linearizable.
        var failures: [String] = []
        /// Histories with operations of different threads that overlap.
        var overlapping = 0
        var overlappingOperations = 0
        var operations = 0
    }

    static func record(_ count: Int, policy: EvictionPolicy, shardCount: Int) -> Run {
        var run = Run()
        for index in 0..<count {
            let seed = seed &+ UInt64(index)
            let recorder = CacheHistoryRecorder(
                threadCount: 3 + index % 2,
                keyCount: 2 + index / 2 % 2,
                operationsPerThread: 16
            )
            let cache = Cache<Int, Int>(capacity: 64, policy: policy, admissionSeed: seed, shardCount: shardCount)
            let recorded = recorder.record(on: cache, seed: seed)
            if !LinearizabilityChecker(specification: recorded.specification).isLinearizable(recorded.history) {
                run.failures.append("seed \(seed): \(recorded.history)")
            }
            let overlaps = recorded.overlappingOperationCount
            if overlaps > 0 { run.overlapping += 1 }
            run.overlappingOperations += overlaps
            run.operations += recorded.history.count
        }
        return run
    }
}
