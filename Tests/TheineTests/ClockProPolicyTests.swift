import Testing

@testable import Theine

/// Drives a `ClockProPolicy` directly, as the cache does, with each key's hash equal to the key, so
/// that `clockDescription` names pages by their keys. Checks the invariants after every request.
private struct ClockProHarness {
    let policy: ClockProPolicy
    private var slotOfKey: [UInt64: SlotIndex] = [:]
    private var keyOfSlot: [SlotIndex: UInt64] = [:]
    private var freeSlots: [SlotIndex] = []
    private var nextSlot: SlotIndex = 0

    init(capacity: Int) {
        policy = ClockProPolicy(capacity: capacity)
    }

    var clock: String { policy.clockDescription }

    /// Requests `key`: a hit sets its reference bit; a miss inserts it. Returns the evicted key.
    @discardableResult
    mutating func request(_ key: UInt64) -> UInt64? {
        if let slot = slotOfKey[key] {
            policy.recordAccess(slot)
            policy.checkInvariants(residentCount: slotOfKey.count)
            return nil
        }
        let slot = freeSlots.popLast() ?? nextSlot
        if slot == nextSlot { nextSlot += 1 }
        slotOfKey[key] = slot
        keyOfSlot[slot] = key
        let victim = policy.recordInsertion(slot, hash: key)
        var evicted: UInt64?
        if victim != .none {
            evicted = keyOfSlot.removeValue(forKey: victim)
            slotOfKey[evicted!] = nil
            freeSlots.append(victim)
        }
        policy.checkInvariants(residentCount: slotOfKey.count)
        return evicted
    }

    /// Removes `key`, as `Cache.remove` does.
    mutating func remove(_ key: UInt64) {
        let slot = slotOfKey.removeValue(forKey: key)!
        keyOfSlot[slot] = nil
        freeSlots.append(slot)
        policy.recordRemoval(slot)
        policy.checkInvariants(residentCount: slotOfKey.count)
    }
}

/// Hand-worked sequences: each comment was worked out from the paper's rules (and the hand order of
/// the authors' simulator, which Caffeine's reproduces) before the test first ran. A clock reads
/// from its oldest page to its newest: `H` hot, `C` resident cold in its test period, `c` resident
/// cold after it, `n` non-resident (metadata only, in its test period), `*` reference bit set.
/// Capacity 4 gives a cold target of 1 (its minimum, 1% but at least one page) within 1...3.
@Suite(.tags(.invariants))
struct ClockProPolicyTests {
    /// While more free space remains than the minimum cold target, new pages are hot; the last
    /// page of the fill is cold in its test period. The cold and test hands find it; the hot hand
    /// rests on the oldest hot page.
    @Test func fill_makesHotPagesThenOneColdPageInTest() {
        var cache = ClockProHarness(capacity: 4)
        for key: UInt64 in 1...4 { #expect(cache.request(key) == nil) }
        #expect(cache.clock == "1H 2H 3H 4C | hot 1, cold 4, test 4")
        #expect(cache.policy.coldTarget == 1)
    }

    /// A full cache: the cold hand, on 4 (unreferenced, in its test period), evicts it but keeps it
    /// as a non-resident page, and moves on (wrapping to 1). New page 5 is cold in test at the head.
    /// Settling the hands: cold from 1 over the hot pages and non-resident 4 to 5; hot stays on 1;
    /// test stays on 4, still in its test period.
    ///
    /// Then 4 comes back within its test period. The cold hand evicts 5 (unreferenced, in test:
    /// non-resident). Page 4 takes the new slot where it stands, as resident cold in test, and asks
    /// for promotion: the cold target grows to 2, so hot pages may be 4 − 2 = 2; there are 3, so the
    /// hot hand runs: 1 (unreferenced) turns cold and moves to the head; 2 hot pages are still not
    /// below 2, so it runs again: 2 turns cold too. Page 4 becomes hot at the head:
    /// `3H 5n 1c 2c 4H`. Hands: cold had been pushed from 1 to 2 to 3 by those moves and settles on
    /// 1; hot on 3; test, pushed off 4 when 4 moved, onto 5.
    @Test func coldHand_evictsIntoTestPeriod_andRefaultPromotesToHot() {
        var cache = ClockProHarness(capacity: 4)
        for key: UInt64 in 1...4 { cache.request(key) }
        #expect(cache.request(5) == 4)
        #expect(cache.clock == "1H 2H 3H 4n 5C | hot 1, cold 5, test 4")
        #expect(cache.policy.nonResidentCount == 1)

        #expect(cache.request(4) == 5)
        #expect(cache.clock == "3H 5n 1c 2c 4H | hot 3, cold 1, test 5")
        #expect(cache.policy.coldTarget == 2)
        #expect(cache.policy.hotCount == 2)
    }

    /// 4 (cold in test) and 1 (hot) are hit, so both reference bits are set: `1H* 2H 3H 4C*`.
    ///
    /// Inserting 5: the cold hand finds 4 referenced in its test period and asks for its promotion;
    /// the cold target grows to 2, so 3 hot pages must come down below 2. The hot hand spares 1
    /// (referenced: bit cleared, moved to the head), demotes 2 (to the head, cold, no test period):
    /// `3H 4C* 1H 2c`; hot pages 3 and 1 are still 2, so it runs again and demotes 3:
    /// `4C* 1H 2c 3c`. Stepping on to the next hot page, the hot hand passes 4, ending its test
    /// period; 4 was referenced, so the cold target grows to 3. No longer in test, 4 is not
    /// promoted: it goes to the head as cold with a new test period, its bit cleared:
    /// `1H 2c 3c 4C`. The cold hand (pushed from 4 to 1) moves on to 2: unreferenced and out of its
    /// test period, 2 is evicted and forgotten. New page 5 is cold in test: `1H 3c 4C 5C`; the
    /// cold hand rests on 3, the test hand (pushed from 4 to 1) on 4.
    @Test func coldHand_referencedPageInTest_runsHotHand_whichSparesReferencedHotPages() {
        var cache = ClockProHarness(capacity: 4)
        for key: UInt64 in 1...4 { cache.request(key) }
        cache.request(4)
        cache.request(1)
        #expect(cache.clock == "1H* 2H 3H 4C* | hot 1, cold 4, test 4")

        #expect(cache.request(5) == 2)
        #expect(cache.clock == "1H 3c 4C 5C | hot 1, cold 3, test 4")
        #expect(cache.policy.coldTarget == 3)
        #expect(cache.policy.nonResidentCount == 0)
    }

    /// Capacity 2: cold target 1 (minimum and maximum), so one hot page and one cold page.
    /// Fill: `1H 2C`. Inserting 3 evicts 2 into its test period (`1H 2n 3C`); 4 evicts 3
    /// (`1H 2n 3n 4C`). Inserting 5 evicts 4 too, which makes 3 non-resident pages, one above the
    /// capacity: the test hand, on 2, ends 2's test period and drops it (unreferenced: the cold
    /// target would shrink, but it is at its minimum), then moves to 3: `1H 3n 4n 5C`.
    /// Page 2, inserted again, is forgotten: a new cold page, not promoted. The cold hand evicts 5
    /// into its test period and the test hand drops 3: `1H 4n 5n 2C`, test hand on 4.
    @Test func testHand_dropsOldestNonResidentPage_whenAboveCapacity() {
        var cache = ClockProHarness(capacity: 2)
        cache.request(1)
        cache.request(2)
        #expect(cache.clock == "1H 2C | hot 1, cold 2, test 2")
        #expect(cache.request(3) == 2)
        #expect(cache.clock == "1H 2n 3C | hot 1, cold 3, test 2")
        #expect(cache.request(4) == 3)
        #expect(cache.clock == "1H 2n 3n 4C | hot 1, cold 4, test 2")
        #expect(cache.policy.nonResidentCount == 2)

        #expect(cache.request(5) == 4)
        #expect(cache.clock == "1H 3n 4n 5C | hot 1, cold 5, test 3")
        #expect(cache.policy.nonResidentCount == 2)

        #expect(cache.request(2) == 5)
        #expect(cache.clock == "1H 4n 5n 2C | hot 1, cold 2, test 4")
        #expect(cache.policy.coldTarget == 1)
    }

    /// An explicit removal leaves nothing behind: removing 4 (cold in test) frees its slot without
    /// a non-resident page, and the cold and test hands, which pointed at it, move on and find no
    /// page of their kind. The next insertion fills the free space without evicting: with 1 free
    /// slot, not more than the minimum cold target, the new page is cold in test.
    @Test func removal_forgetsThePage() {
        var cache = ClockProHarness(capacity: 4)
        for key: UInt64 in 1...4 { cache.request(key) }
        cache.remove(4)
        #expect(cache.clock == "1H 2H 3H | hot 1, cold -, test -")
        #expect(cache.policy.nonResidentCount == 0)
        #expect(cache.request(6) == nil)
        #expect(cache.clock == "1H 2H 3H 6C | hot 1, cold 6, test 6")
        cache.policy.removeAll()
        #expect(cache.policy.clockDescription == " | hot -, cold -, test -")
        #expect(cache.policy.coldTarget == 1)
    }

    /// A loop of 130 keys through 100 entries: LRU misses every request, Clock-Pro keeps most of
    /// the loop hot (LIRS's behaviour), so most requests after the first round hit.
    @Test func loopLongerThanCache_keepsMostOfTheLoop() {
        let keys = Workloads.loop(length: 130, rounds: 40)
        let lru = Workloads.hits(replaying: keys, through: Cache(capacity: 100, policy: .lru))
        let clockPro = Workloads.hits(replaying: keys, through: Cache(capacity: 100, policy: .clockPro))
        #expect(lru == 0)
        let ratio = Double(clockPro) / Double(keys.count)
        #expect(ratio >= 0.7, "Clock-Pro hit ratio \(ratio) on a loop of 130 keys at 100 entries")
    }

    /// A one-pass scan of never-repeated keys, longer than the cache, does not flush the hot set:
    /// scanned pages stay cold and leave through the cold hand.
    @Test func scan_doesNotFlushHotSet() {
        let hot = Workloads.zipf(items: 500, count: 50_000, exponent: 1.0, seed: 31)
        let cache = Cache<Int, Int>(capacity: 1_000, policy: .clockPro)
        _ = Workloads.hits(replaying: hot, through: cache)
        _ = Workloads.hits(replaying: Workloads.scan(from: 1_000_000, length: 20_000), through: cache)
        let hotKeys = Set(hot)
        let resident = hotKeys.filter { cache.containsQuietly($0) }.count
        #expect(Double(resident) >= 0.9 * Double(hotKeys.count), "\(resident) of \(hotKeys.count) hot keys survived")
    }

    /// Seeded random gets, sets and removals at several capacities: the count never exceeds the
    /// capacity, non-resident pages never exceed it either, and every invariant holds throughout.
    @Test(arguments: [1, 2, 3, 10, 100])
    func randomOperations_keepInvariantsAndBounds(capacity: Int) {
        let cache = Cache<Int, Int>(capacity: capacity, policy: .clockPro)
        let policy = cache._shards[0].withLock { $0._policy as! ClockProPolicy }
        var random = SplitMix64(seed: UInt64(capacity))
        let keySpace = UInt64(capacity * 4 + 3)
        for step in 0..<10_000 {
            let key = Int(random.next() % keySpace)
            switch random.next() % 10 {
            case 0: cache.remove(key)
            case 1...3: cache.set(key, step)
            default: if cache.get(key) == nil { cache.set(key, step) }
            }
            #expect(cache.count <= capacity)
            #expect(policy.nonResidentCount <= capacity)
            if step % 97 == 0 { cache.checkInvariants() }
        }
        cache.checkInvariants()
    }
}
