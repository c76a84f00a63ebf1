/// A binary max-heap of request positions with lazy deletion, for ``BeladyOptimal``: entries that
/// are no longer live stay in the heap until they reach the top or the heap is compacted.
///
/// Liveness is the caller's to tell (a closure), so that invalidating an entry costs nothing here.
/// When the heap grows past its compaction threshold, the dead entries are dropped and the rest
/// re-heapified, so memory stays proportional to the live entries and each operation costs
/// amortized O(log n) of them.
struct PositionHeap {
    private var positions: [Int32] = []
    /// The size at which ``insert(_:isLive:)`` drops the dead entries.
    private let compactionThreshold: Int

    init(compactionThreshold: Int) {
        self.compactionThreshold = compactionThreshold
        positions.reserveCapacity(compactionThreshold + 1)
    }

    /// Adds `position`, first dropping the dead entries if the heap has reached its threshold.
    ///
    /// - Complexity: O(log n); amortized O(log n) with compaction.
    mutating func insert(_ position: Int32, isLive: (Int32) -> Bool) {
        if positions.count >= compactionThreshold {
            positions.removeAll { !isLive($0) }
            for index in stride(from: positions.count / 2 - 1, through: 0, by: -1) {
                siftDown(from: index)
            }
        }
        positions.append(position)
        var child = positions.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard positions[parent] < positions[child] else { break }
            positions.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the largest live position, discarding the dead entries above it.
    ///
    /// - Precondition: the heap holds a live entry.
    /// - Complexity: O(log n) for each entry removed.
    mutating func popFarthest(isLive: (Int32) -> Bool) -> Int32 {
        while true {
            let top = positions[0]
            let last = positions.removeLast()
            if !positions.isEmpty {
                positions[0] = last
                siftDown(from: 0)
            }
            if isLive(top) { return top }
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < positions.count else { return }
            let right = left + 1
            let larger = right < positions.count && positions[right] > positions[left] ? right : left
            guard positions[larger] > positions[parent] else { return }
            positions.swapAt(parent, larger)
            parent = larger
        }
    }
}
