import CAllocationCounter
import Theine

/// Bytes of metadata per entry: what a full cache of `Int` keys and values allocates, minus what a
/// plain `Dictionary<Int, Int>` of the same entries allocates, divided by the entries; for every
/// policy, count-bounded and weighted (every entry weighing 1, in as many shards as the
/// count-bounded cache).
///
/// The cache's bound is 2% above the entries: a cache split into shards fills them unevenly, and
/// every entry must stay for the comparison to hold.
///
/// Allocation is read from glibc's counters (`mallinfo2`: bytes in use, including large mapped
/// blocks), which is the heap the process holds for these objects; elsewhere it reports nothing.
struct MemoryReport {
    let entries: Int

    func run() throws {
        guard theine_allocated_bytes() > 0 else {
            print("--memory needs glibc's allocation counters (Linux); not available here")
            return
        }
        let keys = (0..<entries).map { ZipfianKeys.key(ofRank: $0) }
        let dictionaryBytes = allocatedBytes {
            var dictionary: [Int: Int] = [:]
            for key in keys { dictionary[key] = key }
            return dictionary
        }
        print(
            "entries \(entries); a Dictionary<Int, Int> of them: \(dictionaryBytes) bytes, \(fixed(Double(dictionaryBytes) / Double(entries), digits: 1)) per entry"
        )
        print("policy    cache bytes  metadata bytes/entry  weighted bytes/entry  weighted - plain")
        let bound = entries + entries / 50 + 1
        for policy in EvictionPolicy.allPolicies {
            var shardCount = 1
            let cacheBytes = allocatedBytes {
                let cache = Cache<Int, Int>(capacity: bound, policy: policy)
                fill(cache, with: keys)
                shardCount = cache.shardCount
                return cache
            }
            let weightedBytes = allocatedBytes {
                let cache = Cache<Int, Int>(
                    maximumWeight: bound,
                    weigher: { _, _ in 1 },
                    policy: policy,
                    shardCount: shardCount
                )
                fill(cache, with: keys)
                return cache
            }
            let perEntry = Double(cacheBytes - dictionaryBytes) / Double(entries)
            let weightedPerEntry = Double(weightedBytes - dictionaryBytes) / Double(entries)
            print(
                policy.name.padding(to: 8) + "  " + String(cacheBytes).leftPadded(to: 11) + "  "
                    + fixed(perEntry, digits: 1).leftPadded(to: 20) + "  "
                    + fixed(weightedPerEntry, digits: 1).leftPadded(to: 20) + "  "
                    + fixed(weightedPerEntry - perEntry, digits: 1).leftPadded(to: 16)
            )
        }
    }

    /// Stores every key of `keys` as its own value in `cache`, which must keep them all.
    private func fill(_ cache: Cache<Int, Int>, with keys: [Int]) {
        for key in keys { cache.set(key, key) }
        precondition(cache.count == entries, "the cache holds \(cache.count) of \(entries) entries")
    }

    /// The bytes allocated by `build` and still held by its result.
    private func allocatedBytes<T>(_ build: () -> T) -> Int {
        let before = theine_allocated_bytes()
        let result = build()
        let after = theine_allocated_bytes()
        withExtendedLifetime(result) {}
        return Int(after) - Int(before)
    }
}
