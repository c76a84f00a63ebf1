/// The hill climber that sizes W-TinyLFU's admission window from the hit rate it observes.
///
/// A small window favours frequency (W-TinyLFU's admission filter sees every new key), a large one
/// favours recency (new keys get time to prove themselves). The climber samples the hit rate over
/// `sampleSize` requests (ten times the capacity), and after each sample moves the window by a step
/// in the direction that last helped: on if the hit rate did not fall, back if it fell. The step
/// decays by 2% a sample so the window settles, and restarts at 6.25% of the capacity when the hit
/// rate moves by 5 points or more (the workload changed).
///
/// Caffeine's published constants and rules (its `BoundedLocalCache` hill climber, 2.7 and later),
/// rebuilt here, with two changes measured on the shared traces (see the repository's design
/// notes): the first probe grows the window, and the first complete sample only sets the baseline.
/// The climber only decides the adjustment; ``TinyLFUPolicy`` moves the entries.
struct WindowClimber {
    static let stepFraction = 0.0625
    static let stepDecayRate = 0.98
    static let restartThreshold = 0.05

    private let capacity: Int
    private let sampleSize: Int
    private var hitsInSample = 0
    private var missesInSample = 0
    private var previousHitRate: Double?
    private var stepSize: Double

    /// Creates a climber for a cache of `capacity` entries that samples `sampleSize` requests.
    ///
    /// The first step grows the window. W-TinyLFU starts from a 1% window, so a first step down
    /// (Caffeine's choice) has almost no room to move and learns nothing, while recency-biased
    /// workloads lose a whole sample at the smallest window; a falling hit rate turns the climber
    /// around after one sample.
    init(capacity: Int, sampleSize: Int) {
        self.capacity = capacity
        self.sampleSize = sampleSize
        stepSize = Self.stepFraction * Double(capacity)
    }

    mutating func recordHit() { hitsInSample += 1 }

    mutating func recordMiss() { missesInSample += 1 }

    /// Discards the current sample and the baseline (used while the cache is still filling up:
    /// its hit rate rises as it fills, whatever the window, and would read as a gradient).
    mutating func discardSample() {
        hitsInSample = 0
        missesInSample = 0
        previousHitRate = nil
    }

    /// The change of window size (in entries, positive to grow) that the latest sample calls for,
    /// or 0 while the sample is not complete or is the baseline.
    mutating func adjustment() -> Int {
        let requestCount = hitsInSample + missesInSample
        guard requestCount >= sampleSize else { return 0 }
        let hitRate = Double(hitsInSample) / Double(requestCount)
        hitsInSample = 0
        missesInSample = 0
        guard let previousHitRate else {
            self.previousHitRate = hitRate
            return 0
        }
        let change = hitRate - previousHitRate
        let amount = change >= 0 ? stepSize : -stepSize
        if abs(change) >= Self.restartThreshold {
            stepSize = Self.stepFraction * Double(capacity) * (amount >= 0 ? 1 : -1)
        } else {
            stepSize = Self.stepDecayRate * amount
        }
        self.previousHitRate = hitRate
        return Int(amount)
    }
}
