#if Macros
import Testing
import TheineMacros

@testable import Theine

/// How many times each memoized function below has run, by name (each test uses its own functions).
private let runs = LockedState<[String: Int]>([:])

private func recordRun(_ name: String) {
    runs.withLock { $0[name, default: 0] += 1 }
}

private func runCount(_ name: String) -> Int {
    runs.withLock { $0[name, default: 0] }
}

private struct Unparsable: Error, Equatable {
    let text: String
}

@Memoized(capacity: 10)
private func answer() -> Int {
    recordRun("answer")
    return 42
}

@Memoized(capacity: 100)
private func square(_ x: Int) -> Int {
    recordRun("square")
    return x * x
}

@Memoized(capacity: 100, ttl: .seconds(60))
private func label(_ number: Int, prefix: String, suffix: String = "!") async throws -> String {
    recordRun("label")
    return "\(prefix)\(number)\(suffix)"
}

@Memoized(capacity: 10, policy: .lru)
private func parse(_ text: String) throws(Unparsable) -> Int {
    recordRun("parse")
    guard let number = Int(text) else { throw Unparsable(text: text) }
    return number
}

@Memoized(capacity: 1_000)
private func fibonacci(_ n: Int) -> Int {
    recordRun("fibonacci")
    return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2)
}

private enum Catalog {
    @Memoized(capacity: 10)
    static func price(of sku: String, quantity: Int) async -> Int {
        recordRun("price")
        return sku.count * 100 * quantity
    }
}

private struct Rectangle: Hashable, Sendable {
    let width: Int
    let height: Int

    @Memoized(capacity: 10)
    func area(scale: Int) -> Int {
        recordRun("area")
        return width * height * scale
    }
}

extension Rectangle {
    @Memoized(capacity: 10)
    func perimeter() async throws -> Int {
        recordRun("perimeter")
        return 2 * (width + height)
    }
}

/// Whether `quote(_:)`'s source is down.
private let quoteSourceIsDown = LockedState(false)

private struct SourceDown: Error {}

@Memoized(capacity: 10, ttl: .milliseconds(20), staleIfError: .seconds(3_600))
private func quote(_ symbol: String) async throws -> Int {
    recordRun("quote")
    if quoteSourceIsDown.withLock({ $0 }) { throw SourceDown() }
    return symbol.count
}

@Memoized(capacity: 10, expireAfterAccess: .seconds(1))
private func greeting(for name: String) -> String {
    recordRun("greeting")
    return "Hello, \(name)"
}

/// Hashable by identity: equal only to itself.
private final class Account: Hashable, Sendable {
    let balance: Int

    init(balance: Int) { self.balance = balance }

    static func == (lhs: Account, rhs: Account) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    @Memoized(capacity: 10)
    func interest(percent: Int) -> Int {
        recordRun("interest")
        return balance * percent / 100
    }
}

struct MemoizedMacroTests {
    @Test func freeFunctions_answerAsTheirBodies_oncePerArgument() {
        #expect(answer() == 42)
        #expect(answer() == 42)
        #expect(runCount("answer") == 1)
        for x in [3, 4, 3, -3, 4] { #expect(square(x) == x * x) }
        #expect(runCount("square") == 3)
    }

    @Test func asyncThrowingFunction_withLabelsAndADefaultArgument() async throws {
        #expect(try await label(1, prefix: "#") == "#1!")
        #expect(try await label(1, prefix: "#") == "#1!")
        #expect(try await label(1, prefix: "#", suffix: "?") == "#1?")
        #expect(try await label(2, prefix: "#") == "#2!")
        #expect(runCount("label") == 3)
    }

    @Test func typedThrowingFunction_throwsItsOwnError_uncached() throws {
        do {
            _ = try parse("x")
            Issue.record("parsed 'x'")
        } catch {
            #expect(error == Unparsable(text: "x"))  // typed: `error` is `Unparsable`
        }
        #expect(throws: Unparsable(text: "x")) { try parse("x") }
        #expect(try parse("12") == 12)
        #expect(try parse("12") == 12)
        #expect(runCount("parse") == 3)
    }

    @Test func staleIfError_servesTheLastResult_pastItsTTL_whenTheFunctionFails() async throws {
        #expect(try await quote("ABC") == 3)
        quoteSourceIsDown.withLock { $0 = true }
        // Past the TTL (on the default clock, as the macro's cache has): the call runs the function
        // again, which fails, and gets the result kept for the grace.
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await quote("ABC") == 3)
        #expect(runCount("quote") == 2)
        await #expect(throws: SourceDown.self) { try await quote("XYZW") }
    }

    @Test func expireAfterAccess_dropsAResultNoCallUses() async throws {
        #expect(greeting(for: "Ann") == "Hello, Ann")
        #expect(greeting(for: "Ann") == "Hello, Ann")
        #expect(runCount("greeting") == 1)
        // Idle past its limit, on the default clock as the macro's cache has.
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(greeting(for: "Ann") == "Hello, Ann")
        #expect(runCount("greeting") == 2)
    }

    @Test func recursiveFunction_reusesItsOwnResults() {
        #expect(fibonacci(60) == 1_548_008_755_920)
        #expect(runCount("fibonacci") == 61)
    }

    @Test func staticMethod_keysOnItsArguments() async {
        #expect(await Catalog.price(of: "abc", quantity: 2) == 600)
        #expect(await Catalog.price(of: "abc", quantity: 2) == 600)
        #expect(await Catalog.price(of: "abcd", quantity: 2) == 800)
        #expect(runCount("price") == 2)
    }

    @Test func instanceMethod_keysOnSelf_soOtherValuesNeverShareAResult() async throws {
        let small = Rectangle(width: 2, height: 3)
        let large = Rectangle(width: 20, height: 30)
        #expect(small.area(scale: 1) == 6)
        #expect(large.area(scale: 1) == 600)
        #expect(small.area(scale: 1) == 6)
        #expect(large.area(scale: 1) == 600)
        #expect(runCount("area") == 2)
        // An equal value is the same key: it shares the result.
        #expect(Rectangle(width: 2, height: 3).area(scale: 1) == 6)
        #expect(runCount("area") == 2)
        #expect(try await small.perimeter() == 10)
        #expect(try await large.perimeter() == 100)
        #expect(try await small.perimeter() == 10)
        #expect(runCount("perimeter") == 2)
    }

    @Test func instanceMethod_ofAClassHashableByIdentity_neverSharesAcrossInstances() {
        let first = Account(balance: 1_000)
        let second = Account(balance: 1_000)
        #expect(first.interest(percent: 5) == 50)
        #expect(second.interest(percent: 5) == 50)
        #expect(first.interest(percent: 5) == 50)
        #expect(runCount("interest") == 2)
    }
}
#endif
