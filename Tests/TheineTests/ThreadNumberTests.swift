import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thread numbers, which pick a thread's read stripe: small and given back when threads exit.
@Suite(.tags(.concurrency))
struct ThreadNumberTests {
    @Test func aThreadKeepsItsNumber() {
        let first = ThreadNumber.current
        #expect(ThreadNumber.current == first)
        let numbers = LockedState([Int]())
        runOnThreads(4) { _ in
            let number = ThreadNumber.current
            numbers.withLock { $0.append(number) }
            // Alive until all four have their numbers.
            while numbers.withLock({ $0.count }) < 4 { sched_yield() }
            precondition(ThreadNumber.current == number, "a thread's number changed")
        }
        let seen = numbers.withLock { $0 }
        #expect(Set(seen).count == 4, "threads alive at once share no number: \(seen)")
        #expect(!seen.contains(first))
    }

    @Test func numbersOfExitedThreads_areHandedOutAgain() {
        // Threads one after the other: each exits before the next starts, so without reuse they
        // would take 200 numbers. Other tests' threads may take a freed number meanwhile, but
        // not most of them.
        let threads = 200
        var seen: Set<Int> = []
        for _ in 0..<threads {
            let number = LockedState(-1)
            runOnThreads(1) { _ in number.withLock { $0 = ThreadNumber.current } }
            seen.insert(number.withLock { $0 })
        }
        #expect(seen.count < threads / 2, "\(seen.count) distinct numbers for \(threads) threads in turn")
    }

    @Test func threadsBeyondTheOwnedStripes_shareTheSharedOnes() {
        let cache = Cache<Int, Int>(capacity: 8, policy: .lru)
        let shard = cache._shards[0]
        let owned = shard._ownedStripeCount
        for thread in 0..<owned { #expect(shard.stripeIndex(ofThread: thread) == thread) }
        for thread in owned..<(4 * owned) {
            let index = shard.stripeIndex(ofThread: thread)
            #expect(index >= owned && index < shard._stripeCount)
            #expect(index == owned + thread % owned)
        }
    }
}
