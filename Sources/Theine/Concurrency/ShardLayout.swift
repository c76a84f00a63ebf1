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
/// Shards are a concurrency device, not a policy: each evicts within its own share, with its own
/// frequency sketch, window and random admissions, so a sharded cache runs another instance of the
/// policy than one over the whole capacity, and an adaptive policy answers with another hit ratio:
/// LRU hardly moves, W-TinyLFU and Clock-Pro do, at every shard size, so the shift does not shrink
/// as shards grow (`Documentation/DesignNotes.md`, "first step: shards", has the figures). So the
/// automatic layout keeps every cache under 262,144 entries in one shard (each shard
/// holds at least ``minimumShardCapacity`` entries), which covers every size of the traces we
/// measure, and their policy is exact; the simulator replays through one shard at any size. A
/// caller who needs more writers in at once on a smaller cache asks for shards, and takes the shift.
@usableFromInline
struct ShardLayout: Sendable {
    /// The number of shards: a power of two.
    @usableFromInline let count: Int
    /// The right shift that keeps the top log2(count) bits of the shard hash.
    @usableFromInline let indexShift: UInt64

    /// The least capacity a shard gets when the layout is chosen from the capacity.
    static let minimumShardCapacity = 131_072

    /// The shard counts a cache accepts: at most 1,024, as each costs a lock, a policy and a read
    /// stripe per processor.
    static let validCounts = 1...1_024

    /// One shard.
    static let single = ShardLayout(count: 1)

    /// `count` shards; `count` must be a power of two.
    init(count: Int) {
        precondition(count >= 1 && count & (count - 1) == 0, "count must be a power of two, got \(count)")
        self.count = count
        indexShift = UInt64(64 - count.trailingZeroBitCount)
    }

    /// The layout a caller asked for: `requestedCount` (in ``validCounts``) rounded up to a
    /// power of two, but no more shards than `capacity` entries, so that every shard holds one.
    static func requested(count requestedCount: Int, capacity: Int) -> ShardLayout {
        ShardLayout(count: min(requestedCount.roundedUpToPowerOfTwo, capacity.roundedDownToPowerOfTwo))
    }

    /// The layout for `capacity`: as many shards as fit ``minimumShardCapacity`` entries each, up to
    /// four per processor (rounded to a power of two), so that contention stays low on any machine
    /// without splitting small caches.
    static func automatic(capacity: Int) -> ShardLayout {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let byContention = (4 * processors).roundedUpToPowerOfTwo
        let bySize = max(1, capacity / minimumShardCapacity).roundedDownToPowerOfTwo
        return ShardLayout(count: min(byContention, bySize))
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
