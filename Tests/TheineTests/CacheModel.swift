// Shared by the tests (ModelTests) and the fuzz target `cache-operations`
// (Fuzz/Sources/FuzzSupport/CacheModel.swift links here): one model, two sources of programs.
@testable import Theine

/// Where a ``CacheModel`` run takes its decisions from: a seeded generator in the tests, the input's
/// bytes in the fuzz target.
protocol ModelChoices {
    /// A number in `range`, which holds at most 256 numbers (one byte of a fuzzer's input).
    mutating func int(_ range: ClosedRange<Int>) -> Int
}

/// A weighted ``CacheModel``'s weigher: 0 to 3, so that weightless entries occur too.
func modelWeight(of value: Int) -> Int { value % 4 }

/// What a ``CacheModel``'s failing loader throws.
struct ModelLoadFailed: Error {}

/// The cache against an exact model, one random operation at a time: set, setIfAbsent, get, the
/// blocking loading get (whose loader may fail), remove, update, removeAll(where:), removeAll,
/// resize, clock advances, and the inspections (`entries()`, `coldest`, `hottest`).
///
/// The model holds what was written and has not departed, with each entry's deadline and last
/// access; the removal listener names every departure, so evictions are known exactly. Every write
/// stores a value never written before, so a departure names the write it undoes. The cache is
/// closed (it works as a map, without the background ticker) on a ``ManualCacheClock``, so every
/// departure happens within the call that causes it, on the caller's thread, and the choices alone
/// decide the run. Each disagreement goes to `report`, which the tests record as an issue and the
/// fuzz target turns into a crash.
final class CacheModel<Choices: ModelChoices> {
    /// The cache's shape.
    struct Configuration {
        var policy: EvictionPolicy
        var shardCount: Int
        /// Bounded by weight (``modelWeight(of:)``) instead of by count.
        var isWeighted: Bool
        /// The capacity, or the maximum weight.
        var bound: Int
        /// The cache's `expireAfterAccess`.
        var idle: Duration?
        var admissionSeed: UInt64
        /// Operations use keys `0..<keyCount`.
        var keyCount: Int
    }

    /// A value in the model: when it expires (nil: never) and when it was last read or written.
    typealias Entry = (value: Int, deadline: Duration?, lastAccess: Duration)

    let clock = ManualCacheClock(now: .seconds(1_000))
    let departed = LockedState<[(key: Int, value: Int, cause: RemovalCause)]>([])
    let cache: Cache<Int, Int>
    let configuration: Configuration
    var choices: Choices
    let report: (String) -> Void
    /// What was written and has not departed.
    var model: [Int: Entry] = [:]
    var nextValue = 1
    var requests = 0
    var departures: [RemovalCause: Int] = [:]
    var evictedWeight = 0

    init(_ configuration: Configuration, choices: Choices, report: @escaping (String) -> Void) {
        self.configuration = configuration
        self.choices = choices
        self.report = report
        let departed = departed
        let listener: @Sendable (Int, Int, RemovalCause) -> Void = { key, value, cause in
            departed.withLock { $0.append((key, value, cause)) }
        }
        if configuration.isWeighted {
            cache = Cache(
                maximumWeight: configuration.bound,
                weigher: { _, value in modelWeight(of: value) },
                policy: configuration.policy,
                admissionSeed: configuration.admissionSeed,
                shardCount: configuration.shardCount,
                expireAfterAccess: configuration.idle,
                clock: clock,
                onRemoval: listener
            )
        } else {
            cache = Cache(
                capacity: configuration.bound,
                policy: configuration.policy,
                admissionSeed: configuration.admissionSeed,
                shardCount: configuration.shardCount,
                expireAfterAccess: configuration.idle,
                clock: clock,
                onRemoval: listener
            )
        }
        cache.close()
    }

    func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { report(message()) }
    }

    func int(_ range: ClosedRange<Int>) -> Int { choices.int(range) }

    func freshValue() -> Int {
        defer { nextValue += 1 }
        return nextValue
    }

    /// No TTL half the time, else 1 to 5 s, or 25 ms to 3 s.
    func ttl() -> Duration? {
        switch int(0...3) {
        case 0: .seconds(int(1...5))
        case 1: .milliseconds(int(1...120) * 25)
        default: nil
        }
    }

    /// The model's live value for `key`.
    func live(_ key: Int) -> Int? { model[key].flatMap(live(for:)) }

    func live(for entry: Entry) -> Int? {
        if let deadline = entry.deadline, deadline <= clock.now { return nil }
        if let idle = configuration.idle, entry.lastAccess + idle <= clock.now { return nil }
        return entry.value
    }

    var liveEntries: [Int: Int] { model.compactMapValues(live(for:)) }

    /// A new entry written now.
    func written(_ value: Int, ttl: Duration?) -> Entry { (value, ttl.map { clock.now + $0 }, clock.now) }

    /// Records an access to `key`'s live entry.
    func access(_ key: Int) { model[key]?.lastAccess = clock.now }

    /// Runs one operation, checking what it returns against the model, then the cache's state.
    func step() {
        let operation = int(0...99)
        let key = int(0...(configuration.keyCount - 1))
        switch operation {
        case 0..<25:
            let value = freshValue()
            let ttl = ttl()
            cache.set(key, value, ttl: ttl)
            model[key] = written(value, ttl: ttl)
        case 25..<35:
            let value = freshValue()
            let ttl = ttl()
            let isAbsent = live(key) == nil
            check(cache.setIfAbsent(key, value, ttl: ttl) == isAbsent, "setIfAbsent(\(key)) disagrees")
            if isAbsent { model[key] = written(value, ttl: ttl) }
        case 35..<58:
            requests += 1
            let expected = live(key)
            let got = cache.get(key)
            check(got == expected, "get(\(key)) gave \(String(describing: got)), not \(String(describing: expected))")
            if expected != nil { access(key) }
        case 58..<66:
            loadingGet(key)
        case 66..<74:
            let expected = live(key)
            let removed = cache.remove(key)
            check(
                removed == expected,
                "remove(\(key)) gave \(String(describing: removed)), not \(String(describing: expected))"
            )
        case 74..<84:
            update(key)
        case 84..<86:
            let divisor = int(2...4)
            let expected = liveEntries.count { $0.value % divisor == 0 }
            let removed = cache.removeAll { _, value in value % divisor == 0 }
            check(removed == expected, "removeAll(where:) removed \(removed) of \(expected)")
        case 86..<87:
            cache.removeAll()
        case 87..<89:
            let bounds = cache.resizableBounds
            let limit = configuration.isWeighted ? 60 : 40
            cache.resize(to: bounds.lowerBound + int(0...max(0, limit - bounds.lowerBound)))
        case 89..<95:
            clock.advance(by: .milliseconds(int(0...200) * 10))
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
        let fails = int(0...3) == 0
        let ttl = ttl()
        let expected = live(key)
        var loads = 0
        let got = try? cache.get(key, ttl: ttl) { _ in
            loads += 1
            if fails { throw ModelLoadFailed() }
            return value
        }
        check(loads == (expected == nil ? 1 : 0), "the loader ran \(loads) times for \(key)")
        if let expected {
            check(got == expected, "a loading get of live \(key) gave \(String(describing: got)), not \(expected)")
            access(key)
        } else if fails {
            check(got == nil, "a failed load of \(key) returned \(String(describing: got))")
        } else {
            check(got == value, "a load of \(key) returned \(String(describing: got)), not its value \(value)")
            model[key] = written(value, ttl: ttl)
        }
    }

    /// `update`: the body runs once, on the live value; nil removes; `ttl: nil` keeps the live
    /// entry's deadline (a new entry then has none).
    func update(_ key: Int) {
        let expected = live(key)
        let replacement = int(0...3) == 0 ? nil : freshValue()
        let ttl = int(0...1) == 0 ? ttl() : nil
        var seen: [Int?] = []
        let stored = cache.update(key, ttl: ttl) { old in
            seen.append(old)
            return replacement
        }
        check(seen == [expected], "update(\(key)) ran its body on \(seen), not once on \(String(describing: expected))")
        check(stored == replacement, "update(\(key)) returned \(String(describing: stored))")
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
        check(entries.count == live.count, "entries() has \(entries.count) of \(live.count) live entries")
        check(Dictionary(entries, uniquingKeysWith: { first, _ in first }) == live, "entries() disagrees")
        let limit = int(0...30)
        for walk in [cache.coldest(limit), cache.hottest(limit)] {
            check(walk.count == min(limit, live.count), "a walk of \(limit) gave \(walk.count) entries")
            check(Set(walk.map(\.key)).count == walk.count, "a walk gave a key twice")
            check(walk.allSatisfy { live[$0.key] == $0.value }, "a walk gave an entry that is not live")
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
            if departure.cause == .evicted {
                evictedWeight += configuration.isWeighted ? modelWeight(of: departure.value) : 1
            }
            guard let entry = model[departure.key], entry.value == departure.value else { continue }
            if departure.cause == .expired {
                check(live(for: entry) == nil, "\(departure.key) departed expired while live")
            }
            model[departure.key] = nil
        }
    }

    /// The cache holds exactly the model's entries (expired ones not yet removed included) within
    /// its bound, and its invariants hold.
    func checkAgreement() {
        check(cache.count == model.count, "count \(cache.count), model \(model.count)")
        if configuration.isWeighted {
            let weight = model.values.reduce(0) { $0 + modelWeight(of: $1.value) }
            check(cache.totalWeight == weight, "totalWeight \(cache.totalWeight), model \(weight)")
            check(cache.totalWeight <= cache.maximumWeight!, "totalWeight \(cache.totalWeight) above maximumWeight")
        } else {
            check(cache.count <= cache.capacity, "count \(cache.count) above capacity \(cache.capacity)")
        }
        // A build with THEINE_INTERNAL_CHECKS checks them after every mutation already.
        #if !THEINE_INTERNAL_CHECKS
        cache.checkInvariants()
        #endif
    }

    /// The counters add up to what the run did and what departed.
    func checkStats() {
        let stats = cache.stats()
        check(stats.hitCount + stats.missCount == requests, "hits and misses are not the \(requests) requests")
        check(stats.evictionCount == departures[.evicted, default: 0], "evictionCount \(stats.evictionCount)")
        check(stats.evictionWeight == evictedWeight, "evictionWeight \(stats.evictionWeight), not \(evictedWeight)")
        check(stats.expirationCount == departures[.expired, default: 0], "expirationCount \(stats.expirationCount)")
        check(
            stats.explicitRemovalCount == departures[.explicit, default: 0],
            "explicitRemovalCount \(stats.explicitRemovalCount)"
        )
        check(stats.replacementCount == departures[.replaced, default: 0], "replacementCount \(stats.replacementCount)")
    }
}
