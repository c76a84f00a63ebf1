/// The hashes of the last `capacity` keys that left some part of the cache, with O(1) membership.
///
/// W-TinyLFU's window climber keeps two: keys that left the admission window, and keys evicted
/// from the main space. A miss on a key still remembered in one of them is a hit that part of the
/// cache would have had if it were `capacity` entries larger (Megiddo and Modha's ghost lists,
/// ARC, FAST '03).
///
/// Memory grows with use up to `capacity` hashes (a ring) plus a map of the same size.
///
/// - Complexity: ``record(_:)`` and ``remove(_:)`` O(1) on average.
struct GhostHistory {
    /// The number of hashes remembered.
    let capacity: Int
    private var ring: [UInt64] = []
    private var oldest = 0
    /// How many times each hash is in the ring and not yet removed.
    private var occurrences: [UInt64: Int32] = [:]

    /// Creates an empty history of at most `capacity` hashes (at least one).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Remembers `hash`, forgetting the oldest hash if the history is full.
    mutating func record(_ hash: UInt64) {
        if ring.count < capacity {
            ring.append(hash)
        } else {
            forgetOne(ring[oldest])
            ring[oldest] = hash
            oldest = oldest + 1 == capacity ? 0 : oldest + 1
        }
        occurrences[hash, default: 0] += 1
    }

    /// Whether `hash` is remembered; forgets it if so, so that one return is counted once.
    mutating func remove(_ hash: UInt64) -> Bool {
        occurrences.removeValue(forKey: hash) != nil
    }

    /// Forgets every hash.
    mutating func removeAll() {
        ring = []
        oldest = 0
        occurrences = [:]
    }

    private mutating func forgetOne(_ hash: UInt64) {
        guard let count = occurrences[hash] else { return }  // already removed by a return
        occurrences[hash] = count > 1 ? count - 1 : nil
    }
}
