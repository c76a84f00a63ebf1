import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import Theine

/// The shard's lock: writers and drainers exclude each other, only writers raise the flag that
/// keeps readers out, and a waiter gets the lock however long it waited.
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
        let drainEnded = Atomic<Bool>(false)
        let writerSawDrainEnd = Atomic<Int>(0)  // 0: not yet, 1: after the drain, 2: during it
        let locked = guarded.tryLockForDraining()
        #expect(locked)
        let writer = startThread {
            guarded.lock.lockForWriting()
            writerSawDrainEnd.store(drainEnded.load(ordering: .acquiring) ? 1 : 2, ordering: .releasing)
            guarded.lock.unlockWriting()
        }
        usleep(50_000)
        #expect(writerSawDrainEnd.load(ordering: .acquiring) == 0, "a writer got in beside a drainer")
        drainEnded.store(true, ordering: .releasing)
        guarded.lock.unlockDraining()
        pthread_join(writer, nil)
        #expect(writerSawDrainEnd.load(ordering: .acquiring) == 1)
    }

    @Test func aWaiterPastItsYields_getsTheLockOnceReleased() {
        let guarded = Guarded()
        let released = Atomic<Bool>(false)
        let acquiredAfterRelease = Atomic<Int>(0)  // 0: not yet, 1: after the release, 2: before it
        guarded.lock.lockForWriting()
        let waiter = startThread {
            guarded.lock.lockForWriting()
            acquiredAfterRelease.store(released.load(ordering: .acquiring) ? 1 : 2, ordering: .releasing)
            guarded.lock.unlockWriting()
        }
        // Long enough for the waiter to spin, yield a thousand times, and sleep.
        usleep(200_000)
        #expect(acquiredAfterRelease.load(ordering: .acquiring) == 0, "the waiter got a held lock")
        released.store(true, ordering: .releasing)
        guarded.lock.unlockWriting()
        pthread_join(waiter, nil)
        #expect(acquiredAfterRelease.load(ordering: .acquiring) == 1)
    }
}
