import Testing

@testable import Theine

/// The cache against an exact model, on random sequences of every single-key and bulk operation:
/// the model is a dictionary of what was written and not yet departed (the removal listener tells
/// of every departure, so evictions are known exactly), with each entry's deadline and, for a
/// cache with sliding expiration, its last access.
///
/// Every write stores a value never written before, so a departure names the write it undoes. The
/// cache is closed (a closed cache works as a map, without the background ticker), so every
/// departure happens within the call that causes it, on the test's thread.
@Suite(.tags(.invariants))
struct ModelTests {
    /// One random sequence's cache and its model.
    private final class Run {
        let clock = ManualCacheClock(now: .seconds(1_000))
        let departed = LockedState<[(key: Int, value: Int, cause: RemovalCause)]>([])
        let cache: Cache<Int, Int>
        let isWeighted: Bool
        /// What was written and has not departed: value, deadline (nil: none) and last access.
        var model: [Int: Entry] = [:]
        /// The cache's `expireAfterAccess`.
        let idle: Duration?
        var random: SplitMix64
        var nextValue = 1
        var requests = 0
        var departures: [RemovalCause: Int] = [:]
        var evictedWeight = 0
        let seed: UInt64

        typealias Entry = (value: Int, deadline: Duration?, lastAccess: Duration)

        init(policy: EvictionPolicy, shardCount: Int, isWeighted: Bool, idle: Duration? = nil, seed: UInt64) {
            self.seed = seed
            random = SplitMix64(seed: seed)
            self.isWeighted = isWeighted
            self.idle = idle
            let departed = departed
            let listener: @Sendable (Int, Int, RemovalCause) -> Void = { key, value, cause in
                departed.withLock { $0.append((key, value, cause)) }
            }
            if isWeighted {
                cache = Cache(
                    maximumWeight: 40,
                    weigher: { _, value in Self.weight(of: value) },
                    policy: policy,
                    admissionSeed: seed,
                    shardCount: shardCount,
                    expireAfterAccess: idle,
                    clock: clock,
                    onRemoval: listener
                )
            } else {
                cache = Cache(
                    capacity: 24,
                    policy: policy,
                    admissionSeed: seed,
                    shardCount: shardCount,
                    expireAfterAccess: idle,
                    clock: clock,
                    onRemoval: listener
                )
            }
            cache.close()
        }

        static func weight(of value: Int) -> Int { value % 4 }

        func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &random) }

        func freshValue() -> Int {
            defer { nextValue += 1 }
            return nextValue
        }

        func ttl() -> Duration? {
            switch int(0..<4) {
            case 0: .seconds(int(1..<6))
            case 1: .milliseconds(int(100..<3_000))
            default: nil
            }
        }

        func deadline(for ttl: Duration?) -> Duration? { ttl.map { clock.now + $0 } }

        /// The value the model holds live for `key`.
        func live(_ key: Int) -> Int? {
            model[key].flatMap { live(for: $0) }
        }

        var liveEntries: [Int: Int] { model.compactMapValues { live(for: $0) } }

        func live(for entry: Entry) -> Int? {
            if let deadline = entry.deadline, deadline <= clock.now { return nil }
            if let idle, entry.lastAccess + idle <= clock.now { return nil }
            return entry.value
        }

        /// A new entry written now.
        func written(_ value: Int, ttl: Duration?) -> Entry { (value, deadline(for: ttl), clock.now) }

        /// Records an access to `key`'s live entry.
        func access(_ key: Int) { model[key]?.lastAccess = clock.now }

        /// Takes the departures the last call caused out of the model: each names the write it
        /// undoes by its value.
        func settleDepartures() {
            let latest = departed.withLock { list in
                defer { list.removeAll() }
                return list
            }
            for departure in latest {
                departures[departure.cause, default: 0] += 1
                if departure.cause == .evicted { evictedWeight += isWeighted ? Self.weight(of: departure.value) : 1 }
                guard let entry = model[departure.key], entry.value == departure.value else { continue }
                if departure.cause == .expired {
                    #expect(live(for: entry) == nil, "\(departure.key) departed expired while live, seed \(seed)")
                }
                model[departure.key] = nil
            }
        }

        /// Runs one random operation, checking what it returns against the model.
        func step() {
            let key = int(0..<48)
            switch int(0..<100) {
            case 0..<25:
                let value = freshValue()
                let ttl = ttl()
                cache.set(key, value, ttl: ttl)
                model[key] = written(value, ttl: ttl)
            case 25..<35:
                let value = freshValue()
                let ttl = ttl()
                let expected = live(key) == nil
                #expect(cache.setIfAbsent(key, value, ttl: ttl) == expected)
                if expected { model[key] = written(value, ttl: ttl) }
            case 35..<60:
                requests += 1
                let expected = live(key)
                #expect(cache.get(key) == expected, "get(\(key)), seed \(seed)")
                if expected != nil { access(key) }
            case 60..<66:
                requests += 1
                let value = freshValue()
                let expected = live(key)
                let ttl = ttl()
                var loads = 0
                let got = try? cache.get(key, ttl: ttl) { _ in
                    loads += 1
                    return value
                }
                #expect(got == (expected ?? value))
                #expect(loads == (expected == nil ? 1 : 0))
                if expected == nil { model[key] = written(value, ttl: ttl) } else { access(key) }
            case 66..<74:
                #expect(cache.remove(key) == live(key), "remove(\(key)), seed \(seed)")
            case 74..<84:
                updateStep(key)
            case 84..<86:
                let expected = liveEntries.filter { $0.value % 3 == 0 }.count
                #expect(cache.removeAll { _, value in value % 3 == 0 } == expected)
            case 86..<87:
                cache.removeAll()
            case 87..<89:
                let bounds = cache.resizableBounds
                cache.resize(to: isWeighted ? int(max(bounds.lowerBound, 4)..<60) : int(bounds.lowerBound..<40))
            case 89..<95:
                clock.advance(by: .milliseconds(int(0..<2_000)))
            default:
                inspectionStep()
            }
            settleDepartures()
            checkAgreement()
        }

        func updateStep(_ key: Int) {
            let expected = live(key)
            let replacement = int(0..<4) == 0 ? nil : freshValue()
            let ttl = int(0..<2) == 0 ? ttl() : nil
            var seen: [Int?] = []
            let stored = cache.update(key, ttl: ttl) { old in
                seen.append(old)
                return replacement
            }
            #expect(seen == [expected], "update(\(key)) ran its body once, on the live value; seed \(seed)")
            #expect(stored == replacement)
            guard let replacement else {
                model[key] = nil
                return
            }
            // `ttl: nil` keeps the live entry's deadline; a new entry then has none.
            let keptDeadline = expected == nil ? nil : model[key]?.deadline
            model[key] = (replacement, ttl == nil ? keptDeadline : deadline(for: ttl), clock.now)
        }

        func inspectionStep() {
            let live = liveEntries
            let entries = cache.entries()
            #expect(Dictionary(entries, uniquingKeysWith: { first, _ in first }) == live, "seed \(seed)")
            #expect(entries.count == live.count)
            let limit = int(0..<30)
            for walk in [cache.coldest(limit), cache.hottest(limit)] {
                #expect(walk.count == min(limit, live.count))
                #expect(Set(walk.map(\.key)).count == walk.count)
                #expect(walk.allSatisfy { live[$0.key] == $0.value })
            }
        }

        /// The cache holds exactly the model's entries, expired ones not yet removed included.
        func checkAgreement() {
            #expect(cache.count == model.count, "seed \(seed)")
            if isWeighted {
                #expect(cache.totalWeight == model.values.reduce(0) { $0 + Self.weight(of: $1.value) })
                #expect(cache.totalWeight <= cache.maximumWeight!)
            } else {
                #expect(cache.count <= cache.capacity)
            }
            cache.checkInvariants()
        }

        /// The counters add up to what the sequence did and what departed.
        func checkStats() {
            let stats = cache.stats()
            #expect(stats.hitCount + stats.missCount == requests, "seed \(seed)")
            #expect(stats.evictionCount == departures[.evicted, default: 0])
            #expect(stats.evictionWeight == evictedWeight)
            #expect(stats.expirationCount == departures[.expired, default: 0])
            #expect(stats.explicitRemovalCount == departures[.explicit, default: 0])
            #expect(stats.replacementCount == departures[.replaced, default: 0])
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies, [false, true])
    func randomSequences_agreeWithTheModel(policy: EvictionPolicy, isWeighted: Bool) {
        for seed in UInt64(1)...20 {
            let run = Run(policy: policy, shardCount: seed % 2 == 0 ? 2 : 1, isWeighted: isWeighted, seed: seed)
            for _ in 0..<400 { run.step() }
            run.checkStats()
        }
    }

    /// With sliding expiration: every access renews an entry, which expires when idle for 1 to 4 s
    /// of the manual clock (the sequences advance it by up to 2 s at a time).
    @Test(arguments: EvictionPolicy.allPolicies, [false, true])
    func randomSequences_withSlidingExpiration_agreeWithTheModel(policy: EvictionPolicy, isWeighted: Bool) {
        for seed in UInt64(1)...10 {
            let run = Run(
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
        let run = Run(
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
