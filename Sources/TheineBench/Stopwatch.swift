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
        var samples: [Double] = []
        for _ in 0..<rounds {
            setUp()
            let elapsed = ContinuousClock().measure(body)
            let (seconds, attoseconds) = elapsed.components
            let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
            samples.append(nanoseconds / Double(operations))
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}
