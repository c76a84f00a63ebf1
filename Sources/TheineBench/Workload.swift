/// What each thread does in a throughput run, over Zipf-distributed keys (theta 0.99).
enum Workload: String, CaseIterable {
    /// Reads of keys that are all present: the cache is filled with every key first.
    case read
    /// Reads over ten times the capacity's keys, writing the key on a miss (read-through).
    case readThrough = "read-through"
    /// Writes over ten times the capacity's keys.
    case write
    /// Three reads to one write, over ten times the capacity's keys.
    case mixed

    /// The number of distinct keys the workload draws from, for a cache of `capacity`.
    func itemCount(capacity: Int) -> Int {
        self == .read ? capacity : capacity * 10
    }

    /// Runs `keys` against `cache` and returns the number of reads and of hits.
    ///
    /// Generic so that each cache's calls are specialized, not dispatched through a protocol.
    @inline(__always)
    func run<C: BenchmarkedCache>(_ keys: [Int], on cache: C) -> (reads: Int, hits: Int) {
        var hits = 0
        switch self {
        case .read:
            for key in keys where cache.get(key) != nil { hits &+= 1 }
            return (keys.count, hits)
        case .readThrough:
            for key in keys {
                if cache.get(key) != nil { hits &+= 1 } else { cache.set(key, key) }
            }
            return (keys.count, hits)
        case .write:
            for key in keys { cache.set(key, key) }
            return (0, 0)
        case .mixed:
            var reads = 0
            for (index, key) in keys.enumerated() {
                if index & 3 == 3 {
                    cache.set(key, key)
                } else {
                    reads &+= 1
                    if cache.get(key) != nil { hits &+= 1 }
                }
            }
            return (reads, hits)
        }
    }
}
