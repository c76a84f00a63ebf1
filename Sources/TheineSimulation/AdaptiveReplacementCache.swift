/// ARC, the Adaptive Replacement Cache (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
/// Replacement Cache", FAST '03), simulated over keys for comparison with the library's policies.
///
/// ```swift
/// let arc = AdaptiveReplacementCache(capacity: 1_000)
/// let hit = arc.access(42)     // a lookup, and an insertion on a miss
/// ```
///
/// Four LRU lists follow the paper's `T1`, `T2` (resident: seen once, seen at least twice recently)
/// and their ghosts `B1`, `B2` (keys only); a hit in a ghost list moves the target size `p` of `T1`
/// toward the list that would have hit. Entries live in arrays linked by index, at most
/// 2 × capacity of them, with a dictionary from key to entry.
///
/// - Complexity: ``access(_:)`` is O(1) expected time.
public final class AdaptiveReplacementCache {
    /// The four lists of the paper.
    private enum List: Int {
        case recent, frequent, recentGhost, frequentGhost
    }

    /// The cache size `c` in resident entries.
    public let capacity: Int
    /// The paper's `p`: the target size of the recency list `T1`, in `0...capacity`.
    private var recentTarget = 0.0

    private var entryOfKey: [UInt64: Int32] = [:]
    private var keys: [UInt64] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var list: [List] = []
    /// The entries that left every list, for reuse.
    private var freeEntries: [Int32] = []
    /// Each list's most and least recently used entries (`-1` when empty) and length, by `List`.
    private var mostRecent: [Int32] = [-1, -1, -1, -1]
    private var leastRecent: [Int32] = [-1, -1, -1, -1]
    private var length: [Int] = [0, 0, 0, 0]

    /// Creates an empty cache of `capacity` entries (at least 1).
    public init(capacity: Int) {
        precondition(capacity >= 1, "a cache holds at least one entry, got \(capacity)")
        self.capacity = capacity
        entryOfKey.reserveCapacity(2 * capacity)
    }

    /// Looks `key` up and, on a miss, inserts it: the replay rule of every simulated policy.
    ///
    /// - Returns: whether `key` was resident (in `T1` or `T2`).
    /// - Complexity: O(1) expected time.
    public func access(_ key: UInt64) -> Bool {
        guard let entry = entryOfKey[key] else {
            admitNewKey(key)
            return false
        }
        switch list[Int(entry)] {
        case .recent, .frequent:
            move(entry, to: .frequent)
            return true
        case .recentGhost:
            let step = max(Double(length[List.frequentGhost.rawValue]) / Double(length[List.recentGhost.rawValue]), 1)
            recentTarget = min(recentTarget + step, Double(capacity))
            replace(ghostHitInFrequent: false)
            move(entry, to: .frequent)
            return false
        case .frequentGhost:
            let step = max(Double(length[List.recentGhost.rawValue]) / Double(length[List.frequentGhost.rawValue]), 1)
            recentTarget = max(recentTarget - step, 0)
            replace(ghostHitInFrequent: true)
            move(entry, to: .frequent)
            return false
        }
    }

    /// The paper's case IV: `key` is in no list.
    private func admitNewKey(_ key: UInt64) {
        let recentTotal = length[List.recent.rawValue] + length[List.recentGhost.rawValue]
        if recentTotal == capacity {
            if length[List.recent.rawValue] < capacity {
                discard(leastRecent[List.recentGhost.rawValue])
                replace(ghostHitInFrequent: false)
            } else {
                discard(leastRecent[List.recent.rawValue])
            }
        } else {
            let total = length.reduce(0, +)
            if total >= capacity {
                if total == 2 * capacity { discard(leastRecent[List.frequentGhost.rawValue]) }
                replace(ghostHitInFrequent: false)
            }
        }
        let entry: Int32
        if let free = freeEntries.popLast() {
            entry = free
            keys[Int(entry)] = key
        } else {
            entry = Int32(keys.count)
            keys.append(key)
            previous.append(-1)
            next.append(-1)
            list.append(.recent)
        }
        entryOfKey[key] = entry
        pushMostRecent(entry, on: .recent)
    }

    /// The paper's REPLACE: demotes the least recent resident entry of `T1` or `T2` to its ghost list.
    private func replace(ghostHitInFrequent: Bool) {
        let recentLength = length[List.recent.rawValue]
        let recentIsOverTarget =
            Double(recentLength) > recentTarget || (ghostHitInFrequent && Double(recentLength) == recentTarget)
        if recentLength >= 1, recentIsOverTarget {
            move(leastRecent[List.recent.rawValue], to: .recentGhost)
        } else {
            move(leastRecent[List.frequent.rawValue], to: .frequentGhost)
        }
    }

    /// Moves `entry` to the most recent end of `target`.
    private func move(_ entry: Int32, to target: List) {
        unlink(entry)
        pushMostRecent(entry, on: target)
    }

    /// Forgets `entry`'s key.
    private func discard(_ entry: Int32) {
        unlink(entry)
        entryOfKey[keys[Int(entry)]] = nil
        freeEntries.append(entry)
    }

    private func pushMostRecent(_ entry: Int32, on target: List) {
        let index = Int(entry)
        let head = mostRecent[target.rawValue]
        list[index] = target
        previous[index] = -1
        next[index] = head
        if head >= 0 { previous[Int(head)] = entry } else { leastRecent[target.rawValue] = entry }
        mostRecent[target.rawValue] = entry
        length[target.rawValue] += 1
    }

    private func unlink(_ entry: Int32) {
        let index = Int(entry)
        let owner = list[index].rawValue
        let before = previous[index]
        let after = next[index]
        if before >= 0 { next[Int(before)] = after } else { mostRecent[owner] = after }
        if after >= 0 { previous[Int(after)] = before } else { leastRecent[owner] = before }
        length[owner] -= 1
    }
}
