#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a cache splits its capacity among independent shards, each with its own lock, entries,
/// policy and timer wheel, so that threads working on different keys rarely wait for each other.
///
/// A key's shard comes from its `hashValue` through a multiplicative hash, independent of the
/// mixed hash the policies use, so a shard's keys are still spread over its frequency sketch.
///
/// Shards are a concurrency device, not a policy: each evicts within its own share, which differs
/// from one policy over the whole capacity by the imbalance of keys between shards. Small caches
/// therefore stay in one shard (every shard holds at least ``minimumShardCapacity`` entries, so a
/// cache under 131,072 entries has one), and their policy is exact; the simulator replays through
/// one shard at any size. The minimum was measured (`ConcurrentReplayTests`, four threads on
/// arc-P6): with 16,384-entry shards the 190,000-entry W-TinyLFU cache (eight shards) moved 0.52
/// points from one policy over the whole capacity, past the half point allowed; with 65,536 (two
/// shards), 0.27.
@usableFromInline
struct ShardLayout: Sendable {
    /// The number of shards: a power of two.
    @usableFromInline let count: Int
    /// The right shift that keeps the top log2(count) bits of the shard hash.
    @usableFromInline let indexShift: UInt64

    /// The least capacity a shard gets when a cache has several.
    static let minimumShardCapacity = 65_536

    /// One shard.
    static let single = ShardLayout(count: 1)

    /// `count` shards; `count` must be a power of two.
    init(count: Int) {
        precondition(count >= 1 && count & (count - 1) == 0, "count must be a power of two, got \(count)")
        self.count = count
        indexShift = UInt64(64 - count.trailingZeroBitCount)
    }

    /// The layout for `capacity`: as many shards as fit ``minimumShardCapacity`` entries each, up to
    /// four per processor (rounded to a power of two), so that contention stays low on any machine
    /// without splitting small caches.
    static func automatic(capacity: Int) -> ShardLayout {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let byContention = (4 * processors).roundedUpToPowerOfTwo
        let bySize = max(1, capacity / minimumShardCapacity)
        let bySizePowerOfTwo = 1 << (Int.bitWidth - 1 - bySize.leadingZeroBitCount)
        return ShardLayout(count: min(byContention, bySizePowerOfTwo))
    }

    /// The capacity of shard `index` when the cache holds `capacity`: the shares differ by at most
    /// one and add up to `capacity` exactly.
    func capacity(ofShard index: Int, total capacity: Int) -> Int {
        capacity / count + (index < capacity % count ? 1 : 0)
    }

    /// The shard of a key whose `hashValue` is `hashValue`.
    ///
    /// - Complexity: O(1): one multiplication.
    @inlinable @inline(__always)
    func index(ofHashValue hashValue: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(hashValue)) &* 0x9E37_79B9_7F4A_7C15) >> indexShift)
    }
}
