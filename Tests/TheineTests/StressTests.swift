import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body(thread)` on `count` new threads at once and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = (0..<count).map { thread in startThread { body(thread) } }
    for thread in threads { pthread_join(thread, nil) }
}

/// Runs `body` on a new thread and suspends until it returns: for async tests that call the
/// blocking API. Joining a thread would block one of the cooperative pool's threads (two on a
/// two-core machine): two such tests at once, each waiting for a task, would leave no thread to
/// run it.
func onThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        pthread_detach(startThread { continuation.resume(returning: body()) })
    }
}

/// Many threads and tasks on one cache, then invariants.
@Suite(.serialized, .tags(.concurrency))
struct StressTests {
    static let threadCount = 8
    static let operationsPerThread = 100_000
    static let keySpace: UInt64 = 2_000

    /// Values encode their key, so a read can tell whether the value was written for that key.
    static func value(for key: UInt64, writer: Int, sequence: Int) -> UInt64 {
        key << 32 | UInt64(writer) << 24 | UInt64(sequence & 0xFF_FFFF)
    }

    /// What one operation of the mixed workload did: whether it was a read (a request), and whether
    /// it saw a value that does not belong to its key.
    struct OperationOutcome {
        var isRead = false
        var sawWrongValue = false
    }

    /// One random operation of the mixed workload on `key`: half reads, a quarter sets, an eighth
    /// `setIfAbsent`, an eighth removals. A value read or removed must belong to its key.
    static func mixedOperation(
        on cache: Cache<UInt64, UInt64>,
        key: UInt64,
        random: inout SplitMix64,
        writer: Int,
        sequence: Int
    ) -> OperationOutcome {
        var outcome = OperationOutcome()
        switch random.next() % 8 {
        case 0, 1, 2, 3:
            outcome.isRead = true
            if let value = cache.get(key), value >> 32 != key { outcome.sawWrongValue = true }
        case 4, 5:
            cache.set(key, value(for: key, writer: writer, sequence: sequence))
        case 6:
            cache.setIfAbsent(key, value(for: key, writer: writer, sequence: sequence))
        default:
            if let value = cache.remove(key), value >> 32 != key { outcome.sawWrongValue = true }
        }
        return outcome
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func mixedOperations_manyThreads_keepInvariants(policy: EvictionPolicy) {
        let cache = Cache<UInt64, UInt64>(capacity: 500, policy: policy)
        let wrongValues = LockedState(0)
        runOnThreads(Self.threadCount) { thread in
            var random = SplitMix64(seed: UInt64(thread))
            var wrong = 0
            for sequence in 0..<Self.operationsPerThread {
                let key = random.next() % Self.keySpace
                let outcome = Self.mixedOperation(
                    on: cache,
                    key: key,
                    random: &random,
                    writer: thread,
                    sequence: sequence
                )
                if outcome.sawWrongValue { wrong += 1 }
            }
            wrongValues.withLock { $0 += wrong }
        }
        #expect(wrongValues.withLock { $0 } == 0)
        #expect(cache.count <= cache.capacity)
        cache.checkInvariants()
        let stats = cache.stats()
        #expect(stats.requestCount > 0)
        for key in 0..<Self.keySpace {
            if let value = cache.get(key) { #expect(value >> 32 == key) }
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func racingSetIfAbsent_exactlyOneWinsPerKey(policy: EvictionPolicy) {
        let keys = 2_000
        let cache = Cache<Int, Int>(capacity: keys, policy: policy)
        let wins = LockedState([Int](repeating: 0, count: keys))
        runOnThreads(Self.threadCount) { thread in
            var won: [Int] = []
            for key in 0..<keys where cache.setIfAbsent(key, thread) {
                won.append(key)
            }
            wins.withLock { counts in
                for key in won { counts[key] += 1 }
            }
        }
        #expect(wins.withLock { $0 }.allSatisfy { $0 == 1 })
        #expect(cache.count == keys)
        cache.checkInvariants()
    }

    @Test(arguments: EvictionPolicy.allPolicies)
    func mixedOperations_manyTasks_keepInvariants(policy: EvictionPolicy) async {
        let cache = Cache<UInt64, UInt64>(capacity: 300, policy: policy)
        let wrong = await withTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var random = SplitMix64(seed: 1_000 + UInt64(task))
                    var wrong = 0
                    for sequence in 0..<5_000 {
                        let key = random.next() % 1_000
                        if random.next() % 2 == 0 {
                            if let value = cache.get(key), value >> 32 != key { wrong += 1 }
                        } else {
                            cache.set(key, Self.value(for: key, writer: task, sequence: sequence))
                        }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        #expect(cache.count <= cache.capacity)
        cache.checkInvariants()
    }

    /// Threads write with TTLs, read and remove while one thread moves a manual clock and removes
    /// expired entries: no read returns an expired value, and the structures stay consistent.
    @Test(arguments: EvictionPolicy.allPolicies)
    func expiringEntries_manyThreads_neverReturnExpiredValues(policy: EvictionPolicy) {
        let clock = ManualCacheClock()
        let cache = Cache<UInt64, Int64>(capacity: 500, policy: policy, clock: clock)
        // Held by writers around each write and by the clock's thread around each advance, so that a
        // writer knows the exact time of its write and stores the entry's deadline as its value.
        // Reads, removals and expiry race with everything. (It counts the clock's moves: a lock over
        // an empty state would share its address with the mutex, which ThreadSanitizer reports.)
        let timeGate = LockedState(0)
        let expiredReads = LockedState(0)
        let ttlMilliseconds: UInt64 = 3_000
        runOnThreads(Self.threadCount) { thread in
            var random = SplitMix64(seed: 77 + UInt64(thread))
            var expired = 0
            for _ in 0..<Self.operationsPerThread / 2 {
                if thread == 0 {
                    timeGate.withLock { moves in
                        clock.advance(by: .milliseconds(Int64(random.next() % 20)))
                        moves += 1
                    }
                    if random.next() % 16 == 0 { cache.removeExpired() }
                    continue
                }
                let key = random.next() % Self.keySpace
                switch random.next() % 4 {
                case 0, 1:
                    let before = clock.now.nanosecondsClamped
                    if let deadline = cache.get(key), deadline <= before { expired += 1 }
                case 2:
                    let ttl = Duration.milliseconds(Int64(random.next() % ttlMilliseconds + 1))
                    timeGate.withLock { _ in
                        cache.set(key, clock.now.nanosecondsClamped + ttl.nanosecondsClamped, ttl: ttl)
                    }
                default:
                    cache.remove(key)
                }
            }
            expiredReads.withLock { $0 += expired }
        }
        #expect(expiredReads.withLock { $0 } == 0)
        #expect(cache.count <= cache.capacity)
        cache.checkInvariants()
        clock.advance(by: .milliseconds(Int64(ttlMilliseconds)))
        cache.removeExpired()
        #expect(cache.count == 0)
    }

    /// Sixteen threads on a cache of eight shards: values belong to their keys, the count never
    /// exceeds the capacity even while writes are in flight, and the stats add up afterwards.
    @Test(arguments: EvictionPolicy.allPolicies)
    func mixedOperations_sixteenThreads_shardedCache_keepInvariants(policy: EvictionPolicy) {
        let capacity = 4_096
        let cache = Cache<UInt64, UInt64>(capacity: capacity, policy: policy, admissionSeed: 9, shardCount: 8)
        let violations = LockedState((wrongValues: 0, overCapacity: 0, reads: 0))
        runOnThreads(16) { thread in
            var random = SplitMix64(seed: 500 + UInt64(thread))
            var wrong = 0
            var over = 0
            var reads = 0
            for sequence in 0..<Self.operationsPerThread / 4 {
                let key = random.next() % 20_000
                let outcome = Self.mixedOperation(
                    on: cache,
                    key: key,
                    random: &random,
                    writer: thread,
                    sequence: sequence
                )
                if outcome.isRead { reads += 1 }
                if outcome.sawWrongValue { wrong += 1 }
                if thread == 0 && sequence % 64 == 0 && cache.count > capacity { over += 1 }
            }
            violations.withLock { $0 = ($0.wrongValues + wrong, $0.overCapacity + over, $0.reads + reads) }
        }
        let (wrongValues, overCapacity, reads) = violations.withLock { $0 }
        #expect(wrongValues == 0)
        #expect(overCapacity == 0)
        #expect(cache.count <= capacity)
        #expect(cache.stats().requestCount == reads)
        cache.checkInvariants()
    }

    /// Read your writes: a value a thread has written is visible to its own next read and to any
    /// thread that learns of the write afterwards (here through a published version number).
    @Test(arguments: EvictionPolicy.allPolicies)
    func writes_areVisibleToTheNextReadOfAnyThread(policy: EvictionPolicy) {
        let keys = 512
        // Large enough that nothing is evicted: every written key must be found.
        let cache = Cache<Int, Int>(capacity: 65_536, policy: policy, admissionSeed: 3, shardCount: 8)
        let published = LockedState([Int](repeating: -1, count: keys))
        let failures = LockedState(0)
        runOnThreads(8) { thread in
            var failed = 0
            for round in 0..<2_000 {
                if thread < 4 {
                    // Writers own keys ≡ thread (mod 4) and write increasing versions.
                    let key = (round * 4 + thread) % keys
                    let version = round
                    cache.set(key, version)
                    if cache.get(key) != version { failed += 1 }  // its own next read
                    published.withLock { $0[key] = max($0[key], version) }
                } else {
                    // Readers: a key published at version v reads v or later.
                    let key = (round * 7 + thread) % keys
                    let version = published.withLock { $0[key] }
                    guard version >= 0 else { continue }
                    if (cache.get(key) ?? -1) < version { failed += 1 }
                }
            }
            failures.withLock { $0 += failed }
        }
        #expect(failures.withLock { $0 } == 0)
    }
}
