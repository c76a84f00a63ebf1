@testable import Theine

/// The fuzz check of the `Cache` API: the input is a program, a cache's configuration followed by
/// operations (set, setIfAbsent, get, the blocking loading get, remove, removeAll, update,
/// removeAll(where:), resize, clock advances, inspections), run against an exact model.
///
/// The model holds what was written and has not departed; the removal listener names every
/// departure, so evictions are known exactly. The cache is closed (no background ticker) on a
/// `ManualCacheClock` with a fixed admission seed, so every departure happens inside the call that
/// causes it and the input alone decides the run (with `SWIFT_DETERMINISTIC_HASHING=1`, which
/// `scripts/fuzz` sets). Built with `THEINE_INTERNAL_CHECKS`, the cache also checks its own
/// invariants after every mutation.
public final class CacheOperationsCheck {
    /// A value in the model: when it expires (nil: never) and when it was last read or written.
    typealias Entry = (value: Int, deadline: Duration?, lastAccess: Duration)

    /// The keys programs use: few, so that operations meet.
    static let keyCount = 24

    let clock = ManualCacheClock(now: .seconds(1_000))
    let departed = LockedState<[(key: Int, value: Int, cause: RemovalCause)]>([])
    let cache: Cache<Int, Int>
    let isWeighted: Bool
    let idle: Duration?
    var model: [Int: Entry] = [:]
    var nextValue = 1
    var requests = 0
    var departures: [RemovalCause: Int] = [:]
    var evictedWeight = 0
    var program: FuzzInput

    public static func check(_ input: UnsafeRawBufferPointer) {
        let run = CacheOperationsCheck(program: FuzzInput(input))
        var steps = 0
        while !run.program.isAtEnd, steps < 2_000 {
            run.step()
            steps += 1
        }
        run.checkStats()
    }

    init(program: FuzzInput) {
        self.program = program
        let configuration = self.program.byte()
        let policy = EvictionPolicy.allPolicies[Int(configuration) % 3]
        let shardCount = configuration & 4 == 0 ? 1 : 2
        isWeighted = configuration & 8 != 0
        idle = configuration & 16 == 0 ? nil : .milliseconds(self.program.int(1...40) * 100)
        let bound = self.program.int(1...40)
        let departed = departed
        let listener: @Sendable (Int, Int, RemovalCause) -> Void = { key, value, cause in
            departed.withLock { $0.append((key, value, cause)) }
        }
        if isWeighted {
            cache = Cache(
                maximumWeight: bound,
                weigher: { _, value in Self.weight(of: value) },
                policy: policy,
                admissionSeed: 7,
                shardCount: shardCount,
                expireAfterAccess: idle,
                clock: clock,
                onRemoval: listener
            )
        } else {
            cache = Cache(
                capacity: bound,
                policy: policy,
                admissionSeed: 7,
                shardCount: shardCount,
                expireAfterAccess: idle,
                clock: clock,
                onRemoval: listener
            )
        }
        cache.close()
    }

    static func weight(of value: Int) -> Int { value % 4 }

    func freshValue() -> Int {
        defer { nextValue += 1 }
        return nextValue
    }

    /// A TTL chosen by the program: none, or 100 ms to 6.3 s.
    func ttl() -> Duration? {
        let choice = program.byte()
        return choice < 128 ? nil : .milliseconds(Int(choice - 127) * 50)
    }

    /// The model's live value for `key`.
    func live(_ key: Int) -> Int? { model[key].flatMap(live(for:)) }

    func live(for entry: Entry) -> Int? {
        if let deadline = entry.deadline, deadline <= clock.now { return nil }
        if let idle, entry.lastAccess + idle <= clock.now { return nil }
        return entry.value
    }

    var liveEntries: [Int: Int] { model.compactMapValues(live(for:)) }

    func written(_ value: Int, ttl: Duration?) -> Entry { (value, ttl.map { clock.now + $0 }, clock.now) }

    func access(_ key: Int) { model[key]?.lastAccess = clock.now }

    /// Runs the program's next operation and checks what it returned, then the cache's state.
    func step() {
        let operation = program.byte()
        let key = program.int(0...(Self.keyCount - 1))
        switch operation % 16 {
        case 0, 1, 2:
            let value = freshValue()
            let ttl = ttl()
            cache.set(key, value, ttl: ttl)
            model[key] = written(value, ttl: ttl)
        case 3:
            let value = freshValue()
            let ttl = ttl()
            let isAbsent = live(key) == nil
            require(cache.setIfAbsent(key, value, ttl: ttl) == isAbsent, "setIfAbsent(\(key)) disagrees")
            if isAbsent { model[key] = written(value, ttl: ttl) }
        case 4, 5, 6:
            requests += 1
            let expected = live(key)
            let got = cache.get(key)
            require(got == expected, "get(\(key)) gave \(String(describing: got)), not \(String(describing: expected))")
            if expected != nil { access(key) }
        case 7:
            loadingGet(key)
        case 8:
            let expected = live(key)
            let removed = cache.remove(key)
            require(removed == expected, "remove(\(key)) gave \(String(describing: removed))")
        case 9:
            update(key)
        case 10:
            let divisor = program.int(2...4)
            let expected = liveEntries.count { $0.value % divisor == 0 }
            require(cache.removeAll { _, value in value % divisor == 0 } == expected, "removeAll(where:) count")
        case 11:
            if program.byte() < 32 { cache.removeAll() }
        case 12:
            let bounds = cache.resizableBounds
            let limit = isWeighted ? 60 : 40
            cache.resize(to: bounds.lowerBound + program.int(0...max(0, limit - bounds.lowerBound)))
        case 13, 14:
            clock.advance(by: .milliseconds(Int(program.byte()) * 10))
        default:
            inspect()
        }
        settleDepartures()
        checkAgreement()
    }

    /// The blocking loading `get`: a live value is a hit without calling the loader; otherwise the
    /// loader runs once, and its value is stored, or its error thrown and nothing stored.
    func loadingGet(_ key: Int) {
        requests += 1
        let value = freshValue()
        let fails = program.byte() < 64
        let ttl = ttl()
        let expected = live(key)
        var loads = 0
        struct LoadFailed: Error {}
        let got = try? cache.get(key, ttl: ttl) { _ in
            loads += 1
            if fails { throw LoadFailed() }
            return value
        }
        require(loads == (expected == nil ? 1 : 0), "the loader ran \(loads) times for \(key)")
        if let expected {
            require(got == expected, "a loading get of a live key gave \(String(describing: got))")
            access(key)
        } else if fails {
            require(got == nil, "a failed load returned \(String(describing: got))")
        } else {
            require(got == value, "a load returned \(String(describing: got)), not its value")
            model[key] = written(value, ttl: ttl)
        }
    }

    /// `update`: the body sees the live value; nil removes; `ttl: nil` keeps the deadline.
    func update(_ key: Int) {
        let expected = live(key)
        let replacement = program.byte() < 64 ? nil : freshValue()
        let ttl = program.byte() < 128 ? ttl() : nil
        var seen: [Int?] = []
        let stored = cache.update(key, ttl: ttl) { old in
            seen.append(old)
            return replacement
        }
        require(seen == [expected], "update(\(key)) ran its body on \(seen)")
        require(stored == replacement, "update(\(key)) returned \(String(describing: stored))")
        guard let replacement else {
            model[key] = nil
            return
        }
        let keptDeadline = expected == nil ? nil : model[key]?.deadline
        model[key] = (replacement, ttl == nil ? keptDeadline : ttl.map { clock.now + $0 }, clock.now)
    }

    /// `entries()`, `coldest` and `hottest` list exactly the live entries.
    func inspect() {
        let live = liveEntries
        let entries = cache.entries()
        require(entries.count == live.count, "entries() has \(entries.count) of \(live.count) live entries")
        require(Dictionary(entries, uniquingKeysWith: { first, _ in first }) == live, "entries() disagrees")
        let limit = program.int(0...30)
        for walk in [cache.coldest(limit), cache.hottest(limit)] {
            require(walk.count == min(limit, live.count), "a walk of \(limit) gave \(walk.count)")
            require(Set(walk.map(\.key)).count == walk.count, "a walk gave a key twice")
            require(walk.allSatisfy { live[$0.key] == $0.value }, "a walk gave an entry that is not live")
        }
    }

    /// Takes the departures of the last call out of the model; each names the write it undoes by
    /// its value, and one that expired must be past its deadline or idle time.
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
                require(live(for: entry) == nil, "\(departure.key) departed expired while live")
            }
            model[departure.key] = nil
        }
    }

    /// The cache holds exactly the model's entries (expired ones not yet removed included) within
    /// its bound, and its invariants hold.
    func checkAgreement() {
        require(cache.count == model.count, "count \(cache.count), model \(model.count)")
        if isWeighted {
            let weight = model.values.reduce(0) { $0 + Self.weight(of: $1.value) }
            require(cache.totalWeight == weight, "totalWeight \(cache.totalWeight), model \(weight)")
            require(cache.totalWeight <= cache.maximumWeight!, "totalWeight above maximumWeight")
        } else {
            require(cache.count <= cache.capacity, "count \(cache.count) above capacity \(cache.capacity)")
        }
        cache.checkInvariants()
    }

    /// The counters add up to what the program did and what departed.
    func checkStats() {
        let stats = cache.stats()
        require(stats.hitCount + stats.missCount == requests, "hits and misses are not the \(requests) requests")
        require(stats.evictionCount == departures[.evicted, default: 0], "evictionCount")
        require(stats.evictionWeight == evictedWeight, "evictionWeight")
        require(stats.expirationCount == departures[.expired, default: 0], "expirationCount")
        require(stats.explicitRemovalCount == departures[.explicit, default: 0], "explicitRemovalCount")
        require(stats.replacementCount == departures[.replaced, default: 0], "replacementCount")
    }
}
