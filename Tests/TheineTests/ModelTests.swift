import Testing

@testable import Theine

/// The cache against an exact model (``CacheModel``) on seeded random sequences of every single-key
/// and bulk operation.
@Suite(.tags(.invariants))
struct ModelTests {
    /// Choices from a seeded generator.
    struct SeededChoices: ModelChoices {
        var random: SplitMix64

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    }

    /// A model of a cache of 24 entries (or a weight of 40) on 48 keys, whose disagreements are
    /// recorded as issues naming the seed.
    static func run(
        policy: EvictionPolicy,
        shardCount: Int,
        isWeighted: Bool,
        idle: Duration? = nil,
        seed: UInt64
    ) -> CacheModel<SeededChoices> {
        let configuration = CacheModel<SeededChoices>.Configuration(
            policy: policy,
            shardCount: shardCount,
            isWeighted: isWeighted,
            bound: isWeighted ? 40 : 24,
            idle: idle,
            admissionSeed: seed,
            keyCount: 48
        )
        return CacheModel(configuration, choices: SeededChoices(random: SplitMix64(seed: seed))) { message in
            Issue.record(Comment(rawValue: "\(message); seed \(seed)"))
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies, [false, true])
    func randomSequences_agreeWithTheModel(policy: EvictionPolicy, isWeighted: Bool) {
        for seed in UInt64(1)...20 {
            let run = Self.run(policy: policy, shardCount: seed % 2 == 0 ? 2 : 1, isWeighted: isWeighted, seed: seed)
            for _ in 0..<400 { run.step() }
            run.checkStats()
        }
    }

    /// With sliding expiration: every access renews an entry, which expires when idle for 1 to 4 s
    /// of the manual clock (the sequences advance it by up to 2 s at a time).
    @Test(arguments: EvictionPolicy.allPolicies, [false, true])
    func randomSequences_withSlidingExpiration_agreeWithTheModel(policy: EvictionPolicy, isWeighted: Bool) {
        for seed in UInt64(1)...10 {
            let run = Self.run(
                policy: policy,
                shardCount: seed % 2 == 0 ? 2 : 1,
                isWeighted: isWeighted,
                idle: .seconds(Int(seed % 4) + 1),
                seed: seed
            )
            for _ in 0..<400 { run.step() }
            run.checkStats()
        }
    }

    /// The same under a seed of this run's choosing, which the failures name.
    @Test(arguments: EvictionPolicy.allPolicies)
    func aRandomSeed_agreesWithTheModel(policy: EvictionPolicy) {
        let seed = UInt64.random(in: 0...UInt64.max)
        let run = Self.run(
            policy: policy,
            shardCount: 1 + Int(seed % 2),
            isWeighted: seed % 3 == 0,
            idle: seed % 5 < 2 ? .milliseconds(500 + Int(seed % 4_000)) : nil,
            seed: seed
        )
        for _ in 0..<2_000 { run.step() }
        run.checkStats()
    }
}

/// The model with several threads: each thread owns a range of keys and keeps its own exact model
/// of them, while another thread resizes the cache (which may evict any key). A read of an owned
/// key returns the thread's last live write or nothing; nothing is allowed only if that write was
/// evicted (the listener, on whichever thread evicted it, records it; checked once all threads
/// are done).
@Suite(.tags(.concurrency, .invariants))
struct ConcurrentModelTests {
    @Test(arguments: EvictionPolicy.allPolicies)
    func ownedKeys_agreeWithEachThreadsModel_whileResizesEvict(policy: EvictionPolicy) {
        let evicted = LockedState<Set<Int>>([])
        let cache = Cache<Int, Int>(capacity: 600, policy: policy, shardCount: 4) { _, value, cause in
            if cause == .evicted { evicted.withLock { _ = $0.insert(value) } }
        }
        let threadCount = 4
        let keysPerThread = 300
        // Each thread's reads that found nothing where it had a live write: (key, that write).
        let unexplained = LockedState<[(key: Int, value: Int)]>([])
        let finalModels = LockedState<[Int: Int]>([:])
        let workersDone = Counter()
        runOnThreads(threadCount + 1) { thread in
            guard thread < threadCount else {
                var random = SplitMix64(seed: 99)
                while workersDone.value < threadCount {
                    cache.resize(to: Int.random(in: 100..<800, using: &random))
                }
                return
            }
            var random = SplitMix64(seed: UInt64(thread) &+ 1)
            var model: [Int: Int] = [:]
            var missing: [(key: Int, value: Int)] = []
            let firstKey = thread * keysPerThread
            for step in 0..<20_000 {
                let key = firstKey + Int.random(in: 0..<keysPerThread, using: &random)
                // Values unique across threads: step, thread and a tag.
                let value = (step * threadCount + thread) * 4
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4:
                    cache.set(key, value)
                    model[key] = value
                case 4..<7:
                    let got = cache.get(key)
                    if let got {
                        #expect(got == model[key], "key \(key): read \(got), wrote \(String(describing: model[key]))")
                    } else if let written = model[key] {
                        missing.append((key, written))
                        model[key] = nil
                    }
                case 7..<8:
                    let removed = cache.remove(key)
                    if removed == nil, let written = model[key] { missing.append((key, written)) }
                    #expect(removed == nil || removed == model[key])
                    model[key] = nil
                default:
                    var seen: Int?? = .none
                    let stored = cache.update(key) { old in
                        seen = old
                        return value + 1
                    }
                    #expect(stored == value + 1)
                    if case .some(let old) = seen {
                        if let old { #expect(old == model[key]) }
                        if old == nil, let written = model[key] { missing.append((key, written)) }
                    }
                    model[key] = value + 1
                }
            }
            unexplained.withLock { $0.append(contentsOf: missing) }
            finalModels.withLock { $0.merge(model) { first, _ in first } }
            workersDone.increment()
        }
        let evictedValues = evicted.withLock { $0 }
        for (key, value) in unexplained.withLock({ $0 }) {
            #expect(evictedValues.contains(value), "key \(key): its value \(value) vanished without an eviction")
        }
        for (key, value) in finalModels.withLock({ $0 }) {
            let present = cache.peekQuietly(key)
            #expect(present == value || (present == nil && evictedValues.contains(value)), "key \(key)")
        }
        #expect(cache.count <= cache.capacity)
        cache.checkInvariants()
    }
}
