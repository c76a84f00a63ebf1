/// The hill climber that sizes W-TinyLFU's admission window.
///
/// A small window favours frequency (the admission filter judges every new key early), a large one
/// favours recency (new keys get time to prove themselves). Every sample of `sampleSize` requests
/// (ten times the capacity) the climber moves the window one step towards the side that would
/// have gained more hits: the window, if more of the keys that recently left the window came
/// back than of the keys recently evicted from the main space; the main space otherwise. The step
/// starts at 6.25% of the capacity, decays by 2% a sample so that the window settles, and restarts
/// at 6.25% when the two sides differ by 5% of the sample's requests or more.
///
/// Caffeine's climber (its `BoundedLocalCache`, 2.7 and later) has these constants, but decides
/// the direction from the change of the hit rate between consecutive samples. That comparison mixes
/// the effect of the window with the workload's own phases, and on long traces with phases the
/// window drifts away from its best size; comparing the two sides' returning keys within one
/// sample compares them on the same requests. (Measured on the shared traces: see the repository's
/// design notes.) The climber only decides the adjustment; ``TinyLFUPolicy`` moves the entries.
struct WindowClimber {
    static let stepFraction = 0.0625
    static let stepDecayRate = 0.98
    static let restartThreshold = 0.05

    private let capacity: Int
    private let sampleSize: Int
    private var requestsInSample = 0
    private var windowReturnsInSample = 0
    private var mainReturnsInSample = 0
    private var stepSize: Double

    /// Creates a climber for a cache of `capacity` entries that decides every `sampleSize` requests.
    init(capacity: Int, sampleSize: Int) {
        self.capacity = capacity
        self.sampleSize = sampleSize
        stepSize = Self.stepFraction * Double(capacity)
    }

    /// The number of entries a step of the climber moves at most, and so the length of the ghost
    /// histories that measure what a step would gain.
    static func historyLength(capacity: Int) -> Int {
        max(1, Int(stepFraction * Double(capacity)))
    }

    /// Counts a request (a hit or a miss).
    mutating func recordRequest() { requestsInSample += 1 }

    /// Counts a miss on a key that recently left the window.
    mutating func recordWindowReturn() { windowReturnsInSample += 1 }

    /// Counts a miss on a key recently evicted from the main space.
    mutating func recordMainReturn() { mainReturnsInSample += 1 }

    /// Discards the current sample (used while the cache is still filling up).
    mutating func discardSample() {
        requestsInSample = 0
        windowReturnsInSample = 0
        mainReturnsInSample = 0
    }

    /// The change of window size (in entries, positive to grow) that the latest sample calls for,
    /// or 0 while the sample is not complete or neither side gained.
    mutating func adjustment() -> Int {
        guard requestsInSample >= sampleSize else { return 0 }
        let difference = windowReturnsInSample - mainReturnsInSample
        let requests = requestsInSample
        discardSample()
        guard difference != 0 else { return 0 }
        if Double(abs(difference)) >= Self.restartThreshold * Double(requests) {
            stepSize = Self.stepFraction * Double(capacity)
        } else {
            stepSize *= Self.stepDecayRate
        }
        let step = max(1, Int(stepSize))
        return difference > 0 ? step : -step
    }
}
