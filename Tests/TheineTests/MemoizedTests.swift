import Testing

@testable import Theine

/// Counts calls of a memoized function.
private final class CallCounter: Sendable {
    private let calls = LockedState(0)
    var count: Int { calls.withLock { $0 } }
    func record() { calls.withLock { $0 += 1 } }
}

struct MemoizedTests {
    @Test func sameArguments_runTheFunctionOnce_differentOnesAgain() async throws {
        let counter = CallCounter()
        let greet = Memoized(capacity: 100) { (name: String, times: Int) async throws -> String in
            counter.record()
            return String(repeating: name, count: times)
        }
        #expect(try await greet("ab", 2) == "abab")
        #expect(try await greet("ab", 2) == "abab")
        #expect(counter.count == 1)
        #expect(try await greet("ab", 3) == "ababab")
        #expect(try await greet("b", 2) == "bb")
        #expect(counter.count == 3)
        #expect(greet.cache.stats().hitCount == 1)
        #expect(greet.cache.count == 3)
    }

    @Test func synchronousNonThrowingFunctions_andOneArgument_areAccepted() async throws {
        let counter = CallCounter()
        let square = Memoized(capacity: 10) { (x: Int) in
            counter.record()
            return x * x
        }
        #expect(try await square(7) == 49)
        #expect(try await square(7) == 49)
        #expect(counter.count == 1)
    }

    @Test func explicitKey_decidesWhichCallsShareAResult() async throws {
        let counter = CallCounter()
        // The key ignores case: "EU" and "eu" are the same call.
        let price = Memoized(capacity: 100, key: { (sku: Int, region: String) in "\(region.lowercased()):\(sku)" }) {
            (sku: Int, region: String) async throws -> Int in
            counter.record()
            return sku * 10
        }
        #expect(try await price(4, "EU") == 40)
        #expect(try await price(4, "eu") == 40)
        #expect(counter.count == 1)
        #expect(price.cache.get("eu:4") == 40)
    }

    @Test func concurrentCalls_withTheSameArguments_shareOneRun() async throws {
        let counter = CallCounter()
        let slow = Memoized(capacity: 10) { (x: Int) async throws -> Int in
            counter.record()
            try await Task.sleep(for: .milliseconds(50))
            return x + 1
        }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 { group.addTask { try await slow(1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 2, count: 50))
        #expect(counter.count == 1)
    }

    @Test func errors_areNotCached() async throws {
        struct Flaky: Error {}
        let counter = CallCounter()
        let flaky = Memoized(capacity: 10) { (x: Int) async throws -> Int in
            counter.record()
            if counter.count == 1 { throw Flaky() }
            return x
        }
        await #expect(throws: Flaky.self) { try await flaky(1) }
        #expect(try await flaky(1) == 1)
        #expect(counter.count == 2)
    }

    @Test func results_expireAfterTheirTTL() async throws {
        let counter = CallCounter()
        let clock = ManualCacheClock()
        let now = Memoized(capacity: 10, ttl: .seconds(60), clock: clock) { (x: Int) async throws -> Int in
            counter.record()
            return x
        }
        _ = try await now(1)
        clock.advance(by: .seconds(59))
        _ = try await now(1)
        #expect(counter.count == 1)
        clock.advance(by: .seconds(1))
        _ = try await now(1)
        #expect(counter.count == 2)
    }

    @Test func argumentsKey_comparesAndHashesEveryArgument() {
        #expect(ArgumentsKey(1, "a", 2.5) == ArgumentsKey(1, "a", 2.5))
        #expect(ArgumentsKey(1, "a", 2.5) != ArgumentsKey(1, "b", 2.5))
        #expect(ArgumentsKey(1, "a", 2.5) != ArgumentsKey(2, "a", 2.5))
        #expect(ArgumentsKey(1, "a", 2.5).hashValue == ArgumentsKey(1, "a", 2.5).hashValue)
        var keys = Set<ArgumentsKey<Int, Int>>()
        for first in 0..<30 { for second in 0..<30 { keys.insert(ArgumentsKey(first, second)) } }
        #expect(keys.count == 900)
        #expect(ArgumentsKey<Int, Int>(1, 2) != ArgumentsKey<Int, Int>(2, 1))
    }
}
