/// A scaled-down W-TinyLFU with a fixed window, fed a sample of the cache's keys: it measures how
/// the cache would do with one particular window size.
///
/// The window climber runs two, one step below and one step above the current window, on the
/// same sampled requests, and moves the real window towards the one that hit more (spatial
/// sampling of keys, as SHARDS does for LRU: Waldspurger et al., FAST '15). Both probes see the
/// same requests, so a change in the workload moves them together and does not read as a signal.
///
/// A probe keys its entries by hash (the sampled keys' 64-bit policy hashes); a hash collision
/// merely merges two sampled keys.
///
/// - Complexity: ``access(_:)`` O(1) amortized, like the policy it wraps.
struct WindowProbe {
    private let policy: TinyLFUPolicy
    private var slotOfHash: [UInt64: SlotIndex] = [:]
    private var freeSlots: [SlotIndex] = []
    private var slotCount: SlotIndex = 0
    /// Hits since the last ``resetHits()``.
    private(set) var hits = 0

    /// Creates an empty probe of `capacity` entries whose window holds `windowMaximum` entries.
    init(capacity: Int, windowMaximum: Int, seed: UInt64) {
        policy = TinyLFUPolicy(capacity: capacity, seed: seed, isAdaptive: false)
        policy.resizeWindow(to: windowMaximum)
    }

    private init(copying other: WindowProbe) {
        policy = TinyLFUPolicy(copying: other.policy)
        slotOfHash = other.slotOfHash
        freeSlots = other.freeSlots
        slotCount = other.slotCount
        hits = other.hits
    }

    /// An independent copy of the probe, contents and all.
    ///
    /// - Complexity: O(capacity).
    func copy() -> WindowProbe {
        WindowProbe(copying: self)
    }

    /// The probe's window size.
    var windowMaximum: Int { policy.windowMaximum }

    /// Replays one request for the key with `hash`: a hit, or an insertion on a miss.
    mutating func access(_ hash: UInt64) {
        if let slot = slotOfHash[hash] {
            hits += 1
            policy.recordAccess(slot)
            return
        }
        let slot: SlotIndex
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slotCount
            slotCount += 1
        }
        slotOfHash[hash] = slot
        let victim = policy.recordInsertion(slot, hash: hash)
        if victim != .none {
            slotOfHash[policy.hash(ofSlot: victim)] = nil
            freeSlots.append(victim)
        }
    }

    /// Moves the probe's window to `windowMaximum` entries, keeping its contents.
    func resizeWindow(to windowMaximum: Int) {
        policy.resizeWindow(to: windowMaximum)
    }

    mutating func resetHits() {
        hits = 0
    }
}
