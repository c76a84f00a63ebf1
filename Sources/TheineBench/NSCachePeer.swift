// NSCache needs Foundation; a static build for another machine leaves it out with
// `-Xswiftc -DTHEINE_BENCH_NO_FOUNDATION`.
#if canImport(Foundation) && !THEINE_BENCH_NO_FOUNDATION
import Foundation

/// Foundation's `NSCache` with `countLimit` as the capacity: boxed keys and values, as its API
/// requires.
final class NSCachePeer: BenchmarkedCache, @unchecked Sendable {
    private let cache = NSCache<NSNumber, NSNumber>()

    init(capacity: Int) {
        cache.countLimit = capacity
    }

    func get(_ key: Int) -> Int? {
        cache.object(forKey: NSNumber(value: key))?.intValue
    }

    func set(_ key: Int, _ value: Int) {
        cache.setObject(NSNumber(value: value), forKey: NSNumber(value: key))
    }
}

let nsCachePeerIsAvailable = true

func makeNSCachePeer(capacity: Int) -> (any BenchmarkedCache)? {
    NSCachePeer(capacity: capacity)
}
#else
let nsCachePeerIsAvailable = false

func makeNSCachePeer(capacity: Int) -> (any BenchmarkedCache)? {
    nil
}
#endif
