import Synchronization
import Testing

@testable import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shard's lock: writers and drainers exclude each other, only writers raise the flag that
/// keeps readers out, and a waiter gets the lock however long it waited.
@Suite(.tags(.concurrency))
struct ShardLockTests {
    /// A lock at a stable address, and a counter that only the lock guards.
    final class Guarded: @unchecked Sendable {
        let lock = ShardLock()
        var count = 0

        // Copies of the lock's answers: `#expect` cannot take a noncopyable value apart.
        var isWriterActive: Bool { lock.isWriterActive }
        func tryLockForDraining() -> Bool { lock.tryLockForDraining() }
    }

    @Test func theWriterFlag_isUpOnlyWhileAWriterHoldsTheLock() {
        let guarded = Guarded()
        #expect(!guarded.isWriterActive)
        guarded.lock.lockForWriting()
        #expect(guarded.isWriterActive)
        #expect(!guarded.tryLockForDraining(), "a drainer got in beside a writer")
        guarded.lock.unlockWriting()
        #expect(!guarded.isWriterActive)
        #expect(guarded.tryLockForDraining(), "a drainer that backed off kept the lock")
        #expect(!guarded.isWriterActive, "a drainer raised the writer flag")
        #expect(!guarded.tryLockForDraining(), "two drainers at once")
        guarded.lock.unlockDraining()
    }

    @Test func writersAndDrainers_holdItOneAtATime() {
        let guarded = Guarded()
        let rounds = 100_000
        let drains = Atomic<Int>(0)
        // Even threads write, odd ones drain when the lock is free; each increments the counter
        // by a read and a write that another holder's increment in between would undo.
        runOnThreads(8) { thread in
            for _ in 0..<rounds {
                let isWriter = thread.isMultiple(of: 2)
                if isWriter {
                    guarded.lock.lockForWriting()
                } else {
                    guard guarded.lock.tryLockForDraining() else { continue }
                    drains.wrappingAdd(1, ordering: .relaxed)
                }
                let seen = guarded.count
                if seen % 64 == 0 { sched_yield() }
                guarded.count = seen + 1
                if isWriter { guarded.lock.unlockWriting() } else { guarded.lock.unlockDraining() }
            }
        }
        #expect(guarded.count == 4 * rounds + drains.load(ordering: .relaxed))
        #expect(!guarded.isWriterActive)
    }

    @Test func aWriter_waitsForTheDrainInProgress() {
        let guarded = Guarded()
        let locked = guarded.tryLockForDraining()
        #expect(locked)
        expectWriterGetsTheLockOnlyOnceReleased(guarded, heldFor: 50_000, "a writer got in beside a drainer") {
            guarded.lock.unlockDraining()
        }
    }

    @Test func aWaiterPastItsYields_getsTheLockOnceReleased() {
        let guarded = Guarded()
        guarded.lock.lockForWriting()
        // Long enough for the waiter to spin, yield a thousand times, and sleep.
        expectWriterGetsTheLockOnlyOnceReleased(guarded, heldFor: 200_000, "the waiter got a held lock") {
            guarded.lock.unlockWriting()
        }
    }

    /// With the lock held by the caller, starts a writer, waits `microseconds`, then runs
    /// `release`: the writer must get the lock, and only after the release.
    private func expectWriterGetsTheLockOnlyOnceReleased(
        _ guarded: Guarded,
        heldFor microseconds: UInt32,
        _ comment: Comment,
        sourceLocation: SourceLocation = #_sourceLocation,
        release: () -> Void
    ) {
        let released = Atomic<Bool>(false)
        let acquired = Atomic<Int>(0)  // 0: not yet, 1: after the release, 2: before it
        let writer = startThread {
            guarded.lock.lockForWriting()
            acquired.store(released.load(ordering: .acquiring) ? 1 : 2, ordering: .releasing)
            guarded.lock.unlockWriting()
        }
        usleep(microseconds)
        #expect(acquired.load(ordering: .acquiring) == 0, comment, sourceLocation: sourceLocation)
        released.store(true, ordering: .releasing)
        release()
        pthread_join(writer, nil)
        #expect(acquired.load(ordering: .acquiring) == 1, sourceLocation: sourceLocation)
    }
}
