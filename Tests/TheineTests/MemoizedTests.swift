import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts calls of a memoized function.
private final class CallCounter: Sendable {
    private let calls = LockedState(0)
    var count: Int { calls.withLock { $0 } }
    func record() { calls.withLock { $0 += 1 } }
}

/// Holds a function's run until opened.
private final class Gate: Sendable {
    private let isOpen = LockedState(false)
    func open() { isOpen.withLock { $0 = true } }
    func wait() async {
        while !isOpen.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(1)) }
    }
}

private struct Refused: Error, Equatable {
    let argument: Int
}

/// Argument values, each twice: every tuple of them is asked for more than once.
private let values = [0, 1, 2, 1, 0, 2]

/// The function the memoized ones compute: a distinct answer for each tuple.
private func plain(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Int { a * 1_000 + b * 100 + c * 10 + d }

@Suite(.tags(.concurrency))
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

    /// Async functions of 0 to 4 arguments, throwing and not: the plain function's answers, one
    /// run per distinct argument tuple.
    @Test func asyncFunctions_ofZeroToFourArguments_answerAsThePlainFunction_oncePerTuple() async throws {
        let counter = CallCounter()
        let zero = Memoized(capacity: 10) { () async -> Int in
            counter.record()
            return 7
        }
        let one = Memoized(capacity: 10) { (a: Int) async throws -> Int in
            counter.record()
            return plain(a, 0, 0, 0)
        }
        let two = Memoized(capacity: 10) { (a: Int, b: String) async -> String in
            counter.record()
            return "\(plain(a, 0, 0, 0))\(b)"
        }
        let three = Memoized(capacity: 100) { (a: Int, b: Int, c: Int) async throws -> Int in
            counter.record()
            return plain(a, b, c, 0)
        }
        let four = Memoized(capacity: 1_000) { (a: Int, b: Int, c: Int, d: Int) async -> Int in
            counter.record()
            return plain(a, b, c, d)
        }
        // Non-throwing functions are called without `try`.
        for _ in 0..<2 { #expect(await zero() == 7) }
        #expect(counter.count == 1)
        for a in values {
            #expect(try await one(a) == plain(a, 0, 0, 0))
            #expect(await two(a, "x") == "\(plain(a, 0, 0, 0))x")
            for b in values {
                for c in values {
                    #expect(try await three(a, b, c) == plain(a, b, c, 0))
                    for d in values { #expect(await four(a, b, c, d) == plain(a, b, c, d)) }
                }
            }
        }
        #expect(counter.count == 1 + 3 + 3 + 27 + 81)
    }

    /// Synchronous functions of 0 to 4 arguments through the blocking call, from synchronous code.
    @Test func synchronousFunctions_ofZeroToFourArguments_blockingCall_answerAsThePlainFunction_oncePerTuple() throws {
        let counter = CallCounter()
        let zero = Memoized(capacity: 10) { () -> Int in
            counter.record()
            return 7
        }
        let one = Memoized(capacity: 10) { (a: Int) throws -> Int in
            counter.record()
            return plain(a, 0, 0, 0)
        }
        let two = Memoized(capacity: 10) { (a: Int, b: String) -> String in
            counter.record()
            return "\(plain(a, 0, 0, 0))\(b)"
        }
        let three = Memoized(capacity: 100) { (a: Int, b: Int, c: Int) throws -> Int in
            counter.record()
            return plain(a, b, c, 0)
        }
        let four = Memoized(capacity: 1_000) { (a: Int, b: Int, c: Int, d: Int) -> Int in
            counter.record()
            return plain(a, b, c, d)
        }
        for _ in 0..<2 { #expect(zero() == 7) }
        #expect(counter.count == 1)
        for a in values {
            #expect(try one(a) == plain(a, 0, 0, 0))
            #expect(two(a, "x") == "\(plain(a, 0, 0, 0))x")
            for b in values {
                for c in values {
                    #expect(try three(a, b, c) == plain(a, b, c, 0))
                    for d in values { #expect(four(a, b, c, d) == plain(a, b, c, d)) }
                }
            }
        }
        #expect(counter.count == 1 + 3 + 3 + 27 + 81)
    }

    @Test func synchronousFunctions_areCalledWithAwaitToo_sharingTheirResults() async throws {
        let counter = CallCounter()
        let square = Memoized(capacity: 10) { (x: Int) in
            counter.record()
            return x * x
        }
        #expect(await square(7) == 49)
        #expect(await square(7) == 49)
        #expect(counter.count == 1)
    }

    @Test func blockingCall_onSixteenThreads_runsTheFunctionOnce() {
        let counter = CallCounter()
        let isOpen = LockedState(false)
        let slow = Memoized(capacity: 10) { (x: Int) -> Int in
            counter.record()
            while !isOpen.withLock({ $0 }) { usleep(1_000) }
            return x + 1
        }
        let results = LockedState<[Int]>([])
        // Sixteen threads call; a seventeenth lets the run end once all of them have missed.
        runOnThreads(17) { thread in
            guard thread < 16 else {
                while slow.cache.stats().missCount < 16 { usleep(1_000) }
                isOpen.withLock { $0 = true }
                return
            }
            let result = slow(41)
            results.withLock { $0.append(result) }
        }
        #expect(results.withLock { $0 } == Array(repeating: 42, count: 16))
        #expect(counter.count == 1)
    }

    @Test func typedThrows_blockingCall_throwsTheFunctionsOwnErrorType_andIsNotCached() throws {
        let counter = CallCounter()
        let refuseOdd = Memoized(capacity: 10) { (x: Int) throws(Refused) -> Int in
            counter.record()
            if x % 2 == 1 { throw Refused(argument: x) }
            return x
        }
        do {
            _ = try refuseOdd(3)
            Issue.record("an odd argument returned")
        } catch {
            #expect(error == Refused(argument: 3))  // `error` is a `Refused`, not `any Error`
        }
        #expect(throws: Refused(argument: 3)) { try refuseOdd(3) }
        #expect(try refuseOdd(4) == 4)
        #expect(try refuseOdd(4) == 4)
        #expect(counter.count == 3)
    }

    @Test func typedThrows_asyncCall_throwsTheFunctionsOwnErrorType() async throws {
        let refuseOdd = Memoized(capacity: 10) { (x: Int) async throws(Refused) -> Int in
            if x % 2 == 1 { throw Refused(argument: x) }
            return x
        }
        do {
            _ = try await refuseOdd(3)
            Issue.record("an odd argument returned")
        } catch {
            #expect(error == Refused(argument: 3))
        }
        #expect(try await refuseOdd(4) == 4)
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

    @Test func explicitKey_ofASynchronousFunction() {
        let counter = CallCounter()
        let length = Memoized(capacity: 100, key: { (text: String) in text.lowercased() }) { (text: String) in
            counter.record()
            return text.count
        }
        #expect(length("Abc") == 3)
        #expect(length("aBC") == 3)
        #expect(counter.count == 1)
        #expect(length.cache.get("abc") == 3)
    }

    @Test func explicitKey_ofTheArgumentsKeyType_isStillCalled() {
        // The automatic key builds `ArgumentsKey`s without a closure; a key function that returns
        // one must still decide: 1 and 3 are the same call here.
        let counter = CallCounter()
        let parity = Memoized(capacity: 100, key: { (number: Int) in ArgumentsKey(number % 2) }) { (number: Int) in
            counter.record()
            return number
        }
        #expect(parity(1) == 1)
        #expect(parity(3) == 1)
        #expect(parity(5) == 1)
        #expect(counter.count == 1)
        #expect(parity.cache.get(ArgumentsKey(1)) == 1)
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

    /// A function that cannot throw cannot report cancellation: a cancelled caller waits for the
    /// result instead, and gets it.
    @Test func nonThrowingAsyncCall_whenCancelled_waitsForTheResult() async {
        let counter = CallCounter()
        let gate = Gate()
        let double = Memoized(capacity: 10) { (x: Int) async -> Int in
            counter.record()
            await gate.wait()
            return x * 2
        }
        let caller = Task { await double(21) }
        while counter.count == 0 { await Task.yield() }
        caller.cancel()
        gate.open()
        #expect(await caller.value == 42)
        #expect(counter.count == 1)
        #expect(double.cache.get(ArgumentsKey(21)) == 42)
    }

    /// A function that throws `any Error` can: a cancelled caller stops waiting alone.
    @Test func throwingAsyncCall_whenCancelled_throwsCancellation_andTheOthersGetTheResult() async throws {
        let counter = CallCounter()
        let gate = Gate()
        let double = Memoized(capacity: 10) { (x: Int) async throws -> Int in
            counter.record()
            await gate.wait()
            return x * 2
        }
        let cancelled = Task { try await double(21) }
        let kept = Task { try await double(21) }
        while counter.count == 0 { await Task.yield() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        gate.open()
        #expect(try await kept.value == 42)
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

    @Test func results_expireWhenNoCallUsesThemForExpireAfterAccess() async throws {
        let counter = CallCounter()
        let clock = ManualCacheClock()
        let session = Memoized(capacity: 10, expireAfterAccess: .seconds(60), clock: clock) {
            (x: Int) async throws -> Int in
            counter.record()
            return x
        }
        let render = Memoized(capacity: 10, expireAfterAccess: .seconds(60), clock: clock) { (x: Int) -> Int in
            counter.record()
            return x
        }
        #expect(session.cache.expireAfterAccess == .seconds(60))
        _ = try await session(1)
        _ = await render(1)
        for _ in 0..<3 {
            clock.advance(by: .seconds(50))  // each call renews the result: 150 s in all
            _ = try await session(1)
            _ = await render(1)
        }
        #expect(counter.count == 2)
        clock.advance(by: .seconds(60))
        _ = try await session(1)
        _ = await render(1)
        #expect(counter.count == 4)
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

    /// One argument hashes as the argument itself (`Dictionary`'s one-shot hash); several through
    /// a `Hasher`, seed included.
    @Test func argumentsKey_ofOneArgument_hashesAsTheArgument() {
        #expect(ArgumentsKey(42).hashValue == 42.hashValue)
        #expect(ArgumentsKey("a")._rawHashValue(seed: 7) == "a"._rawHashValue(seed: 7))
        #expect(ArgumentsKey(1, 2)._rawHashValue(seed: 7) == ArgumentsKey(1, 2)._rawHashValue(seed: 7))
        #expect(ArgumentsKey(1, 2)._rawHashValue(seed: 7) != ArgumentsKey(1, 2)._rawHashValue(seed: 8))
        let keys = Set((0..<1_000).map { ArgumentsKey($0) })
        #expect(keys.count == 1_000)
        #expect(keys.contains(ArgumentsKey(999)) && !keys.contains(ArgumentsKey(1_000)))
    }
}
