import ArgumentParser
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The time a cache line takes to go from one thread's core to another's and back: what every lock
/// handoff, and every write to a line that another thread wrote last, pays. Two-thread figures
/// depend on it more than on anything in the cache, so they are read against it.
struct LineTransferBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line-transfer",
        abstract: "Measure a cache line's round trip between two threads (ns): the cost under every lock handoff."
    )

    @Option(help: "Round trips per timed round.")
    var roundTrips = 1_000_000

    @Option(help: "Timed rounds; the median is reported.")
    var rounds = 5

    /// The line the two threads pass back and forth: odd values are the first thread's serves,
    /// even ones the second's returns.
    private final class Ball: Sendable {
        let position = Atomic<Int>(0)
    }

    mutating func validate() throws {
        guard roundTrips >= 1 else { throw ValidationError("--round-trips must be at least 1, got \(roundTrips)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    }

    func run() {
        let samples = (0..<rounds).map { _ in Self.nanosecondsPerRoundTrip(count: roundTrips) }
        print(
            "cache line round trip between two threads: \(fixed(samples.median, digits: 1)) ns "
                + "(median of \(rounds) rounds of \(roundTrips); one way takes about half)"
        )
    }

    /// Two threads pass one atomic back and forth `count` times; the wall time per round trip.
    /// A thread that waits long yields, so that two threads sharing one processor still finish
    /// (slowly: the figure then measures the scheduler).
    private static func nanosecondsPerRoundTrip(count: Int) -> Double {
        let ball = Ball()
        func wait(for position: Int) {
            var spins = 0
            while ball.position.load(ordering: .acquiring) != position {
                spins += 1
                if spins > 10_000 { sched_yield() }
            }
        }
        let elapsed = ThreadRunner.run(threads: 2) { thread in
            for trip in 0..<count {
                let serve = 2 * trip + 1
                if thread == 0 {
                    ball.position.store(serve, ordering: .releasing)
                    wait(for: serve + 1)
                } else {
                    wait(for: serve)
                    ball.position.store(serve + 1, ordering: .releasing)
                }
            }
        }
        return elapsed.nanoseconds / Double(count)
    }
}
