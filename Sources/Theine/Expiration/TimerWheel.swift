/// The deadlines of the entries that have a TTL, in a hierarchical timer wheel (Varghese and Lauck,
/// "Hashed and Hierarchical Timing Wheels", 1987), so that expired entries are found without scanning.
///
/// Time is in nanoseconds of the cache's clock. The wheel has five levels of buckets; a bucket of
/// one level spans a power of two of nanoseconds, and the buckets of a level together span exactly
/// one bucket of the level above:
///
/// | level      | one bucket spans   | buckets | the level spans |
/// |------------|--------------------|---------|-----------------|
/// | 0          | 2^30 ns ≈ 1.07 s   | 64      | ≈ 68.7 s        |
/// | 1          | 2^36 ns ≈ 1.15 min | 64      | ≈ 73.3 min      |
/// | 2          | 2^42 ns ≈ 1.22 h   | 16      | ≈ 19.5 h        |
/// | 3          | 2^46 ns ≈ 19.5 h   | 8       | ≈ 6.5 days      |
/// | 4 overflow | 2^49 ns ≈ 6.5 days | 8       | ≈ 52 days       |
///
/// Each level is a ring whose bucket `i` holds the deadlines whose tick (deadline shifted right by
/// the level's span) is `i` modulo the ring's size. A deadline goes to the lowest level whose ring
/// reaches it from the present tick. Level 0's bucket for a tick is emptied when time leaves that
/// tick: every deadline in it has passed, so its entries expire. A higher level's bucket is emptied
/// when time enters its tick: its deadlines are now less than one of that level's buckets away, so
/// they cascade into a lower level. Deadlines beyond the overflow ring's reach wait in it and are
/// placed again each time the ring comes round to them (every 52 days).
///
/// Entries are linked into buckets by slot index, like the policies' lists: each bucket is a
/// circular doubly linked list through a sentinel node, so any entry unlinks in O(1) without
/// knowing its bucket. Memory is allocated on the first deadline only: 17 bytes per slot (two
/// links, the deadline and the bucket) and 160 sentinels.
///
/// - Complexity: scheduling, rescheduling and cancelling are O(1). Advancing is amortized O(1) per
///   entry: an entry moves down at most four levels before it expires, plus one move per overflow
///   revolution for deadlines over 52 days away.
///
/// Not thread-safe: guarded by the cache's lock, like everything in ``CacheState``.
@usableFromInline
struct TimerWheel {
    /// One ring of buckets.
    private struct Level {
        /// log2 of one bucket's span in nanoseconds.
        let spanShift: Int64
        /// The number of buckets, a power of two.
        let bucketCount: Int64
        /// The index of the level's first sentinel node.
        let firstBucket: Int

        func tick(of time: Int64) -> Int64 { time >> spanShift }

        func bucket(ofTick tick: Int64) -> Int { firstBucket + Int(tick & (bucketCount - 1)) }
    }

    private static let levels: [Level] = {
        let shapes: [(spanShift: Int64, bucketCount: Int64)] = [
            (bottomSpanShift, 64), (36, 64), (42, 16), (46, 8), (49, 8),
        ]
        var levels: [Level] = []
        var firstBucket = 0
        for shape in shapes {
            levels.append(Level(spanShift: shape.spanShift, bucketCount: shape.bucketCount, firstBucket: firstBucket))
            firstBucket += Int(shape.bucketCount)
        }
        return levels
    }()

    /// The number of sentinel nodes: one per bucket, ahead of the slots' nodes.
    private static let sentinelCount = levels.reduce(0) { $0 + Int($1.bucketCount) }

    /// The span of one level-0 bucket: how long after its deadline an entry may wait for
    /// ``advance(to:expired:)`` to expire it.
    static let bottomSpan: Int64 = 1 << bottomSpanShift

    private static let bottomSpanShift: Int64 = 30

    /// The deadline of each slot's entry; `Int64.max` where the entry has none. Sized to the highest
    /// slot that ever had a deadline.
    @usableFromInline var _deadlines: [Int64] = []
    /// The bucket each slot with a deadline is linked into, so that a new deadline in the same bucket
    /// needs no relinking.
    private var bucketOfSlot: [UInt8] = []
    /// Links by node: the sentinels first, then one node per slot (`sentinelCount + slot`).
    private var previous: [Int32] = []
    private var next: [Int32] = []

    /// The number of entries with a deadline.
    @usableFromInline private(set) var scheduledCount = 0

    /// The time the wheel has advanced to.
    private(set) var currentTime: Int64

    /// Creates an empty wheel whose present is `currentTime`.
    init(currentTime: Int64) {
        self.currentTime = currentTime
    }

    /// Whether no entry has a deadline.
    @inlinable
    var isEmpty: Bool {
        @inline(__always) get { scheduledCount == 0 }
    }

    /// The deadline of the entry in `slot`, or `Int64.max` if it has none.
    ///
    /// - Complexity: O(1).
    @inlinable @inline(__always)
    func deadline(of slot: SlotIndex) -> Int64 {
        Int(slot) < _deadlines.count ? _deadlines[Int(slot)] : .max
    }

    /// Gives the entry in `slot` the deadline `deadline`, replacing any deadline it had.
    ///
    /// - Complexity: O(1).
    @usableFromInline
    mutating func schedule(_ slot: SlotIndex, at deadline: Int64) {
        precondition(deadline != .max, "a deadline of Int64.max means none: cancel instead")
        let bucket = bucket(for: deadline)
        if self.deadline(of: slot) != .max {
            // Rewriting an entry with its usual TTL mostly lands in the bucket it is in already.
            _deadlines[Int(slot)] = deadline
            guard Int(bucketOfSlot[Int(slot)]) != bucket else { return }
            unlink(node(of: slot))
        } else {
            makeRoom(for: slot)
            _deadlines[Int(slot)] = deadline
            scheduledCount += 1
        }
        link(slot, into: bucket)
    }

    /// Removes the deadline of the entry in `slot`, if it has one.
    ///
    /// - Complexity: O(1).
    @usableFromInline
    mutating func cancel(_ slot: SlotIndex) {
        guard deadline(of: slot) != .max else { return }
        unlink(node(of: slot))
        _deadlines[Int(slot)] = .max
        scheduledCount -= 1
    }

    /// Moves the wheel's present to `now`, appending to `expired` the slots of entries whose deadline
    /// has passed in every bucket that time has left, and cascading the deadlines that time has come
    /// closer to. The wheel forgets the expired slots; the caller removes their entries.
    ///
    /// Entries due in the present level-0 bucket wait for time to leave it (at most
    /// ``bottomSpan`` after their deadline); ``expireAll(upTo:expired:)`` also takes them.
    /// A `now` earlier than the wheel's present is ignored.
    ///
    /// - Complexity: amortized O(1) per entry (see the type's notes); O(1) when no bucket boundary
    ///   was crossed.
    @usableFromInline
    mutating func advance(to now: Int64, expired: inout [SlotIndex]) {
        guard now > currentTime else { return }
        let previousTime = currentTime
        currentTime = now
        // Within one level-0 tick no bucket is crossed at any level: the common case.
        guard !isEmpty, now >> Self.bottomSpanShift != previousTime >> Self.bottomSpanShift else { return }
        // Highest level first, so that a deadline cascading down lands in a level still to be
        // processed in this call.
        for level in Self.levels.reversed() {
            let previousTick = level.tick(of: previousTime)
            let nowTick = level.tick(of: now)
            guard nowTick > previousTick else { continue }
            let crossed = min(nowTick - previousTick, level.bucketCount)
            // Level 0 empties the buckets time has left; the others, the buckets it has entered.
            let firstTick = level.firstBucket == 0 ? previousTick : previousTick + 1
            for tick in firstTick..<(firstTick + crossed) {
                drain(bucket: level.bucket(ofTick: tick), now: now, expired: &expired)
            }
        }
    }

    /// Like ``advance(to:expired:)``, and then also expires the entries of the present level-0
    /// bucket whose deadline is at or before `now`: afterwards no deadline before or at `now` is left.
    ///
    /// - Complexity: amortized O(1) per entry as ``advance(to:expired:)``, plus O(k) for the k
    ///   entries due within the present level-0 bucket (about a second): call it periodically, not
    ///   on every operation.
    @usableFromInline
    mutating func expireAll(upTo now: Int64, expired: inout [SlotIndex]) {
        advance(to: now, expired: &expired)
        guard !isEmpty else { return }
        let level = Self.levels[0]
        let sentinel = level.bucket(ofTick: level.tick(of: currentTime))
        var node = next[sentinel]
        while node != Int32(sentinel) {
            let after = next[Int(node)]
            let slot = slot(of: node)
            if _deadlines[Int(slot)] <= now {
                unlink(Int(node))
                forget(slot, into: &expired)
            }
            node = after
        }
    }

    /// Forgets every deadline; the present stays.
    @usableFromInline
    mutating func removeAll() {
        _deadlines = []
        bucketOfSlot = []
        previous = []
        next = []
        scheduledCount = 0
    }

    // MARK: Buckets

    private func node(of slot: SlotIndex) -> Int { Self.sentinelCount + Int(slot) }

    private func slot(of node: Int32) -> SlotIndex { node - Int32(Self.sentinelCount) }

    /// Grows the arrays to hold `slot`; on the first call, creates the empty buckets.
    private mutating func makeRoom(for slot: SlotIndex) {
        if previous.isEmpty {
            previous = (0..<Self.sentinelCount).map { Int32($0) }
            next = previous
        }
        while _deadlines.count <= Int(slot) {
            _deadlines.append(.max)
            bucketOfSlot.append(0)
            previous.append(-1)
            next.append(-1)
        }
    }

    /// The bucket that holds `deadline`, seen from the wheel's present.
    private func bucket(for deadline: Int64) -> Int {
        let bottom = Self.levels[0]
        let presentTick = bottom.tick(of: currentTime)
        // A deadline already past belongs to the present bucket, emptied when time leaves it.
        let tick = max(bottom.tick(of: deadline), presentTick)
        if tick - presentTick < bottom.bucketCount {
            return bottom.bucket(ofTick: tick)
        }
        // The level below could not reach the deadline, so it is at least one tick ahead here.
        for level in Self.levels.dropFirst().dropLast()
        where level.tick(of: deadline) - level.tick(of: currentTime) < level.bucketCount {
            return level.bucket(ofTick: level.tick(of: deadline))
        }
        let overflow = Self.levels[Self.levels.count - 1]
        return overflow.bucket(ofTick: overflow.tick(of: deadline))
    }

    /// Appends `slot`'s node to the bucket whose sentinel is `sentinel`.
    private mutating func link(_ slot: SlotIndex, into sentinel: Int) {
        bucketOfSlot[Int(slot)] = UInt8(sentinel)
        let node = node(of: slot)
        let last = Int(previous[sentinel])
        previous[node] = Int32(last)
        next[node] = Int32(sentinel)
        next[last] = Int32(node)
        previous[sentinel] = Int32(node)
    }

    private mutating func unlink(_ node: Int) {
        let before = Int(previous[node])
        let after = Int(next[node])
        next[before] = Int32(after)
        previous[after] = Int32(before)
        previous[node] = -1
        next[node] = -1
    }

    /// Clears `slot`'s deadline (its node already unlinked) and reports it expired.
    private mutating func forget(_ slot: SlotIndex, into expired: inout [SlotIndex]) {
        _deadlines[Int(slot)] = .max
        scheduledCount -= 1
        expired.append(slot)
    }

    /// Empties the bucket whose sentinel is `sentinel`: entries due by `now` expire, the others are
    /// placed again from the present (a lower level, or, beyond the overflow ring, the same bucket).
    private mutating func drain(bucket sentinel: Int, now: Int64, expired: inout [SlotIndex]) {
        let first = Int(next[sentinel])
        guard first != sentinel else { return }
        let last = Int(previous[sentinel])
        next[sentinel] = Int32(sentinel)
        previous[sentinel] = Int32(sentinel)
        var node = first
        while true {
            let after = Int(next[node])
            let slot = slot(of: Int32(node))
            previous[node] = -1
            next[node] = -1
            let deadline = _deadlines[Int(slot)]
            if deadline <= now {
                forget(slot, into: &expired)
            } else {
                link(slot, into: bucket(for: deadline))
            }
            if node == last { break }
            node = after
        }
    }

    // MARK: Invariants

    /// Traps unless every bucket is a well-formed ring, the linked slots are exactly the slots with a
    /// deadline, and each of them is resident. O(n).
    func checkInvariants(isResident: (SlotIndex) -> Bool) {
        guard !next.isEmpty else {
            precondition(scheduledCount == 0, "\(scheduledCount) scheduled but no buckets")
            return
        }
        var linked = 0
        for level in Self.levels {
            for bucket in level.firstBucket..<(level.firstBucket + Int(level.bucketCount)) {
                var node = Int(next[bucket])
                var before = bucket
                while node != bucket {
                    precondition(node >= Self.sentinelCount, "bucket \(bucket) links to sentinel \(node)")
                    precondition(Int(previous[node]) == before, "broken back link at wheel node \(node)")
                    let slot = slot(of: Int32(node))
                    precondition(_deadlines[Int(slot)] != .max, "slot \(slot) is linked without a deadline")
                    precondition(isResident(slot), "slot \(slot) has a deadline but no entry")
                    precondition(
                        Int(bucketOfSlot[Int(slot)]) == bucket,
                        "slot \(slot) is in bucket \(bucket), noted elsewhere"
                    )
                    linked += 1
                    precondition(linked <= scheduledCount, "more linked slots than the \(scheduledCount) scheduled")
                    before = node
                    node = Int(next[node])
                }
            }
        }
        precondition(linked == scheduledCount, "\(scheduledCount) scheduled but \(linked) linked")
        precondition(_deadlines.count { $0 != .max } == scheduledCount, "deadline count disagrees with scheduled count")
    }
}
