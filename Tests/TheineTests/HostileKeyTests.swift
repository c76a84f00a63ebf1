import Testing

@testable import Theine

/// A key whose every instance hashes alike: the worst a key type can do to the table.
private struct ConstantHashKey: Hashable, Sendable {
    let id: Int

    func hash(into hasher: inout Hasher) {
        hasher.combine(0)
    }
}

@Suite(.tags(.invariants))
struct HostileKeyTests {
    /// Every lookup probes past every other key (O(n)), but the cache stays correct: the values
    /// read are the ones written, evictions keep the count at the capacity, and removals leave the
    /// rest findable.
    @Test(arguments: EvictionPolicy.allPolicies)
    func keysWithOneHash_stillWork_atLinearCost(policy: EvictionPolicy) {
        let cache = Cache<ConstantHashKey, Int>(capacity: 200, policy: policy)
        for id in 0..<300 { cache.set(ConstantHashKey(id: id), id) }
        #expect(cache.count == 200)
        let entries = cache.entries()
        #expect(entries.count == 200)
        for (key, value) in entries {
            #expect(key.id == value)
            #expect(cache.get(key) == value)
        }
        for (key, _) in entries where key.id.isMultiple(of: 2) { cache.remove(key) }
        let left = cache.entries()
        #expect(left.allSatisfy { !$0.key.id.isMultiple(of: 2) })
        #expect(left.count == entries.filter { !$0.key.id.isMultiple(of: 2) }.count)
        for (key, value) in left { #expect(cache.get(key) == value) }
        #expect(cache.update(left[0].key) { $0.map { $0 + 1 } } == left[0].value + 1)
        cache.checkInvariants()
    }
}
