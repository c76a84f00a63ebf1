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
        (0..<rounds).map { _ in
            setUp()
            return nanoseconds(ContinuousClock().measure(body), per: operations)
        }.median
    }

    /// `nanosecondsPerOperation(operations:setUp:_:)` for an async loop. (Another name: in async
    /// code an overload would take synchronous loops too.)
    func nanosecondsPerAsyncOperation(operations: Int, _ body: () async -> Void) async -> Double {
        var samples: [Double] = []
        for _ in 0..<rounds {
            samples.append(nanoseconds(await ContinuousClock().measure(body), per: operations))
        }
        return samples.median
    }

    private func nanoseconds(_ elapsed: Duration, per operations: Int) -> Double {
        elapsed.nanoseconds / Double(operations)
    }
}

extension Duration {
    /// The duration in nanoseconds.
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

extension [Double] {
    /// The middle value (the upper middle of an even count), so that one disturbed sample does not
    /// count. The array must not be empty.
    var median: Double {
        sorted()[count / 2]
    }
}
