/// Adaptive W-TinyLFU: a small LRU admission window in front of a segmented LRU main space, with a
/// frequency sketch deciding which entries the main space admits, and a hill climber sizing the
/// window to the workload.
///
/// New entries enter the window. An entry pushed out of the window is a *candidate* for the main
/// space; it stays only if the sketch estimates it more frequent than the main space's *victim*
/// (the least recently used entry of probation), else it is the one evicted. The main space is a
/// segmented LRU: entries enter probation and a hit promotes them to protected (80% of the main
/// space), whose overflow is demoted back to probation.
///
/// - Complexity: every operation O(1), amortized where the window is resized (at most 1,000 entries
///   move per operation) and where the sketch grows or ages. A hit does no allocation.
final class TinyLFUPolicy: CachePolicy {
    // Implementation notes. References: [1] Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient
    // Cache Admission Policy", ACM ToS 2017 (arXiv 1512.00727): the window, the SLRU main space and
    // the admission rule. [2] Caffeine's `BoundedLocalCache` (2.7 and later): the adaptive window
    // (hill climbing), the transfer of entries when the window moves, and the defence against hash
    // flooding. [3] Megiddo, Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST '03:
    // ghost lists of evicted keys as the signal for moving the boundary between two parts.
    //
    // Initial sizes, as [2]: window = capacity − ⌊0.99 × capacity⌋ (1%, at least 1 entry), protected
    // maximum = ⌊0.8 × (capacity − window)⌋, probation takes the rest.
    //
    // Admission [1, 2]: the candidate wins only if strictly more frequent than the victim. An
    // attacker who makes the victim's key look hot (collisions in the sketch) could then pin the
    // main space, so a warm candidate (estimate ≥ 6) is admitted anyway with probability 1/128.
    //
    // Eviction mirrors [2]'s `evictFromMain` for unit weights: the window's overflow moves to the
    // tail of probation, the first entry moved is the candidate; if none moved, the candidate is the
    // window's least recent entry. The victim is probation's head, else protected's, else the
    // window's. When only one of them exists, or both are the same entry, it is evicted outright.
    // Each insertion adds one entry, so at most one entry is evicted per insertion.
    //
    // Climbing [2, 3]: once the cache is full, the climber counts requests, and misses on keys that
    // recently left the window (every entry moved from the window to probation is remembered) or
    // were recently evicted from the main space (victims of probation or protected; a rejected
    // candidate left the window already). Each history holds one climber step of hashes, so a
    // return is a hit that one step more on that side would have had. Growing the window takes quota from the protected
    // maximum and moves the least recent entries of probation (else protected) into the window;
    // shrinking moves the window's least recent entries to probation. What cannot be moved now is
    // kept as a pending adjustment for the next operations.

    private enum Queue: UInt8 {
        case window, probation, protected
    }

    static let admitRandomlyAtFrequency = 6
    static let maximumTransfersPerOperation = 1_000

    let capacity: Int
    private var links = SlotLinks()
    private var queueOfSlot: [Queue] = []
    private var hashOfSlot: [UInt64] = []
    private var window = SlotList()
    private var probation = SlotList()
    private var protected = SlotList()
    private(set) var windowMaximum: Int
    private(set) var protectedMaximum: Int
    private var sketch: FrequencySketch
    private var climber: WindowClimber
    private var pendingAdjustment = 0
    private var isSampling = false
    private var random: SplitMix64
    private var windowHistory: GhostHistory
    private var mainHistory: GhostHistory

    /// Creates the policy for `capacity` entries; `seed` fixes the random admissions.
    init(capacity: Int, seed: UInt64) {
        self.capacity = capacity
        windowMaximum = capacity - Int(0.99 * Double(capacity))
        protectedMaximum = Int(0.8 * Double(capacity - windowMaximum))
        sketch = FrequencySketch(capacity: capacity)
        climber = WindowClimber(capacity: capacity, sampleSize: sketch.sampleSize)
        random = SplitMix64(seed: seed)
        windowHistory = GhostHistory(capacity: WindowClimber.historyLength(capacity: capacity))
        mainHistory = GhostHistory(capacity: WindowClimber.historyLength(capacity: capacity))
    }

    private var residentCount: Int { window.count + probation.count + protected.count }

    func recordAccess(_ slot: SlotIndex) {
        let index = Int(slot)
        sketch.increment(hashOfSlot[index])
        switch queueOfSlot[index] {
        case .window:
            links.moveToTail(slot, in: &window)
        case .probation:
            promoteFromProbation(slot)
        case .protected:
            links.moveToTail(slot, in: &protected)
        }
        climber.recordRequest()
        climb()
    }

    func recordInsertion(_ slot: SlotIndex, hash: UInt64) -> SlotIndex {
        let index = Int(slot)
        links.ensureSlot(slot)
        if index == queueOfSlot.count {
            queueOfSlot.append(.window)
            hashOfSlot.append(hash)
        } else {
            queueOfSlot[index] = .window
            hashOfSlot[index] = hash
        }
        links.append(slot, to: &window)
        sketch.ensureCapacity(forEntryCount: residentCount)
        sketch.increment(hash)
        climber.recordRequest()
        if windowHistory.remove(hash) { climber.recordWindowReturn() }
        if mainHistory.remove(hash) { climber.recordMainReturn() }
        let victim = evictIfOverCapacity()
        climb()
        return victim
    }

    func recordRemoval(_ slot: SlotIndex) {
        unlink(slot)
    }

    func removeAll() {
        links.removeAll()
        queueOfSlot = []
        hashOfSlot = []
        window = SlotList()
        probation = SlotList()
        protected = SlotList()
        windowHistory.removeAll()
        mainHistory.removeAll()
    }

    // MARK: - Segments

    /// Takes `slot` off whichever list holds it.
    private func unlink(_ slot: SlotIndex) {
        switch queueOfSlot[Int(slot)] {
        case .window: links.remove(slot, from: &window)
        case .probation: links.remove(slot, from: &probation)
        case .protected: links.remove(slot, from: &protected)
        }
    }

    /// Moves `slot` to the most recent end of `queue`'s list.
    private func move(_ slot: SlotIndex, to queue: Queue) {
        unlink(slot)
        queueOfSlot[Int(slot)] = queue
        switch queue {
        case .window: links.append(slot, to: &window)
        case .probation: links.append(slot, to: &probation)
        case .protected: links.append(slot, to: &protected)
        }
    }

    /// A hit in probation: the entry proved itself and joins protected, whose overflow is demoted.
    private func promoteFromProbation(_ slot: SlotIndex) {
        guard protectedMaximum > 0 else {
            links.moveToTail(slot, in: &probation)
            return
        }
        move(slot, to: .protected)
        demoteProtectedOverflow()
    }

    private func demoteProtectedOverflow() {
        while protected.count > protectedMaximum {
            move(protected.head, to: .probation)
        }
    }

    // MARK: - Eviction

    /// Moves the window's overflow to probation and, if the cache holds more than its capacity,
    /// evicts the loser of candidate against victim.
    private func evictIfOverCapacity() -> SlotIndex {
        var candidate = SlotIndex.none
        while window.count > windowMaximum {
            let slot = window.head
            move(slot, to: .probation)
            windowHistory.record(hashOfSlot[Int(slot)])
            if candidate == .none { candidate = slot }
        }
        guard residentCount > capacity else { return .none }
        if candidate == .none { candidate = window.head }
        var victim = probation.head
        if victim == .none { victim = protected.head }
        if victim == .none { victim = window.head }

        let evicted: SlotIndex
        if candidate == .none || candidate == victim {
            evicted = victim
        } else if victim == .none {
            evicted = candidate
        } else {
            evicted = admits(candidate, over: victim) ? victim : candidate
        }
        if evicted != candidate && queueOfSlot[Int(evicted)] != .window {
            mainHistory.record(hashOfSlot[Int(evicted)])
        }
        unlink(evicted)
        return evicted
    }

    /// Whether `candidate` should replace `victim` in the main space.
    private func admits(_ candidate: SlotIndex, over victim: SlotIndex) -> Bool {
        let candidateFrequency = sketch.frequency(of: hashOfSlot[Int(candidate)])
        let victimFrequency = sketch.frequency(of: hashOfSlot[Int(victim)])
        if candidateFrequency > victimFrequency { return true }
        guard candidateFrequency >= Self.admitRandomlyAtFrequency else { return false }
        return random.next() & 127 == 0
    }

    // MARK: - Window sizing

    private func climb() {
        if !isSampling {
            guard residentCount >= capacity else {
                climber.discardSample()
                return
            }
            isSampling = true
            climber.discardSample()
        }
        let sampled = climber.adjustment()
        if sampled != 0 { pendingAdjustment = sampled }
        if pendingAdjustment > 0 {
            growWindow()
        } else if pendingAdjustment < 0 {
            shrinkWindow()
        }
    }

    private func growWindow() {
        guard protectedMaximum > 0 else {
            pendingAdjustment = 0
            return
        }
        var quota = min(pendingAdjustment, protectedMaximum)
        protectedMaximum -= quota
        windowMaximum += quota
        demoteProtectedOverflow()
        var moved = 0
        while quota > 0 && moved < Self.maximumTransfersPerOperation {
            let slot = probation.isEmpty ? protected.head : probation.head
            guard slot != .none else { break }
            move(slot, to: .window)
            quota -= 1
            moved += 1
        }
        protectedMaximum += quota
        windowMaximum -= quota
        pendingAdjustment = quota
    }

    private func shrinkWindow() {
        guard windowMaximum > 1 else {
            pendingAdjustment = 0
            return
        }
        var quota = min(-pendingAdjustment, windowMaximum - 1)
        protectedMaximum += quota
        windowMaximum -= quota
        var moved = 0
        while quota > 0 && moved < Self.maximumTransfersPerOperation && !window.isEmpty {
            move(window.head, to: .probation)
            quota -= 1
            moved += 1
        }
        protectedMaximum -= quota
        windowMaximum += quota
        pendingAdjustment = -quota
    }

    // MARK: - Invariants

    func checkInvariants(residentCount expected: Int) {
        precondition(residentCount == expected, "W-TinyLFU holds \(residentCount), cache \(expected)")
        precondition(residentCount <= capacity, "W-TinyLFU over capacity")
        precondition(windowMaximum >= 0 && protectedMaximum >= 0, "negative segment maximum")
        precondition(windowMaximum + protectedMaximum <= capacity, "segments exceed the capacity")
        precondition(protected.count <= protectedMaximum, "protected over its maximum")
        links.checkList(window) { queueOfSlot[Int($0)] == .window }
        links.checkList(probation) { queueOfSlot[Int($0)] == .probation }
        links.checkList(protected) { queueOfSlot[Int($0)] == .protected }
    }
}

extension TinyLFUPolicy {
    /// The current segment sizes, for tests and reports.
    var segmentCounts: (window: Int, probation: Int, protected: Int) {
        (window.count, probation.count, protected.count)
    }
}
