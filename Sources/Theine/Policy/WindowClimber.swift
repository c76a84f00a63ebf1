/// The hill climber that sizes W-TinyLFU's admission window.
///
/// A small window favours frequency (the admission filter judges every new key early), a large one
/// favours recency (new keys get time to prove themselves). Two ``WindowProbe``s replay a sample of
/// the requests with the window one step smaller and one step larger than the cache's; after each
/// sample (ten times the capacity in requests, sampled) the climber moves the window one step
/// towards the probe that hit more, and stays on a tie. The step starts at 6.25% of the capacity,
/// decays by 2% a decision so that the window settles, and restarts at 6.25% when the probes
/// differ by 5% of the sampled requests or more.
///
/// The constants are Caffeine's (its `BoundedLocalCache` hill climber, 2.7 and later). Caffeine
/// decides the direction from the change of the cache's hit rate between consecutive samples; that
/// mixes the effect of the window with the workload's own phases, and on traces with phases the
/// window random-walks away from its best size. The probes compare both directions on the same
/// requests. (Measured on the shared traces: `Documentation/DesignNotes.md`.)
struct WindowClimber {
    static let stepFraction = 0.0625
    static let stepDecayRate = 0.98
    static let restartThreshold = 0.05

    private let capacity: Int
    private var stepSize: Double

    /// Creates a climber for a cache of `capacity` entries.
    init(capacity: Int) {
        self.capacity = capacity
        stepSize = Self.stepFraction * Double(capacity)
    }

    /// The size of the next step, in entries: how far below and above the window the probes sit.
    var step: Int { max(1, Int(stepSize)) }

    /// The change of window size (in entries, positive to grow) that a sample calls for, given the
    /// hits of the probe with the larger window and of the one with the smaller window over
    /// `sampledRequests` requests; 0 on a tie.
    mutating func adjustment(largerWindowHits: Int, smallerWindowHits: Int, sampledRequests: Int) -> Int {
        let difference = largerWindowHits - smallerWindowHits
        guard difference != 0 else { return 0 }
        let amount = difference > 0 ? step : -step
        if Double(abs(difference)) >= Self.restartThreshold * Double(sampledRequests) {
            stepSize = Self.stepFraction * Double(capacity)
        } else {
            stepSize *= Self.stepDecayRate
        }
        return amount
    }
}
