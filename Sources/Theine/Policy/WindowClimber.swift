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
/// rebuilt here; the climber only decides the adjustment, ``TinyLFUPolicy`` moves the entries.
struct WindowClimber {
    static let stepFraction = 0.0625
    static let stepDecayRate = 0.98
    static let restartThreshold = 0.05

    private let capacity: Int
    private let sampleSize: Int
    private var hitsInSample = 0
    private var missesInSample = 0
    private var previousHitRate = 0.0
    private var stepSize: Double

    /// Creates a climber for a cache of `capacity` entries that samples `sampleSize` requests.
    ///
    /// The first step shrinks the window: W-TinyLFU starts from a 1% window that suits
    /// frequency-biased workloads, and a falling hit rate turns the climber around.
    init(capacity: Int, sampleSize: Int) {
        self.capacity = capacity
        self.sampleSize = sampleSize
        stepSize = -Self.stepFraction * Double(capacity)
    }

    mutating func recordHit() { hitsInSample += 1 }

    mutating func recordMiss() { missesInSample += 1 }

    /// Discards the current sample (used while the cache is still filling up).
    mutating func discardSample() {
        hitsInSample = 0
        missesInSample = 0
        previousHitRate = 0
    }

    /// The change of window size (in entries, positive to grow) that the latest sample calls for,
    /// or 0 while the sample is not complete.
    mutating func adjustment() -> Int {
        let requestCount = hitsInSample + missesInSample
        guard requestCount >= sampleSize else { return 0 }
        let hitRate = Double(hitsInSample) / Double(requestCount)
        let change = hitRate - previousHitRate
        let amount = change >= 0 ? stepSize : -stepSize
        if abs(change) >= Self.restartThreshold {
            stepSize = Self.stepFraction * Double(capacity) * (amount >= 0 ? 1 : -1)
        } else {
            stepSize = Self.stepDecayRate * amount
        }
        previousHitRate = hitRate
        hitsInSample = 0
        missesInSample = 0
        return Int(amount)
    }
}
