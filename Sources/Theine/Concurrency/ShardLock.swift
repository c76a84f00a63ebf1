import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A shard's lock: a writer flag that is also the writers' lock, and a drainer flag 72 bytes
/// further on, so on another 64-byte cache line.
///
/// Two kinds of holder. A *writer* (exclusive access: writes, loads, stats, the ticker) raises
/// `writing` by compare-and-swap: that one atomic operation both takes the lock and tells readers
/// to keep out, and lowering it is a plain store. A *drainer* (a reader handing the read rings to
/// the policy) raises `draining` instead, so readers go on meanwhile and the line they read is left
/// unwritten. The two exclude each other by Dekker's handshake, both sides sequentially
/// consistent: a writer raises its flag, then waits until `draining` is down; a drainer raises its
/// flag, then backs off if `writing` is up. So a write pays one atomic read-modify-write, where a
/// pthread mutex beside a separate flag cost three (trylock, the flag's sequentially consistent
/// store, unlock) and two calls into the C library (`Documentation/DesignNotes.md`, seventh step,
/// measures both).
///
/// A waiting writer spins briefly on a local (not on the flag's line, which the holder needs to
/// release it), then yields the processor between attempts, then sleeps between attempts, from
/// 10 µs doubling to 1 ms. Nothing wakes a sleeper, which retries after each sleep: that is what
/// lets releasing be a plain store. A writer gets that far only after a thousand yields, when a
/// holder lost its processor or other writers kept winning the lock (the lock is held for one O(1)
/// operation); a sleeper then sees the lock free up to a millisecond late. Sleeping on a pthread
/// mutex instead made every later unlock a system call to wake the sleeper, which two writers paid
/// dearly for (the design notes, third step, "Writes, later"). A writer waiting out a drain, like
/// one waiting for readers to leave, spins and then yields, without sleeping: both are O(1) waits
/// unless a thread lost its processor.
///
/// Not fair: a newcomer may take the lock ahead of a waiter. Not recursive: a holder that takes it
/// again waits for itself forever.
///
/// - Complexity: uncontended, one compare-and-swap and one load to take it for writing, one
///   store to release it; a drain's try, one compare-and-swap and one load.
@usableFromInline
struct ShardLock: ~Copyable {
    /// Up while a writer holds the lock; readers check it.
    @usableFromInline let _writing = Atomic<Bool>(false)
    // Keeps `_draining` off the line of `_writing`, which every read loads.
    private let _padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Up while a drainer holds the lock.
    @usableFromInline let _draining = Atomic<Bool>(false)

    init() {}

    /// Whether a writer holds the lock. Sequentially consistent: a reader counts itself in, then
    /// reads this (Dekker's handshake with ``lockForWriting()``, which raises it and then reads the
    /// readers' counts).
    @inlinable @inline(__always)
    var isWriterActive: Bool {
        _writing.load(ordering: .sequentiallyConsistent)
    }

    /// Takes the lock and raises the writer flag, waiting as long as it takes, then waits for a
    /// drain in progress to finish.
    ///
    /// Sequentially consistent, so that the caller's later sequentially consistent reads of the
    /// readers' counts cannot pass it: the writer's half of the handshake.
    @inlinable @inline(__always)
    func lockForWriting() {
        if !_writing.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged {
            waitAndLock()
        }
        if _draining.load(ordering: .sequentiallyConsistent) { waitForDrainer() }
    }

    /// Takes the lock without raising the writer flag, if no writer or drainer holds it: readers
    /// go on meanwhile.
    @inlinable @inline(__always)
    func tryLockForDraining() -> Bool {
        guard _draining.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return false }
        guard !_writing.load(ordering: .sequentiallyConsistent) else {
            _draining.store(false, ordering: .releasing)
            return false
        }
        return true
    }

    /// Releases the lock taken by ``lockForWriting()``, and the writer flag with it.
    @inlinable @inline(__always)
    func unlockWriting() {
        _writing.store(false, ordering: .releasing)
    }

    /// Releases the lock taken by ``tryLockForDraining()``.
    @inlinable @inline(__always)
    func unlockDraining() {
        _draining.store(false, ordering: .releasing)
    }

    /// ``lockForWriting()`` once another writer was found holding it: 4 spins of 64 to 512 reads
    /// of a local, then up to 1,000 yields, then sleeps, trying the lock after each wait.
    @usableFromInline @inline(never)
    func waitAndLock() {
        var attempts = 0
        var spins = 64
        var sleepMicroseconds: UInt32 = 10
        let local = Atomic<Int>(0)
        repeat {
            attempts += 1
            if attempts <= 4 {
                for _ in 0..<spins { _ = local.load(ordering: .relaxed) }
                spins &*= 2
            } else if attempts <= 1_004 {
                sched_yield()
            } else {
                usleep(sleepMicroseconds)
                sleepMicroseconds = min(2 * sleepMicroseconds, 1_000)
            }
        } while !_writing.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    }

    /// Waits, holding the writer flag, until the drain in progress ends: O(rings × 32) hits
    /// handed to the policy, unless its thread lost its processor.
    @usableFromInline @inline(never)
    func waitForDrainer() {
        var spins = 0
        while _draining.load(ordering: .sequentiallyConsistent) {
            spins += 1
            if spins > 1_000 { sched_yield() }
        }
    }
}
