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
    //
    // Weights (a weighted shard): the window, protected and their maximums, the climber's step and
    // the counting threshold are in weight; the sketch and its aging sample follow the resident
    // entry count (as [2] sizes its sketch for a weighted cache), and so do the probes, created at
    // the first eviction with the entry count then, which replay unit weights with windows of the
    // same fraction of their capacity as the cache's. Insertions move no entry; after each write
    // the shard calls `evict(weight:weights:into:)`, which moves the window's overflow to
    // probation, the first moved being the first candidate (else the window's least recent entry),
    // and then, while the shard is over its maximum, compares the candidate with as many victims
    // (probation's least recent entries, then protected's, then the window's; weight 0 passed over)
    // as it must displace: the candidate stays only if it is more frequent than every one of them,
    // and then they leave; otherwise the candidate alone leaves, so a heavy candidate that loses
    // evicts nothing on its way out. [2] compares one candidate with one victim at a time, so a
    // heavy candidate can displace several victims and still be evicted after them.

    private enum Queue: UInt8 {
        case window, probation, protected
    }

    static let admitRandomlyAtFrequency = 6
    static let maximumTransfersPerOperation = 1_000
    static let minimumProbeCapacity = 256

    @exclusivity(unchecked) private(set) var capacity: Int
    /// What the window, protected and their maximums are measured in adds up to this: the entry
    /// capacity, or a weighted shard's maximum weight.
    @exclusivity(unchecked) private var maximumSize: Int
    /// The entries' weights, in a weighted shard; `nil` when every entry weighs 1.
    private let weights: SlotWeights?
    /// The weights of the window's and of protected's entries, in a weighted shard.
    @exclusivity(unchecked) private var windowWeight = 0
    @exclusivity(unchecked) private var protectedWeight = 0
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
    @exclusivity(unchecked) private var probeSampleMask: UInt64
    @exclusivity(unchecked) private var sampledRequestsPerDecision: Int
    /// The probes' capacity, in entries.
    @exclusivity(unchecked) private var probeCapacity: Int
    /// What one entry of a probe stands for, in the window's measure: the sampling rate, or in a
    /// weighted shard the maximum weight over the probes' capacity.
    @exclusivity(unchecked) private var probeScale: Double
    @exclusivity(unchecked) private var sampledRequests = 0
    /// The probes, one step below and one step above the window; created when the cache is full.
    @exclusivity(unchecked) private var probes: (smaller: WindowProbe, larger: WindowProbe)?

    /// Creates the policy for `capacity` entries, or, given `weights`, for a weighted shard of
    /// `capacity` in weight (``SlotWeights/maximum``); `seed` fixes the random admissions. A policy
    /// that is not adaptive keeps its window at the size it is given.
    init(capacity: Int, seed: UInt64, isAdaptive: Bool = true, weights: SlotWeights? = nil) {
        self.capacity = weights == nil ? capacity : maximumCacheCapacity
        maximumSize = capacity
        self.weights = weights
        windowMaximum = capacity - Int(0.99 * Double(capacity))
        protectedMaximum = Int(0.8 * Double(capacity - windowMaximum))
        sketch = FrequencySketch(capacity: capacity, followsEntryCount: weights != nil)
        climber = WindowClimber(capacity: capacity)
        random = SplitMix64(seed: seed)
        self.seed = seed
        self.isAdaptive = isAdaptive
        (probeSampleMask, sampledRequestsPerDecision, probeCapacity, probeScale) = Self.probeSizing(
            capacity: capacity,
            sampleSize: sketch.sampleSize
        )
    }

    /// The probes' sample (a mask of the hash bits that choose it), the sampled requests between two
    /// decisions, the probes' capacity and the entries one probe entry stands for, for a cache of
    /// `capacity` entries whose sketch ages every `sampleSize` additions.
    private static func probeSizing(
        capacity: Int,
        sampleSize: Int
    ) -> (sampleMask: UInt64, requestsPerDecision: Int, capacity: Int, scale: Double) {
        let rate = max(1, capacity / minimumProbeCapacity).roundedDownToPowerOfTwo
        return (UInt64(rate - 1), max(1, sampleSize / rate), max(2, capacity / rate), Double(rate))
    }

    /// A copy of `other`, which does not adapt (probes copy one another this way).
    init(copying other: TinyLFUPolicy) {
        precondition(other.weights == nil, "a weighted policy is not copied")
        capacity = other.capacity
        maximumSize = other.maximumSize
        weights = nil
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
        probeCapacity = other.probeCapacity
        probeScale = other.probeScale
    }

    private var residentCount: Int { window.count + probation.count + protected.count }

    /// The window's size in `measure`: entries, or weight in a weighted shard.
    @inline(__always)
    private func windowSize<Measure: SegmentMeasure>(measuredBy measure: Measure) -> Int {
        Measure.countsEntries ? window.count : windowWeight
    }

    /// Protected's size in `measure`.
    @inline(__always)
    private func protectedSize<Measure: SegmentMeasure>(measuredBy measure: Measure) -> Int {
        Measure.countsEntries ? protected.count : protectedWeight
    }

    /// How full the shard is in the measure of ``maximumSize``.
    private var residentSize: Int { weights?.total ?? residentCount }

    /// The weight of the entry in `slot`, in a weighted shard.
    @inline(__always)
    private func weight(of slot: SlotIndex) -> Int {
        weights.unsafelyUnwrapped.weight(of: slot)
    }

    /// The hash of the key in `slot`, which must be resident.
    func hash(ofSlot slot: SlotIndex) -> UInt64 { hashOfSlot[Int(slot)] }

    /// Sets the window to `target` entries (clamped to 1...capacity), taking the difference from
    /// the protected maximum. Entries follow lazily: the window's overflow leaves at the next
    /// insertion, protected's is demoted now. For probes, whose window does not climb.
    func resizeWindow(to target: Int) {
        let newWindowMaximum = min(max(1, target), maximumSize)
        protectedMaximum = max(
            0,
            min(protectedMaximum - (newWindowMaximum - windowMaximum), maximumSize - newWindowMaximum)
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
            if let weights {
                promoteFromProbation(slot, measuredBy: weights)
            } else {
                promoteFromProbation(slot, measuredBy: EntryCount())
            }
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
        enterWindow(slot, hash: hash)
        let victim = evictIfOverCapacity()
        if isAdaptive { adapt(toRequestFor: hash) }
        return victim
    }

    /// Puts the new entry in `slot` at the window's most recent end, and counts its key once the
    /// cache is half full.
    private func enterWindow(_ slot: SlotIndex, hash: UInt64) {
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
        if let weights {
            windowWeight += weight(of: slot)
            // The sample is ten times the entries the shard holds when full, at their mean weight.
            let entriesWhenFull = Double(residentCount) * Double(maximumSize) / Double(max(1, weights.total))
            sketch.growSample(forEntryCount: Int(min(entriesWhenFull, Double(maximumCacheCapacity))))
        }
        if !isCounting && residentSize >= maximumSize / 2 { isCounting = true }
        if isCounting {
            sketch.ensureCapacity(forEntryCount: residentCount)
            sketch.increment(hash)
        }
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
        windowWeight = 0
        protectedWeight = 0
    }

    // MARK: - Segments

    /// Takes `slot` off whichever list holds it.
    private func unlink(_ slot: SlotIndex) {
        if let weights { unlink(slot, measuredBy: weights) } else { unlink(slot, measuredBy: EntryCount()) }
    }

    /// Takes `slot` off whichever list holds it, and its weight off the list's in `measure`.
    @inline(__always)
    private func unlink<Measure: SegmentMeasure>(_ slot: SlotIndex, measuredBy measure: Measure) {
        let queue = unlinkFromList(slot)
        if !Measure.countsEntries { addWeight(-measure.weight(of: slot), to: queue) }
    }

    /// Takes `slot` off whichever list holds it, leaving the weights as they are.
    ///
    /// - Returns: the queue it was in.
    @inline(__always)
    private func unlinkFromList(_ slot: SlotIndex) -> Queue {
        let queue = queueOfSlot[Int(slot)]
        switch queue {
        case .window: links.remove(slot, from: &window)
        case .probation: links.remove(slot, from: &probation)
        case .protected: links.remove(slot, from: &protected)
        }
        return queue
    }

    /// Moves `slot` to the most recent end of `queue`'s list.
    private func move(_ slot: SlotIndex, to queue: Queue) {
        if let weights {
            move(slot, to: queue, measuredBy: weights)
        } else {
            move(slot, to: queue, measuredBy: EntryCount())
        }
    }

    /// Moves `slot` to the most recent end of `queue`'s list, and its weight in `measure` (read
    /// once).
    @inline(__always)
    private func move<Measure: SegmentMeasure>(_ slot: SlotIndex, to queue: Queue, measuredBy measure: Measure) {
        let source = unlinkFromList(slot)
        queueOfSlot[Int(slot)] = queue
        switch queue {
        case .window: links.append(slot, to: &window)
        case .probation: links.append(slot, to: &probation)
        case .protected: links.append(slot, to: &protected)
        }
        if !Measure.countsEntries {
            let weight = measure.weight(of: slot)
            addWeight(-weight, to: source)
            addWeight(weight, to: queue)
        }
    }

    /// Adds `weight` to the weight kept for `queue` (the window's or protected's).
    @inline(__always)
    private func addWeight(_ weight: Int, to queue: Queue) {
        switch queue {
        case .window: windowWeight += weight
        case .probation: break
        case .protected: protectedWeight += weight
        }
    }

    /// A hit in probation: the entry proved itself and joins protected, whose overflow is demoted.
    @inline(__always)
    private func promoteFromProbation<Measure: SegmentMeasure>(_ slot: SlotIndex, measuredBy measure: Measure) {
        guard protectedMaximum > 0 else {
            links.moveToTail(slot, in: &probation)
            return
        }
        move(slot, to: .protected, measuredBy: measure)
        demoteProtectedOverflow(measuredBy: measure)
    }

    private func demoteProtectedOverflow() {
        if let weights {
            demoteProtectedOverflow(measuredBy: weights)
        } else {
            demoteProtectedOverflow(measuredBy: EntryCount())
        }
    }

    @inline(__always)
    private func demoteProtectedOverflow<Measure: SegmentMeasure>(measuredBy measure: Measure) {
        while protectedSize(measuredBy: measure) > protectedMaximum {
            move(protected.head, to: .probation, measuredBy: measure)
        }
    }

    // MARK: - Eviction

    /// Moves the window's overflow to probation and, if the cache holds more than its capacity,
    /// evicts the loser of candidate against victim.
    private func evictIfOverCapacity() -> SlotIndex {
        var candidate = SlotIndex.none
        while window.count > windowMaximum {
            let slot = window.head
            move(slot, to: .probation, measuredBy: EntryCount())
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
        unlink(evicted, measuredBy: EntryCount())
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
            if residentSize >= maximumSize {
                if weights != nil { sizeProbesByEntryCount() }
                probes = makeProbes()
            }
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
        let smaller = max(1, Int(Double(windowMaximum - climber.step) / probeScale))
        let larger = min(probeCapacity, max(smaller + 1, Int(Double(windowMaximum + climber.step) / probeScale)))
        return (smaller, larger, probeCapacity)
    }

    /// In a weighted shard, once full: sizes the probes' sample and capacity for the entries it
    /// holds (in place of the capacity it does not have), and the decisions' sample likewise.
    private func sizeProbesByEntryCount() {
        let entryCount = max(1, residentCount)
        let rate = max(1, entryCount / Self.minimumProbeCapacity).roundedDownToPowerOfTwo
        probeSampleMask = UInt64(rate - 1)
        probeCapacity = max(2, entryCount / rate)
        probeScale = Double(maximumSize) / Double(entryCount) * Double(rate)
        sampledRequestsPerDecision = max(1, 10 * entryCount / rate)
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
            quota -= weights == nil ? 1 : min(quota, weight(of: slot))
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
            let slot = window.head
            move(slot, to: .probation)
            quota -= weights == nil ? 1 : min(quota, weight(of: slot))
            moved += 1
        }
        protectedMaximum -= quota
        windowMaximum += quota
        pendingAdjustment = -quota
    }

    // MARK: - Invariants

    /// Scales the window's and protected's maximums to the new bound, starts the climber and the
    /// probes again at it, and sizes the sketch for it (the counts it holds stay); a count-bounded
    /// policy then evicts down to its new capacity, each eviction the loser of candidate against
    /// victim, as at an insertion.
    func resize(to bound: Int, into victims: inout [SlotIndex]) {
        let scale = Double(bound) / Double(maximumSize)
        maximumSize = bound
        windowMaximum = min(bound, max(1, Int((Double(windowMaximum) * scale).rounded())))
        protectedMaximum = min(bound - windowMaximum, Int((Double(protectedMaximum) * scale).rounded()))
        pendingAdjustment = 0
        climber = WindowClimber(capacity: bound)
        probes = nil
        sampledRequests = 0
        if weights == nil {
            capacity = bound
            sketch.resize(forCapacity: bound)
            (probeSampleMask, sampledRequestsPerDecision, probeCapacity, probeScale) = Self.probeSizing(
                capacity: bound,
                sampleSize: sketch.sampleSize
            )
        }
        demoteProtectedOverflow()
        guard weights == nil else { return }
        while residentCount > capacity { victims.append(evictIfOverCapacity()) }
    }

    /// Coldest first: probation (whose least recent entry is the next victim), the window (whose
    /// least recent entries are the next candidates for the main space), then protected, each from
    /// its least recent end; hottest first, the reverse.
    func continueWalk(_ walk: inout PolicyWalk, visiting limit: Int, into slots: inout [SlotIndex]) {
        let queues: [Queue] =
            walk.order == .coldestFirst ? [.probation, .window, .protected] : [.protected, .window, .probation]
        let lists = queues.map { queue in
            switch queue {
            case .window: window
            case .probation: probation
            case .protected: protected
            }
        }
        links.continueWalk(
            &walk,
            over: lists,
            isOnSegment: { slot, segment in
                Int(slot) < queueOfSlot.count && queueOfSlot[Int(slot)] == queues[segment]
                    && links.isLinked(slot, on: lists[segment])
            },
            visiting: limit,
            into: &slots
        )
    }

    func checkInvariants(residentCount expected: Int) {
        precondition(residentCount == expected, "W-TinyLFU holds \(residentCount), cache \(expected)")
        precondition(residentCount <= capacity, "W-TinyLFU over capacity")
        precondition(windowMaximum >= 0 && protectedMaximum >= 0, "negative segment maximum")
        precondition(windowMaximum + protectedMaximum <= maximumSize, "segments exceed the capacity")
        precondition(
            weights == nil ? protected.count <= protectedMaximum : protectedWeight <= protectedMaximum,
            "protected over its maximum"
        )
        links.checkList(window) { queueOfSlot[Int($0)] == .window }
        links.checkList(probation) { queueOfSlot[Int($0)] == .probation }
        links.checkList(protected) { queueOfSlot[Int($0)] == .protected }
        if weights != nil {
            var (windowSum, protectedSum) = (0, 0)
            links.checkList(window) {
                windowSum += weight(of: $0)
                return true
            }
            links.checkList(protected) {
                protectedSum += weight(of: $0)
                return true
            }
            precondition(windowSum == windowWeight, "window weighs \(windowSum), kept as \(windowWeight)")
            precondition(
                protectedSum == protectedWeight,
                "protected weighs \(protectedSum), kept as \(protectedWeight)"
            )
        }
    }
}

extension TinyLFUPolicy {
    /// The current segment sizes, for tests and reports.
    var segmentCounts: (window: Int, probation: Int, protected: Int) {
        (window.count, probation.count, protected.count)
    }
}

extension TinyLFUPolicy: WeightedEviction {
    /// As the count-bounded insertion: the window, the eviction (by weight), then the climber.
    func recordInsertion(
        _ slot: SlotIndex,
        hash: UInt64,
        excess: Int,
        weights: SlotWeights,
        into victims: inout OwnedArray<SlotIndex>
    ) {
        enterWindow(slot, hash: hash)
        evict(weight: excess, weights: weights, into: &victims)
        if isAdaptive { adapt(toRequestFor: hash) }
    }

    func recordWeightChange(_ slot: SlotIndex, from oldWeight: Int, to newWeight: Int) {
        addWeight(newWeight - oldWeight, to: queueOfSlot[Int(slot)])
    }

    /// Demotes protected's overflow and moves the window's to probation, then, while `excess`
    /// remains, judges candidates (the entries just moved, then the window's least recent ones):
    /// each stays only if it beats every victim it must displace, else it leaves alone.
    func evict(weight excess: Int, weights: SlotWeights, into victims: inout OwnedArray<SlotIndex>) {
        demoteProtectedOverflow(measuredBy: weights)
        var candidate = SlotIndex.none
        while windowWeight > windowMaximum && !window.isEmpty {
            let slot = window.head
            move(slot, to: .probation, measuredBy: weights)
            if candidate == .none { candidate = slot }
        }
        var remaining = excess
        var candidatesFromWindow = candidate == .none
        if candidatesFromWindow { candidate = window.head }
        while remaining > 0 {
            while candidate != .none && weight(of: candidate) == 0 { candidate = links.successor(of: candidate) }
            if candidate == .none && !candidatesFromWindow {
                candidate = window.head
                candidatesFromWindow = true
                continue
            }
            guard candidate != .none else {
                evictInOrder(remaining, into: &victims)
                return
            }
            // The room this candidate needs: its weight, or what remains of the excess if less.
            let candidateWeight = weight(of: candidate)
            let needed = min(candidateWeight, remaining)
            let judged = victims.count
            let freed = displace(needed, for: candidate, into: &victims)
            if freed >= needed {
                for index in judged..<victims.count { unlink(victims[index], measuredBy: weights) }
                remaining -= freed
                candidate = links.successor(of: candidate)
            } else {
                victims.removeLast(victims.count - judged)
                let next = links.successor(of: candidate)
                remaining -= candidateWeight
                unlink(candidate, measuredBy: weights)
                victims.append(candidate)
                candidate = next
            }
        }
    }

    /// Appends to `victims`, without unlinking them, the entries `candidate` would displace to free
    /// `needed`, in eviction order (``nextVictim(after:)``), passing over weight 0 and the entries
    /// still to be judged (the candidate and those after it on its list); stops at the first that
    /// the candidate does not beat (``admits(_:over:)``).
    ///
    /// - Returns: the weight of the entries appended: `needed` or more if the candidate wins.
    private func displace(_ needed: Int, for candidate: SlotIndex, into victims: inout OwnedArray<SlotIndex>) -> Int {
        var freed = 0
        var victim = nextVictim(after: .none)
        // The least recent entry is the candidate itself: it leaves, as in the count-bounded policy.
        if victim == candidate { return 0 }
        while freed < needed && victim != .none {
            if victim == candidate {
                // The rest of the candidate's list waits to be judged: go on with the next list.
                victim = nextVictim(afterListOf: victim)
                continue
            }
            let victimWeight = weight(of: victim)
            if victimWeight > 0 {
                guard admits(candidate, over: victim) else { return freed }
                victims.append(victim)
                freed += victimWeight
            }
            victim = nextVictim(after: victim)
        }
        return freed
    }

    /// Evicts in eviction order, passing over weight 0, until `needed` is freed: when no candidate
    /// is left to judge.
    private func evictInOrder(_ needed: Int, into victims: inout OwnedArray<SlotIndex>) {
        var freed = 0
        var victim = nextVictim(after: .none)
        while freed < needed && victim != .none {
            let next = nextVictim(after: victim)
            let victimWeight = weight(of: victim)
            if victimWeight > 0 {
                unlink(victim)
                victims.append(victim)
                freed += victimWeight
            }
            victim = next
        }
    }

    /// The entry evicted after `slot` (`.none`: the first): probation's from least recent, then
    /// protected's, then the window's.
    private func nextVictim(after slot: SlotIndex) -> SlotIndex {
        guard slot != .none else { return firstVictim(from: .probation) }
        let next = links.successor(of: slot)
        return next != .none ? next : nextVictim(afterListOf: slot)
    }

    /// The first entry evicted from the lists after the one that holds `slot`.
    private func nextVictim(afterListOf slot: SlotIndex) -> SlotIndex {
        switch queueOfSlot[Int(slot)] {
        case .probation: firstVictim(from: .protected)
        case .protected: firstVictim(from: .window)
        case .window: .none
        }
    }

    /// The least recent entry of `queue`'s list, else of the lists evicted after it.
    private func firstVictim(from queue: Queue) -> SlotIndex {
        var queue = queue
        while true {
            switch queue {
            case .probation:
                if !probation.isEmpty { return probation.head }
                queue = .protected
            case .protected:
                if !protected.isEmpty { return protected.head }
                queue = .window
            case .window:
                return window.head
            }
        }
    }
}
