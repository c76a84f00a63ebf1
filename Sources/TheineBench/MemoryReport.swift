import CAllocationCounter
import Theine

/// Bytes of metadata per entry: what a full cache of `Int` keys and values allocates, minus what a
/// plain `Dictionary<Int, Int>` of the same entries allocates, divided by the entries.
///
/// The cache's capacity is 2% above the entries: a cache split into shards fills them unevenly, and
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
        print("policy    cache bytes  metadata bytes/entry")
        for policy in EvictionPolicy.allPolicies {
            let cacheBytes = allocatedBytes {
                let cache = Cache<Int, Int>(capacity: entries + entries / 50 + 1, policy: policy)
                for key in keys { cache.set(key, key) }
                precondition(cache.count == entries, "the cache holds \(cache.count) of \(entries) entries")
                return cache
            }
            let perEntry = Double(cacheBytes - dictionaryBytes) / Double(entries)
            print(
                policy.name.padding(to: 8) + "  " + String(cacheBytes).leftPadded(to: 11) + "  "
                    + fixed(perEntry, digits: 1).leftPadded(to: 20)
            )
        }
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
