#if canImport(Glibc)
import CAllocationCounter
import Glibc
import Testing

@testable import Theine

/// Memory follows the number of entries, not the capacity.
struct MemoryTests {
    /// Measured in a child process (an exit test), so that tests running in parallel in this process
    /// cannot disturb the allocator's count: the child exits with status 0 if the cache allocated
    /// under 1 MiB, 1 otherwise.
    @Test func hugeCapacity_tenEntries_allocatesUnderOneMegabyte() async {
        await #expect(processExitsWith: .success) {
            for policy in EvictionPolicy.allPolicies {
                let before = theine_allocated_bytes()
                let cache = Cache<Int, Int>(capacity: 100_000_000, policy: policy)
                for key in 0..<10 { cache.set(key, key) }
                for key in 0..<10 { _ = cache.get(key) }
                let used = Int(theine_allocated_bytes()) - Int(before)
                withExtendedLifetime(cache) {}
                if used >= 1 << 20 { exit(1) }
            }
        }
    }
}
#endif
