/// Clock-Pro: the clock approximation of LIRS, which tells pages of short reuse distance (hot) from
/// pages of long reuse distance (cold) and keeps recently evicted cold pages as metadata, so that a
/// loop or a scan longer than the cache does not flush it as it flushes LRU.
///
/// All pages sit on one circular list, the clock, in the order they were last placed on it; a
/// page is placed at the *head* (the newest end), and the hands sweep from the oldest page towards
/// the head, then wrap around. A page is in one of four states:
///
/// - **hot**: resident, with a short reuse distance;
/// - **cold in test**: resident, recently placed, in its *test period*: a second access before the
///   period ends shows a reuse distance short enough to make it hot;
/// - **cold**: resident, its test period over;
/// - **non-resident**: evicted while in its test period; only its key hash is kept, so that a new
///   insertion of the same key within the period is recognised and admitted as hot.
///
/// Three hands move over the clock:
///
/// - the **cold hand** finds the victim: an unreferenced resident cold page is evicted (kept as a
///   non-resident page if it was in its test period); a referenced one moves to the head, promoted
///   to hot if in its test period, else with a new test period;
/// - the **hot hand** turns the oldest unreferenced hot page cold when the hot pages exceed their
///   share; it spares referenced hot pages (moving them to the head) and ends the test period of
///   every cold page it passes;
/// - the **test hand** ends test periods, freeing non-resident pages, whenever there are more
///   non-resident pages than the capacity.
///
/// The share of resident cold pages adapts: its target grows by one when a page is accessed in its
/// test period and shrinks by one when a test period ends unused, within 1% and 99% of the capacity.
///
/// - Complexity: a hit sets a reference bit: O(1), no allocation. An insertion or a removal moves
///   the hands, amortized O(1): a hand's step either changes a page (evicts it, ends its test
///   period, demotes it, or clears a reference bit that an earlier access set) or skips a page of
///   another kind; a hand runs only while pages of its kind make up at least 1% of the capacity,
///   so it skips at most about 200 pages on average to find one. Metadata stays within
///   2 × capacity pages.
final class ClockProPolicy: CachePolicy {
    // Implementation notes. References: [1] Jiang, Chen, Zhang, "CLOCK-Pro: An Effective
    // Improvement of the CLOCK Replacement", USENIX ATC '05: the states, the hands and the
    // adaptation of the cold target. [2] Caffeine's simulator (`irr.ClockProPolicy`), whose miss
    // counts match the authors' own simulator: the order in which the hands run and the bounds of
    // the cold target.
    //
    // Filling: until the cache is full, new pages are hot while more than the minimum cold target
    // of free space remains, then cold in test [2]; the cold target starts at its minimum.
    //
    // Insertion into a full cache [1]: first the cold hand frees a slot. Then, if the key's hash
    // names a non-resident page in its test period, that page takes the new slot and is tested for
    // promotion; otherwise the new page is cold in test. Both go to the head.
    //
    // Promotion [1, 2]: the cold target grows by one; while the hot pages fill their share
    // (capacity − cold target), the hot hand runs up to the candidate, demoting one unreferenced
    // hot page per run. The candidate becomes hot unless the hot hand reached it first (ending its
    // test period) or demoted nothing; it is then cold in test again.
    //
    // Test periods [1]: a period ends when the hot hand or the test hand passes the page; the cold
    // target shrinks by one then, unless the page was referenced. A non-resident page whose period
    // ends leaves the clock. The test hand runs only while non-resident pages outnumber the
    // capacity, so the clock holds at most 2 × capacity pages.
    //
    // Cost: the hands skip pages of other kinds. The cold hand runs on a full cache, where hot
    // pages are at most capacity − minimum cold target (the fill and every promotion stop there),
    // so resident cold pages are at least 1% of the capacity; the hot hand runs while hot pages
    // fill their share, at least 1%; the test hand while non-resident pages outnumber the
    // capacity. On a clock of at most 2 × capacity pages a hand thus skips about 200 pages at most,
    // on average, per page of its kind.
    //
    // Storage: pages are nodes in one contiguous owned array, addressed by `Int32` and linked into
    // the clock by index, with a free list; `nodeOfSlot` maps a cache slot to its node, and
    // `nonResidentNodeOfHash` finds a non-resident page by its key's hash (the only pages the cache
    // cannot name by slot). Two keys with the same 64-bit hash share one non-resident page. Both
    // arrays are `OwnedArray`s, so a hit's write does no uniqueness or bounds check.
    //
    // Weights (a weighted shard): the clock counts pages, so it works with `pageCapacity`, the
    // number of entries the shard holds when full at their present mean weight (the resident
    // entries times the maximum weight over their total, at least the resident count), updated at
    // each insertion and eviction; the cold target's bounds and the non-resident bound follow it.
    // An insertion runs no hand when the shard is full: `evict(weight:weights:into:)` then runs the
    // cold hand until the excess is freed. The cold hand passes over a page of weight 0 (it moves
    // to the head, cold); when it has passed every resident cold page, the hot hand demotes one hot
    // page and the cold hand goes on.

    /// The state of a page on the clock.
    enum PageState: UInt8 {
        /// Resident, with a short reuse distance.
        case hot
        /// Resident cold, in its test period.
        case coldInTest
        /// Resident cold, its test period over.
        case cold
        /// Evicted in its test period: metadata only.
        case nonResident
        /// Not on the clock: a free node, or one about to be placed.
        case detached

        var isResidentCold: Bool { self == .coldInTest || self == .cold }
        var isInTest: Bool { self == .coldInTest || self == .nonResident }
    }

    /// Index of a node; `.none` (-1) is the null link.
    typealias NodeIndex = Int32

    /// A page's metadata and its clock links: 24 bytes, the hash last so that the 32-bit fields
    /// and the two bytes of state fill the first 16 bytes without padding.
    private struct Node {
        /// The next node a hand visits (towards the head, then from the head to the oldest page);
        /// for a free node, the next free node.
        var clockwise: NodeIndex = .none
        /// The node before it: the next older page.
        var counterclockwise: NodeIndex = .none
        /// The cache slot of a resident page; `.none` otherwise.
        var slot: SlotIndex = .none
        var state = PageState.detached
        var isReferenced = false
        var hash: UInt64 = 0
    }

    @exclusivity(unchecked) private(set) var capacity: Int
    /// Whether a weighted shard bounds the clock by weight instead of ``capacity``.
    private let isBoundedByWeight: Bool
    /// The number of pages the clock works with: ``capacity``, or in a weighted shard the entries
    /// it holds when full (see the notes above).
    @exclusivity(unchecked) private(set) var pageCapacity: Int
    /// The least the cold target may be: 1% of the page capacity, at least one page.
    @exclusivity(unchecked) private(set) var minimumColdTarget: Int
    /// The most the cold target may be: 99% of the page capacity (all of it below two pages).
    @exclusivity(unchecked) private(set) var maximumColdTarget: Int
    /// How many resident cold pages the policy aims for; hot pages may fill the rest.
    @exclusivity(unchecked) private(set) var coldTarget: Int
    @exclusivity(unchecked) private(set) var hotCount = 0
    @exclusivity(unchecked) private(set) var residentColdCount = 0
    /// The non-resident pages on the clock: never above ``capacity``.
    @exclusivity(unchecked) private(set) var nonResidentCount = 0
    @exclusivity(unchecked) private var inTestCount = 0

    @exclusivity(unchecked) private var nodes = OwnedArray<Node>()
    @exclusivity(unchecked) private var firstFreeNode = NodeIndex.none
    @exclusivity(unchecked) private var nodeOfSlot = OwnedArray<NodeIndex>()
    @exclusivity(unchecked) private var nonResidentNodeOfHash: [UInt64: NodeIndex] = [:]

    /// The newest page; `clockwise` of it is the oldest.
    @exclusivity(unchecked) private var head = NodeIndex.none
    @exclusivity(unchecked) private var hotHand = NodeIndex.none
    @exclusivity(unchecked) private var coldHand = NodeIndex.none
    @exclusivity(unchecked) private var testHand = NodeIndex.none

    /// Creates the policy for `capacity` entries, or, given `weights`, for a weighted shard (whose
    /// maximum weight is ``SlotWeights/maximum``).
    init(capacity: Int, weights: SlotWeights? = nil) {
        self.capacity = weights == nil ? capacity : maximumCacheCapacity
        isBoundedByWeight = weights != nil
        pageCapacity = weights == nil ? capacity : 1
        minimumColdTarget = max(1, pageCapacity / 100)
        maximumColdTarget = max(minimumColdTarget, pageCapacity - minimumColdTarget)
        coldTarget = minimumColdTarget
    }

    private var residentCount: Int { hotCount + residentColdCount }

    // MARK: - CachePolicy

    /// Sets the page's reference bit.
    ///
    /// - Complexity: O(1): two loads and a byte store, with no allocation, uniqueness check or
    ///   bounds check.
    func recordAccess(_ slot: SlotIndex) {
        nodes[Int(nodeOfSlot[Int(slot)])].isReferenced = true
    }

    /// Places the new page, running the cold hand first when the cache is full.
    ///
    /// - Complexity: amortized O(1).
    func recordInsertion(_ slot: SlotIndex, hash: UInt64) -> SlotIndex {
        while nodeOfSlot.count <= Int(slot) { nodeOfSlot.append(.none) }
        let isFilling = capacity > residentCount
        let victim = isFilling ? SlotIndex.none : runColdHand(measuredBy: EntryCount())
        place(slot, hash: hash, isFilling: isFilling)
        return victim
    }

    /// Places the new page at the head. While the cache fills, it is hot if more than the minimum
    /// cold target of free space remains, else cold in test; in a full cache, a non-resident page of
    /// its hash is tested for promotion, and a new page is cold in test.
    private func place(_ slot: SlotIndex, hash: UInt64, isFilling: Bool) {
        let node: NodeIndex
        let state: PageState
        if isFilling {
            let freeSpace = pageCapacity - residentCount
            node = takeNonResidentPage(hash: hash, into: slot) ?? allocateNode(slot: slot, hash: hash)
            state = freeSpace > minimumColdTarget ? .hot : .coldInTest
        } else if let refaulted = takeNonResidentPage(hash: hash, into: slot) {
            node = refaulted
            state = promotes(refaulted) ? .hot : .coldInTest
        } else {
            node = allocateNode(slot: slot, hash: hash)
            state = .coldInTest
        }
        moveToHead(node, as: state)
        settleHands()
    }

    /// Forgets the page: an explicit removal leaves no non-resident page behind.
    ///
    /// - Complexity: amortized O(1).
    func recordRemoval(_ slot: SlotIndex) {
        let node = nodeOfSlot[Int(slot)]
        nodeOfSlot[Int(slot)] = .none
        release(node)
        settleHands()
    }

    func removeAll() {
        nodes = OwnedArray()
        firstFreeNode = .none
        nodeOfSlot = OwnedArray()
        nonResidentNodeOfHash = [:]
        head = .none
        hotHand = .none
        coldHand = .none
        testHand = .none
        hotCount = 0
        residentColdCount = 0
        nonResidentCount = 0
        inTestCount = 0
        coldTarget = minimumColdTarget
    }

    // MARK: - Hands

    /// Runs the cold hand until it evicts a resident cold page, and returns that page's slot; in a
    /// weighted shard (`measure` in weight), `.none` once it has passed over every resident cold
    /// page in a row, all of weight 0, or promoted the last one (the page capacity, an estimate
    /// there, can leave room for every resident page to be hot).
    private func runColdHand<Measure: SegmentMeasure>(measuredBy measure: Measure) -> SlotIndex {
        var passedOver = 0
        while true {
            if !Measure.countsEntries && residentColdCount == 0 { return .none }
            advanceColdHand()
            let node = coldHand
            precondition(node != .none, "a full Clock-Pro cache has no resident cold page")
            if nodes[Int(node)].isReferenced {
                let wasInTest = nodes[Int(node)].state == .coldInTest
                moveToHead(node, as: wasInTest && promotes(node) ? .hot : .coldInTest)
                // The hand comes back to it: only consecutive pages of weight 0 say all are.
                passedOver = 0
                continue
            }
            if !Measure.countsEntries && measure.weight(of: nodes[Int(node)].slot) == 0 {
                guard passedOver < residentColdCount else { return .none }
                moveToHead(node, as: .cold)
                passedOver += 1
                continue
            }
            let victim = nodes[Int(node)].slot
            nodeOfSlot[Int(victim)] = .none
            if nodes[Int(node)].state == .coldInTest && nonResidentNodeOfHash[nodes[Int(node)].hash] == nil {
                coldHand = nodes[Int(node)].clockwise
                nodes[Int(node)].slot = .none
                setState(of: node, to: .nonResident)
                nonResidentNodeOfHash[nodes[Int(node)].hash] = node
                while nonResidentCount > pageCapacity { runTestHand() }
            } else {
                release(node)
            }
            return victim
        }
    }

    /// Decides whether `candidate`, a resident cold page accessed in its test period, becomes hot:
    /// grows the cold target, then runs the hot hand while the hot pages fill their share.
    private func promotes(_ candidate: NodeIndex) -> Bool {
        adjustColdTarget(by: 1)
        while hotCount >= pageCapacity - coldTarget {
            guard hotCount > 0, nodes[Int(candidate)].state.isInTest, runHotHand(upTo: candidate) else {
                return false
            }
        }
        return true
    }

    /// Runs the hot hand up to `trigger`, at most until it demotes one unreferenced hot page;
    /// returns whether it did. Referenced hot pages move to the head; cold pages end their test.
    private func runHotHand(upTo trigger: NodeIndex) -> Bool {
        advanceHotHand()
        var demoted = false
        while hotHand != trigger {
            let node = hotHand
            if nodes[Int(node)].state == .hot {
                if nodes[Int(node)].isReferenced {
                    moveToHead(node, as: .hot)
                } else {
                    moveToHead(node, as: .cold)
                    demoted = true
                    break
                }
            } else {
                hotHand = nodes[Int(node)].clockwise
                endTestPeriod(of: node)
            }
        }
        advanceHotHand()
        return demoted
    }

    /// Ends the test period the test hand points at, and moves the hand to the next page in test.
    private func runTestHand() {
        advanceTestHand()
        endTestPeriod(of: testHand)
        advanceTestHand()
    }

    /// Ends `node`'s test period, if it is in one: a resident page stays cold, a non-resident page
    /// leaves the clock. The cold target grows if the page was referenced, else shrinks.
    private func endTestPeriod(of node: NodeIndex) {
        let isReferenced = nodes[Int(node)].isReferenced
        switch nodes[Int(node)].state {
        case .coldInTest:
            setState(of: node, to: .cold)
        case .nonResident:
            nonResidentNodeOfHash[nodes[Int(node)].hash] = nil
            release(node)
        case .hot, .cold, .detached:
            return
        }
        adjustColdTarget(by: isReferenced ? 1 : -1)
    }

    /// Moves every hand onto a page of its kind, in the order [2] does after each miss.
    private func settleHands() {
        advanceColdHand()
        advanceHotHand()
        advanceTestHand()
    }

    /// Moves the cold hand forward to the next resident cold page (from the oldest if unset).
    private func advanceColdHand() {
        guard residentColdCount > 0 else {
            coldHand = .none
            return
        }
        if coldHand == .none { coldHand = nodes[Int(head)].clockwise }
        while !nodes[Int(coldHand)].state.isResidentCold { coldHand = nodes[Int(coldHand)].clockwise }
    }

    /// Moves the hot hand forward to the next hot page, ending the test period of each cold page
    /// it passes.
    private func advanceHotHand() {
        guard hotCount > 0 else {
            hotHand = .none
            return
        }
        if hotHand == .none { hotHand = nodes[Int(head)].clockwise }
        while nodes[Int(hotHand)].state != .hot {
            let node = hotHand
            hotHand = nodes[Int(node)].clockwise
            endTestPeriod(of: node)
        }
    }

    /// Moves the test hand forward to the next page in its test period (from the hot hand if unset).
    private func advanceTestHand() {
        guard inTestCount > 0 else {
            testHand = .none
            return
        }
        if testHand == .none { testHand = hotHand != .none ? hotHand : nodes[Int(head)].clockwise }
        while !nodes[Int(testHand)].state.isInTest { testHand = nodes[Int(testHand)].clockwise }
    }

    private func adjustColdTarget(by change: Int) {
        coldTarget = min(max(coldTarget + change, minimumColdTarget), maximumColdTarget)
    }

    // MARK: - Nodes and the clock

    /// A detached node for a new resident page.
    private func allocateNode(slot: SlotIndex, hash: UInt64) -> NodeIndex {
        let node: NodeIndex
        if firstFreeNode != .none {
            node = firstFreeNode
            firstFreeNode = nodes[Int(node)].clockwise
            nodes[Int(node)] = Node(slot: slot, hash: hash)
        } else {
            node = NodeIndex(nodes.count)
            nodes.append(Node(slot: slot, hash: hash))
        }
        nodeOfSlot[Int(slot)] = node
        return node
    }

    /// The non-resident page of `hash`, made a resident cold page in test in `slot` where it
    /// stands on the clock; `nil` if there is none.
    private func takeNonResidentPage(hash: UInt64, into slot: SlotIndex) -> NodeIndex? {
        guard let node = nonResidentNodeOfHash.removeValue(forKey: hash) else { return nil }
        nodes[Int(node)].slot = slot
        nodeOfSlot[Int(slot)] = node
        setState(of: node, to: .coldInTest)
        return node
    }

    /// Takes `node` off the clock and onto the free list.
    private func release(_ node: NodeIndex) {
        unlink(node)
        setState(of: node, to: .detached)
        nodes[Int(node)].slot = .none
        nodes[Int(node)].isReferenced = false
        nodes[Int(node)].clockwise = firstFreeNode
        firstFreeNode = node
    }

    /// Places `node` at the head with `state` and its reference bit cleared.
    private func moveToHead(_ node: NodeIndex, as state: PageState) {
        if nodes[Int(node)].state != .detached { unlink(node) }
        if head == .none {
            nodes[Int(node)].clockwise = node
            nodes[Int(node)].counterclockwise = node
        } else {
            let oldest = nodes[Int(head)].clockwise
            nodes[Int(node)].clockwise = oldest
            nodes[Int(node)].counterclockwise = head
            nodes[Int(oldest)].counterclockwise = node
            nodes[Int(head)].clockwise = node
        }
        head = node
        nodes[Int(node)].isReferenced = false
        setState(of: node, to: state)
    }

    /// Takes `node` off the clock; a hand on it moves forward to the next page.
    private func unlink(_ node: NodeIndex) {
        let next = nodes[Int(node)].clockwise
        let previous = nodes[Int(node)].counterclockwise
        if next == node {
            head = .none
            hotHand = .none
            coldHand = .none
            testHand = .none
            return
        }
        if head == node { head = previous }
        if hotHand == node { hotHand = next }
        if coldHand == node { coldHand = next }
        if testHand == node { testHand = next }
        nodes[Int(previous)].clockwise = next
        nodes[Int(next)].counterclockwise = previous
    }

    /// Changes `node`'s state, keeping the counts of each kind of page.
    private func setState(of node: NodeIndex, to state: PageState) {
        count(nodes[Int(node)].state, by: -1)
        nodes[Int(node)].state = state
        count(state, by: 1)
    }

    private func count(_ state: PageState, by change: Int) {
        switch state {
        case .hot: hotCount += change
        case .coldInTest, .cold: residentColdCount += change
        case .nonResident: nonResidentCount += change
        case .detached: break
        }
        if state.isInTest { inTestCount += change }
    }

    // MARK: - Invariants

    /// Sets a count-bounded clock's capacity and page capacity to `bound`, with the cold target's
    /// bounds (the target kept within them); ends test periods while the non-resident pages exceed
    /// the new page capacity; demotes hot pages beyond their share (capacity − cold target); then,
    /// while the clock holds more resident pages than the capacity, the cold hand evicts. A weighted
    /// clock follows its shard's new maximum weight at its next eviction.
    func resize(to bound: Int, into victims: inout [SlotIndex]) {
        guard !isBoundedByWeight else { return }
        capacity = bound
        pageCapacity = bound
        minimumColdTarget = max(1, pageCapacity / 100)
        maximumColdTarget = max(minimumColdTarget, pageCapacity - minimumColdTarget)
        coldTarget = min(max(coldTarget, minimumColdTarget), maximumColdTarget)
        while nonResidentCount > pageCapacity { runTestHand() }
        // Hot pages back within their share first, even when nothing is evicted now: a full clock
        // of hot pages alone would leave the next insertion's cold hand nothing to evict.
        while hotCount > 0 && hotCount > pageCapacity - coldTarget { _ = runHotHand(upTo: .none) }
        while residentCount > capacity {
            if residentColdCount == 0 { _ = runHotHand(upTo: .none) }
            victims.append(runColdHand(measuredBy: EntryCount()))
        }
        settleHands()
    }

    /// Coldest first: the resident cold pages in the order the cold hand meets them (from the hand
    /// round the clock), then the hot pages in the order the hot hand meets them; hottest first, the
    /// reverse (hot pages, then cold, each from the page before its hand, going back round the
    /// clock). Non-resident pages are passed over. A position that left the clock starts its pass
    /// again; a pass ends after as many positions as the clock held when it began.
    func continueWalk(_ walk: inout PolicyWalk, visiting limit: Int, into slots: inout [SlotIndex]) {
        let forward = walk.order == .coldestFirst
        var visited = 0
        while visited < limit {
            guard walk.segment < 2, head != .none else {
                walk.isFinished = true
                return
            }
            let wantsHot = (walk.segment == 0) != forward
            if walk.position == .none || nodes[Int(walk.position)].state == .detached {
                if walk.position != .none { walk.restartCount += 1 }
                let hand = wantsHot ? hotHand : coldHand
                let start = hand != .none ? hand : nodes[Int(head)].clockwise
                // Forward, the pass starts at the hand; backward, at the page before it: so that
                // the clock is passed once, in either direction, visiting the hand's page.
                walk.position = forward ? nodes[Int(start)].counterclockwise : start
                walk.remaining = hotCount + residentColdCount + nonResidentCount
            }
            guard walk.remaining > 0 else {
                walk.startNextSegment()
                continue
            }
            let node = forward ? nodes[Int(walk.position)].clockwise : nodes[Int(walk.position)].counterclockwise
            walk.position = node
            walk.remaining -= 1
            visited += 1
            let state = nodes[Int(node)].state
            if wantsHot ? state == .hot : state.isResidentCold { slots.append(nodes[Int(node)].slot) }
        }
    }

    func checkInvariants(residentCount expected: Int) {
        precondition(residentCount == expected, "Clock-Pro holds \(residentCount), cache \(expected)")
        precondition(residentCount <= capacity, "Clock-Pro over capacity")
        precondition(nonResidentCount <= pageCapacity, "\(nonResidentCount) non-resident pages above capacity")
        precondition(
            (minimumColdTarget...maximumColdTarget).contains(coldTarget),
            "cold target \(coldTarget) outside \(minimumColdTarget)...\(maximumColdTarget)"
        )
        precondition(nonResidentNodeOfHash.count == nonResidentCount, "non-resident map out of step")
        var hot = 0
        var coldInTest = 0
        var cold = 0
        var nonResident = 0
        var pages = 0
        var node = head
        while node != .none {
            let page = nodes[Int(node)]
            precondition(page.state != .detached, "detached node \(node) on the clock")
            precondition(nodes[Int(page.clockwise)].counterclockwise == node, "broken link at node \(node)")
            if page.state == .nonResident {
                precondition(page.slot == .none, "non-resident node \(node) holds a slot")
                precondition(nonResidentNodeOfHash[page.hash] == node, "non-resident node \(node) not in the map")
            } else {
                precondition(nodeOfSlot[Int(page.slot)] == node, "slot \(page.slot) does not map to node \(node)")
            }
            switch page.state {
            case .hot: hot += 1
            case .coldInTest: coldInTest += 1
            case .cold: cold += 1
            case .nonResident: nonResident += 1
            case .detached: break
            }
            pages += 1
            precondition(
                pages <= 2 * max(pageCapacity, residentCount),
                "the clock holds over 2 × capacity pages"
            )
            node = page.counterclockwise
            if node == head { break }
        }
        precondition(hot == hotCount, "hot count \(hotCount) is wrong")
        precondition(coldInTest + cold == residentColdCount, "resident cold count \(residentColdCount) is wrong")
        precondition(nonResident == nonResidentCount, "non-resident count \(nonResidentCount) is wrong")
        precondition(coldInTest + nonResident == inTestCount, "in-test count \(inTestCount) is wrong")
        precondition((hotHand == .none) == (hotCount == 0), "hot hand \(hotHand) with \(hotCount) hot pages")
        precondition(hotHand == .none || nodes[Int(hotHand)].state == .hot, "hot hand off a hot page")
        precondition((coldHand == .none) == (residentColdCount == 0), "cold hand \(coldHand) out of step")
        precondition(coldHand == .none || nodes[Int(coldHand)].state.isResidentCold, "cold hand off a cold page")
        precondition((testHand == .none) == (inTestCount == 0), "test hand \(testHand) out of step")
        precondition(testHand == .none || nodes[Int(testHand)].state.isInTest, "test hand off a page in test")
    }
}

extension ClockProPolicy: WeightedEviction {
    /// Follows the entry count, then, in a full shard, runs the cold hand until `excess` is freed
    /// before placing the page, as a count-bounded clock does for one page.
    func recordInsertion(
        _ slot: SlotIndex,
        hash: UInt64,
        excess: Int,
        weights: SlotWeights,
        into victims: inout OwnedArray<SlotIndex>
    ) {
        while nodeOfSlot.count <= Int(slot) { nodeOfSlot.append(.none) }
        followEntryCount(weights, pages: residentCount + 1, weight: weights.total)
        let isFilling = excess <= 0 && pageCapacity > residentCount
        if excess > 0 {
            let freed = evictColdPages(excess, weights: weights, into: &victims)
            followEntryCount(weights, pages: residentCount + 1, weight: weights.total - freed)
        }
        place(slot, hash: hash, isFilling: isFilling)
    }

    /// Nothing: the clock does not depend on weights, and the page capacity follows at the next
    /// insertion or eviction.
    func recordWeightChange(_ slot: SlotIndex, from oldWeight: Int, to newWeight: Int) {}

    func evict(weight excess: Int, weights: SlotWeights, into victims: inout OwnedArray<SlotIndex>) {
        guard excess > 0 else { return }
        let freed = evictColdPages(excess, weights: weights, into: &victims)
        settleHands()
        followEntryCount(weights, pages: residentCount, weight: weights.total - freed)
    }

    /// Runs the cold hand until `excess` is freed, the hot hand demoting a page whenever the cold
    /// hand finds only pages of weight 0.
    ///
    /// - Returns: the weight freed.
    private func evictColdPages(_ excess: Int, weights: SlotWeights, into victims: inout OwnedArray<SlotIndex>) -> Int {
        var freed = 0
        while freed < excess {
            if residentColdCount > 0 {
                let victim = runColdHand(measuredBy: weights)
                if victim != .none {
                    freed += weights.weight(of: victim)
                    victims.append(victim)
                    continue
                }
            }
            guard hotCount > 0 else { break }
            _ = runHotHand(upTo: .none)
        }
        return freed
    }

    /// Sets the page capacity to the entries the shard holds when full at the mean weight of
    /// `pages` pages weighing `weight` together (at least the resident pages); the cold target's
    /// bounds follow, and the test hand ends test periods while the non-resident pages exceed it.
    private func followEntryCount(_ weights: SlotWeights, pages: Int, weight: Int) {
        let estimate =
            weight > 0
            ? Int(min(Double(maximumCacheCapacity), Double(pages) * Double(weights.maximum) / Double(weight)))
            : pages + 1
        pageCapacity = max(1, residentCount, estimate)
        minimumColdTarget = max(1, pageCapacity / 100)
        maximumColdTarget = max(minimumColdTarget, pageCapacity - minimumColdTarget)
        coldTarget = min(max(coldTarget, minimumColdTarget), maximumColdTarget)
        while nonResidentCount > pageCapacity { runTestHand() }
    }
}

extension ClockProPolicy {
    /// The clock from its oldest page to its newest, for tests: each page as its key hash and a
    /// state letter (`H` hot, `C` cold in test, `c` cold, `n` non-resident), `*` when referenced;
    /// then the pages the hands point at. For example `1H 2H* 3C | hot 1, cold 3, test 3`.
    var clockDescription: String {
        func name(_ node: NodeIndex) -> String { node == .none ? "-" : String(nodes[Int(node)].hash) }
        var pages: [String] = []
        if head != .none {
            var node = nodes[Int(head)].clockwise
            while true {
                let page = nodes[Int(node)]
                let letter =
                    switch page.state {
                    case .hot: "H"
                    case .coldInTest: "C"
                    case .cold: "c"
                    case .nonResident: "n"
                    case .detached: "?"
                    }
                pages.append("\(page.hash)\(letter)\(page.isReferenced ? "*" : "")")
                if node == head { break }
                node = page.clockwise
            }
        }
        return pages.joined(separator: " ")
            + " | hot \(name(hotHand)), cold \(name(coldHand)), test \(name(testHand))"
    }
}
