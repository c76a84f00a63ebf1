/// Times a loop of operations and reports the median cost of one, over several rounds.
struct Stopwatch {
    /// The number of timed rounds; the median is reported, so that one disturbed round does not count.
    let rounds: Int

    /// The median over `rounds` of the time `body` takes, divided by `operations`, in nanoseconds.
    /// `setUp` runs before each round, untimed.
    func nanosecondsPerOperation(
        operations: Int,
        setUp: () -> Void = {},
        _ body: () -> Void
    ) -> Double {
        median((0..<rounds).map { _ in
            setUp()
            return nanoseconds(ContinuousClock().measure(body), per: operations)
        })
    }

    /// `nanosecondsPerOperation(operations:setUp:_:)` for an async loop. (Another name: in async
    /// code an overload would take synchronous loops too.)
    func nanosecondsPerAsyncOperation(operations: Int, _ body: () async -> Void) async -> Double {
        var samples: [Double] = []
        for _ in 0..<rounds {
            samples.append(nanoseconds(await ContinuousClock().measure(body), per: operations))
        }
        return median(samples)
    }

    private func nanoseconds(_ elapsed: Duration, per operations: Int) -> Double {
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(operations)
    }

    private func median(_ samples: [Double]) -> Double {
        samples.sorted()[samples.count / 2]
    }
}
