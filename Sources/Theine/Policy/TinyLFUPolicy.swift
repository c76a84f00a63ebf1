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
    // flooding. [3] Waldspurger, Park, Garthwaite, Ahmad, "Efficient MRC Construction with SHARDS",
    // FAST '15: simulating a cache on a spatial sample of the keys, scaled down by the same rate.
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
    // The sketch counts from the moment the cache is half full, as [2] initializes its sketch then:
    // counting the fill itself gives every early key a head start that the sample's halving takes
    // long to erase.
    //
    // Climbing: once the cache is full, two probes (`WindowProbe`, a non-adaptive instance of this
    // policy at 1/rate of the capacity) replay the requests whose hash falls in a 1/rate sample,
    // with windows one climber step below and above the cache's (scaled by the rate). The rate is a
    // power of two that keeps each probe at 256 to 511 entries, or 1 for caches under 512 entries.
    // Every 10 × capacity requests (sampled: 10 × capacity / rate) `WindowClimber` compares their
    // hits and the window moves one step; then the probe that hit more is copied over the other,
    // and both are set one step around the new window. Growing takes quota from the protected
    // maximum and moves the least recent entries of probation (else protected) into the window;
    // shrinking moves the window's least recent entries to probation; what cannot move now is a
    // pending adjustment for the next operations [2].

    private enum Queue: UInt8 {
        case window, probation, protected
    }

    static let admitRandomlyAtFrequency = 6
    static let maximumTransfersPerOperation = 1_000
    static let minimumProbeCapacity = 256

    let capacity: Int
    @exclusivity(unchecked) private var links = SlotLinks()
    @exclusivity(unchecked) private var queueOfSlot = OwnedArray<Queue>()
    @exclusivity(unchecked) private var hashOfSlot = OwnedArray<UInt64>()
    @exclusivity(unchecked) private var window = SlotList()
    @exclusivity(unchecked) private var probation = SlotList()
    @exclusivity(unchecked) private var protected = SlotList()
    @exclusivity(unchecked) private(set) var windowMaximum: Int
    @exclusivity(unchecked) private(set) var protectedMaximum: Int
    @exclusivity(unchecked) private var sketch: FrequencySketch
    @exclusivity(unchecked) private var climber: WindowClimber
    @exclusivity(unchecked) private var pendingAdjustment = 0
    @exclusivity(unchecked) private var isCounting = false
    @exclusivity(unchecked) private var random: SplitMix64
    private let seed: UInt64
    /// Where ``recordAccesses(_:)`` leaves what it touched, so that the loads are not optimized away.
    @exclusivity(unchecked) private var touched: UInt64 = 0

    /// Whether the window adapts; probes, which measure one fixed window size, do not.
    private let isAdaptive: Bool
    /// A request is sampled for the probes when `(hash >> 24) & probeSampleMask == 0`.
    private let probeSampleMask: UInt64
    private let sampledRequestsPerDecision: Int
    @exclusivity(unchecked) private var sampledRequests = 0
    /// The probes, one step below and one step above the window; created when the cache is full.
    @exclusivity(unchecked) private var probes: (smaller: WindowProbe, larger: WindowProbe)?

    /// Creates the policy for `capacity` entries; `seed` fixes the random admissions. A policy that
    /// is not adaptive keeps its window at the size it is given.
    init(capacity: Int, seed: UInt64, isAdaptive: Bool = true) {
        self.capacity = capacity
        windowMaximum = capacity - Int(0.99 * Double(capacity))
        protectedMaximum = Int(0.8 * Double(capacity - windowMaximum))
        sketch = FrequencySketch(capacity: capacity)
        climber = WindowClimber(capacity: capacity)
        random = SplitMix64(seed: seed)
        self.seed = seed
        self.isAdaptive = isAdaptive
        let rate = max(1, capacity / Self.minimumProbeCapacity).roundedDownToPowerOfTwo
        probeSampleMask = UInt64(rate - 1)
        sampledRequestsPerDecision = max(1, sketch.sampleSize / rate)
    }

    /// A copy of `other`, which does not adapt (probes copy one another this way).
    init(copying other: TinyLFUPolicy) {
        capacity = other.capacity
        links = other.links.copy()
        queueOfSlot = other.queueOfSlot.copy()
        hashOfSlot = other.hashOfSlot.copy()
        window = other.window
        probation = other.probation
        protected = other.protected
        windowMaximum = other.windowMaximum
        protectedMaximum = other.protectedMaximum
        sketch = other.sketch.copy()
        climber = other.climber
        pendingAdjustment = other.pendingAdjustment
        isCounting = other.isCounting
        random = other.random
        seed = other.seed
        isAdaptive = false
        probeSampleMask = other.probeSampleMask
        sampledRequestsPerDecision = other.sampledRequestsPerDecision
    }

    private var residentCount: Int { window.count + probation.count + protected.count }

    /// The hash of the key in `slot`, which must be resident.
    func hash(ofSlot slot: SlotIndex) -> UInt64 { hashOfSlot[Int(slot)] }

    /// Sets the window to `target` entries (clamped to 1...capacity), taking the difference from
    /// the protected maximum. Entries follow lazily: the window's overflow leaves at the next
    /// insertion, protected's is demoted now. For probes, whose window does not climb.
    func resizeWindow(to target: Int) {
        let newWindowMaximum = min(max(1, target), capacity)
        protectedMaximum = max(
            0,
            min(protectedMaximum - (newWindowMaximum - windowMaximum), capacity - newWindowMaximum)
        )
        windowMaximum = newWindowMaximum
        demoteProtectedOverflow()
    }

    func recordAccess(_ slot: SlotIndex) {
        let index = Int(slot)
        if isCounting { sketch.increment(hashOfSlot[index]) }
        switch queueOfSlot[index] {
        case .window:
            links.moveToTail(slot, in: &window)
        case .probation:
            promoteFromProbation(slot)
        case .protected:
            links.moveToTail(slot, in: &protected)
        }
        if isAdaptive { adapt(toRequestFor: hashOfSlot[index]) }
    }

    func recordAccesses(_ slots: UnsafeBufferPointer<SlotIndex>) {
        for slot in slots {
            let hash = hashOfSlot[Int(slot)]
            touched ^= UInt64(queueOfSlot[Int(slot)].rawValue) ^ UInt64(UInt32(bitPattern: links.touch(slot)))
            if isCounting { touched ^= sketch.touch(hash) }
        }
        for slot in slots { recordAccess(slot) }
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
        if !isCounting && residentCount >= capacity / 2 { isCounting = true }
        if isCounting {
            sketch.ensureCapacity(forEntryCount: residentCount)
            sketch.increment(hash)
        }
        let victim = evictIfOverCapacity()
        if isAdaptive { adapt(toRequestFor: hash) }
        return victim
    }

    func recordRemoval(_ slot: SlotIndex) {
        unlink(slot)
    }

    func removeAll() {
        links.removeAll()
        queueOfSlot = OwnedArray()
        hashOfSlot = OwnedArray()
        window = SlotList()
        probation = SlotList()
        protected = SlotList()
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

    /// Feeds a sampled request to the probes, moves the window when a decision is due, and
    /// carries on with any pending adjustment.
    ///
    /// - Complexity: O(1) and inlined for the common request, which is not sampled and finds the
    ///   probes running and no adjustment pending: nothing to do.
    @inline(__always)
    private func adapt(toRequestFor hash: UInt64) {
        if probes != nil && (hash >> 24) & probeSampleMask != 0 && pendingAdjustment == 0 { return }
        adaptToSampledOrPending(hash)
    }

    /// ``adapt(toRequestFor:)`` for a request that has something to do.
    @inline(never)
    private func adaptToSampledOrPending(_ hash: UInt64) {
        guard probes != nil else {
            if residentCount >= capacity { probes = makeProbes() }
            return
        }
        // `probes!.` mutates the probes in place; a local copy would copy their tables.
        if (hash >> 24) & probeSampleMask == 0 {
            probes!.smaller.access(hash)
            probes!.larger.access(hash)
            sampledRequests += 1
            if sampledRequests >= sampledRequestsPerDecision {
                let adjustment = climber.adjustment(
                    largerWindowHits: probes!.larger.hits,
                    smallerWindowHits: probes!.smaller.hits,
                    sampledRequests: sampledRequests
                )
                if adjustment != 0 { pendingAdjustment = adjustment }
                // Both probes go on from the state of the one that hit more, so that the next sample
                // compares the two window sizes alone, not two histories (a probe that once lost its
                // frequent keys would otherwise keep losing, whatever its window).
                if probes!.larger.hits >= probes!.smaller.hits {
                    probes!.smaller = probes!.larger.copy()
                } else {
                    probes!.larger = probes!.smaller.copy()
                }
                probes!.smaller.resetHits()
                probes!.larger.resetHits()
                sampledRequests = 0
                retargetProbes()
            }
        }
        if pendingAdjustment > 0 {
            growWindow()
        } else if pendingAdjustment < 0 {
            shrinkWindow()
        } else {
            return
        }
        if pendingAdjustment == 0 { retargetProbes() }
    }

    /// The probes' window sizes for the current window and step, scaled to their capacity.
    private var probeWindows: (smaller: Int, larger: Int, capacity: Int) {
        let rate = Int(probeSampleMask) + 1
        let probeCapacity = max(2, capacity / rate)
        let smaller = max(1, (windowMaximum - climber.step) / rate)
        let larger = min(probeCapacity, max(smaller + 1, (windowMaximum + climber.step) / rate))
        return (smaller, larger, probeCapacity)
    }

    private func makeProbes() -> (smaller: WindowProbe, larger: WindowProbe) {
        let windows = probeWindows
        return (
            WindowProbe(capacity: windows.capacity, windowMaximum: windows.smaller, seed: seed &+ 1),
            WindowProbe(capacity: windows.capacity, windowMaximum: windows.larger, seed: seed &+ 2)
        )
    }

    private func retargetProbes() {
        guard let probes else { return }
        let windows = probeWindows
        probes.smaller.resizeWindow(to: windows.smaller)
        probes.larger.resizeWindow(to: windows.larger)
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
