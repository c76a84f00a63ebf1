// theine-ops: one cache operation in a loop, for `valgrind --tool=callgrind`, which counts the
// instructions it takes (valgrind 3.19 crashes when `theine-bench` starts; it runs this plain
// executable). Instructions per operation: (count at 2N - count at N) / N, which cancels start-up.
//
//   theine-ops OPERATION POLICY COUNT [--listener] [--weighted] [--sliding]
//
// OPERATION: `hit` (get of a present key), `scattered-hit` (a hit whose keys follow a fixed
// scattered order, key × 48,271 modulo the capacity, rather than the entries' order, as the random
// keys of `theine-bench expiration` do: each hit reaches memory the last one did not, as in a large
// cache; run it under `valgrind --tool=cachegrind --cache-sim=yes` to count the lines a hit misses), `overwrite` (set of a present key: its old value departs
// replaced), `insert` (set of a new key into a full cache: one entry departs evicted), `update`
// (an atomic increment of a present key's value, `update(_:ttl:_:)`), `loading-hit` (a hit of the
// blocking loading `get(_:ttl:loader:)` on entries it stored with a TTL), `refresh-hit` (a hit of
// the blocking refreshing `get(_:ttl:refreshAfter:loader:)` on entries it stored, none due),
// `get-all-hit` (the blocking `getAll(_:ttl:loader:)` of 100 present keys a call, COUNT keys in
// all), each with a closure literal that captures nothing, as the cheapest call (a stored closure, or one that
// captures, makes the escaping loader allocate a context on every call). POLICY: lru,
// tinyLFU or clockPro. `--listener`: the cache has a removal listener that does nothing.
// `--weighted`: the cache is bounded by weight, every entry weighing 1 (so it holds and evicts the
// same entries as the count-bounded one, and the difference is the cost of weights). `--sliding`:
// the cache expires entries an hour after their last access (`expireAfterAccess`), none during the
// run.
import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 4, let count = Int(arguments[3]), count >= 0,
    let policy = try? EvictionPolicy(name: arguments[2]),
    ["hit", "scattered-hit", "overwrite", "insert", "update", "loading-hit", "refresh-hit", "get-all-hit"].contains(
        arguments[1]
    )
else {
    print(
        "usage: theine-ops hit|scattered-hit|overwrite|insert|update|loading-hit|refresh-hit|get-all-hit lru|tinyLFU|clockPro COUNT "
            + "[--listener] [--weighted] [--sliding]"
    )
    exit(2)
}
let capacity = 100_000
let doNothing: @Sendable (Int, Int, RemovalCause) -> Void = { _, _, _ in }
let listener = arguments.contains("--listener") ? doNothing : nil
let expireAfterAccess = arguments.contains("--sliding") ? Duration.seconds(3_600) : nil
/// The cache: bounded by count, or by weight with as many shards, so that only the bound differs.
func makeCache() -> Cache<Int, Int> {
    let counted = Cache<Int, Int>(
        capacity: capacity,
        policy: policy,
        expireAfterAccess: expireAfterAccess,
        onRemoval: listener
    )
    guard arguments.contains("--weighted") else { return counted }
    return Cache<Int, Int>(
        maximumWeight: capacity,
        weigher: { _, _ in 1 },
        policy: policy,
        shardCount: counted.shardCount,
        expireAfterAccess: expireAfterAccess,
        onRemoval: listener
    )
}
let cache = makeCache()
let ttl = Duration.seconds(3_600)
let refreshAfter = Duration.seconds(1_800)
for key in 0..<capacity {
    switch arguments[1] {
    case "loading-hit": _ = try cache.get(key, ttl: ttl, loader: { $0 })
    case "refresh-hit": _ = try cache.get(key, ttl: ttl, refreshAfter: refreshAfter, loader: { $0 })
    default: cache.set(key, key)
    }
}

var checksum = 0
switch arguments[1] {
case "hit":
    for index in 0..<count { checksum &+= cache.get(index % capacity) ?? 0 }
case "scattered-hit":
    // A multiplier coprime with the capacity visits every key once per `capacity` hits, in an
    // order unrelated to the slots'.
    for index in 0..<count { checksum &+= cache.get(index &* 48_271 % capacity) ?? 0 }
case "overwrite":
    for index in 0..<count { cache.set(index % capacity, index) }
case "update":
    for index in 0..<count { cache.update(index % capacity) { ($0 ?? 0) &+ 1 } }
case "loading-hit":
    for index in 0..<count { checksum &+= try cache.get(index % capacity, ttl: ttl, loader: { $0 }) }
case "refresh-hit":
    for index in 0..<count {
        checksum &+= try cache.get(index % capacity, ttl: ttl, refreshAfter: refreshAfter, loader: { $0 })
    }
case "get-all-hit":
    for first in stride(from: 0, to: count, by: 100) {
        let base = first % capacity
        checksum &+= try cache.getAll(base..<base + 100, loader: { _ in [:] }).count
    }
default:
    for index in 0..<count { cache.set(capacity + index, index) }
}
print(checksum, cache.count)
