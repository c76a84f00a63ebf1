import Testing

@testable import Theine

/// A cache's read rings hand the policy its hits in batches (`recordAccesses`), which LRU and
/// W-TinyLFU process in two passes (touching every slot first, then moving them). These tests check
/// that a batch decides exactly as the same hits told one at a time (`recordAccess`): the same
/// victim at every insertion, for every policy.
struct BatchedAccessTests {
    /// Drives one policy the way a shard does: slots from a free list, hits recorded at once or
    /// buffered in batches of up to 32 that are flushed before every insertion and removal.
    private struct Driver {
        let policy: any CachePolicy
        let batches: Bool
        private var slotOfKey: [Int: SlotIndex] = [:]
        private var keyOfSlot: [Int?] = []
        private var freeSlots: [SlotIndex] = []
        private var pending: [SlotIndex] = []
        private(set) var victims: [Int] = []

        init(policy: any CachePolicy, batches: Bool) {
            self.policy = policy
            self.batches = batches
        }

        /// Requests `key`: a hit is recorded (or buffered), a miss inserts it.
        mutating func request(_ key: Int) {
            if let slot = slotOfKey[key] {
                if batches {
                    pending.append(slot)
                    if pending.count == ReadStripe.capacity { flush() }
                } else {
                    policy.recordAccess(slot)
                }
                return
            }
            flush()
            let slot = freeSlots.popLast() ?? SlotIndex(keyOfSlot.count)
            if Int(slot) == keyOfSlot.count { keyOfSlot.append(nil) }
            keyOfSlot[Int(slot)] = key
            slotOfKey[key] = slot
            let victim = policy.recordInsertion(slot, hash: Self.hash(of: key))
            if victim != .none {
                let evicted = keyOfSlot[Int(victim)]!
                victims.append(evicted)
                release(victim, of: evicted)
            }
        }

        /// Removes `key` if present.
        mutating func remove(_ key: Int) {
            guard let slot = slotOfKey[key] else { return }
            flush()
            policy.recordRemoval(slot)
            release(slot, of: key)
        }

        private mutating func release(_ slot: SlotIndex, of key: Int) {
            slotOfKey[key] = nil
            keyOfSlot[Int(slot)] = nil
            freeSlots.append(slot)
        }

        private mutating func flush() {
            guard !pending.isEmpty else { return }
            pending.withUnsafeBufferPointer { policy.recordAccesses($0) }
            pending.removeAll(keepingCapacity: true)
        }

        func checkInvariants() {
            policy.checkInvariants(residentCount: slotOfKey.count)
        }

        /// A well-mixed 64-bit hash, as the cache gives its policy.
        static func hash(of key: Int) -> UInt64 {
            var mixed = UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15
            mixed ^= mixed >> 31
            mixed &*= 0xBF58_476D_1CE4_E5B9
            return mixed ^ (mixed >> 29)
        }
    }

    @Test(arguments: EvictionPolicy.allPolicies, [1, 31, 500, 4_000])
    func batchedHits_evictExactlyAsSingleHits(policy: EvictionPolicy, capacity: Int) {
        let keys =
            Workloads.zipf(items: 20_000, count: 120_000, exponent: 0.9, seed: 21)
            + Workloads.scan(from: 1_000_000, length: 3_000)
            + Workloads.zipf(items: 20_000, count: 60_000, exponent: 1.1, seed: 22)
        var single = Driver(policy: policy.makePolicy(capacity: capacity, seed: 7), batches: false)
        var batched = Driver(policy: policy.makePolicy(capacity: capacity, seed: 7), batches: true)
        for (position, key) in keys.enumerated() {
            single.request(key)
            batched.request(key)
            if position % 97 == 0 {
                let removed = keys[position / 2]
                single.remove(removed)
                batched.remove(removed)
            }
        }
        #expect(single.victims.count > keys.count / 10, "the workload should evict")
        #expect(batched.victims == single.victims)
        single.checkInvariants()
        batched.checkInvariants()
    }
}
