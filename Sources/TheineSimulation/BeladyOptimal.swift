/// Bélády's optimal replacement (MIN) with bypass: the most hits any cache of a given size can get
/// on a trace, the limit every policy is measured against.
///
/// ```swift
/// let optimal = BeladyOptimal(keys)                   // one backward pass over the trace
/// let best = optimal.replay(capacity: 1_000)          // a ReplayResult, policy .optimal
/// ```
///
/// On a hit the key stays. On a miss the key is kept only if its next use comes sooner than the
/// farthest next use among the cached keys, which is then evicted (with room to spare, it is kept
/// unless it is never used again). A key that will not be used again leaves the cache at its last
/// use. This is `opt` of `../shared/traces/ANCHORS.md`: the optimum for entries of equal size,
/// including for policies that may refuse to admit a key.
///
/// Cost: the trace must be in memory. Building takes O(n) expected time and keeps 4 bytes a request
/// (each request's next use), plus a dictionary of the distinct keys while it is built (about 32
/// bytes a key). Each ``replay(capacity:)`` takes O(n log c) time and 1 byte a request (which
/// future requests are the next use of a cached key) plus a heap of at most 2c + 16 positions.
/// The trace may have at most `Int32.max - 1` requests.
public struct BeladyOptimal: Sendable {
    /// `nextUse[i]`: the position of the next request for the key of request `i`, or
    /// ``requestCount`` when there is none.
    private let nextUse: [Int32]

    /// The number of requests in the trace.
    public let requestCount: Int
    /// The number of distinct keys in the trace.
    public let distinctKeyCount: Int

    /// Precomputes each request's next use in one backward pass over `keys`.
    ///
    /// - Complexity: O(n) expected time.
    public init(_ keys: [UInt64]) {
        precondition(keys.count < Int(Int32.max), "OPT replays at most \(Int32.max - 1) requests")
        let count = keys.count
        var nextUse = [Int32](repeating: Int32(count), count: count)
        var laterUse: [UInt64: Int32] = [:]
        for position in stride(from: count - 1, through: 0, by: -1) {
            let key = keys[position]
            if let later = laterUse.updateValue(Int32(position), forKey: key) {
                nextUse[position] = later
            }
        }
        self.nextUse = nextUse
        self.requestCount = count
        self.distinctKeyCount = laterUse.count
    }

    /// Replays the trace through the optimal cache of `capacity` entries.
    ///
    /// - Parameter capacity: the cache size in entries; at least 1.
    /// - Complexity: O(n log `capacity`) time.
    public func replay(capacity: Int) -> ReplayResult {
        precondition(capacity >= 1, "a cache holds at least one entry, got \(capacity)")
        let never = Int32(requestCount)
        // `isAwaited[t]`: a cached key's next use is request `t`. A request hits exactly when its
        // position is awaited, since a cached key is awaited at its next request.
        var isAwaited = [Bool](repeating: false, count: requestCount)
        // Each cached key's awaited position, and stale positions of keys that were since requested
        // or evicted; the top is the farthest next use once stale entries are popped.
        var farthest = PositionHeap(compactionThreshold: 2 * capacity + 16)
        var cachedCount = 0
        var hitCount = 0
        for position in 0..<requestCount {
            let next = nextUse[position]
            if isAwaited[position] {
                hitCount += 1
                isAwaited[position] = false
                if next == never {
                    cachedCount -= 1  // never used again: leaves the cache
                } else {
                    isAwaited[Int(next)] = true
                    farthest.insert(next, isLive: { isAwaited[Int($0)] })
                }
                continue
            }
            guard next != never else { continue }  // bypass: no later hit could come of it
            if cachedCount < capacity {
                cachedCount += 1
            } else {
                let victim = farthest.popFarthest(isLive: { isAwaited[Int($0)] })
                guard next < victim else {
                    farthest.insert(victim, isLive: { isAwaited[Int($0)] })  // bypass: keep the victim
                    continue
                }
                isAwaited[Int(victim)] = false
            }
            isAwaited[Int(next)] = true
            farthest.insert(next, isLive: { isAwaited[Int($0)] })
        }
        return ReplayResult(policy: .optimal, capacity: capacity, requestCount: requestCount, hitCount: hitCount)
    }
}
