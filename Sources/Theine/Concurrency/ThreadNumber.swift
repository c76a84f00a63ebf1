#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small number for each live thread that reads a cache, which picks its read stripe in every
/// shard.
///
/// Numbers are handed out lowest first and given back when their thread exits, so the live
/// threads hold the numbers `0..<n` or close to it: with no more reading threads than a shard has
/// owned stripes, every thread owns a stripe of its own (``CacheShard``), however many threads
/// came and went before (a Dispatch worker exits after a few idle seconds, and its successor takes
/// its number). Two live threads never hold one number. A thread that reads a cache from another
/// thread-specific destructor after giving its number back takes one again, which the next round
/// of destructors gives back; from the last round (`PTHREAD_DESTRUCTOR_ITERATIONS`) it is not, and
/// that number is lost to later threads, which then read through shared stripes.
@usableFromInline
enum ThreadNumber {
    /// The thread-specific slot holding the calling thread's number plus one (`nil`: none yet).
    /// Its destructor gives the number back when the thread exits.
    @usableFromInline static let key: pthread_key_t = {
        var key = pthread_key_t()
        let error = pthread_key_create(&key) { stored in
            // Only called with a non-nil value: the number plus one.
            ThreadNumber.giveBack(Int(bitPattern: stored) - 1)
        }
        precondition(error == 0, "pthread_key_create failed: \(error)")
        return key
    }()

    /// The numbers handed out so far (`next`) and those given back since (`free`).
    private static let numbers = LockedState((next: 0, free: [Int]()))

    /// The calling thread's number, reading the thread-specific slot `key` (``key``, passed in so
    /// that the hot path does not check that the static is initialized).
    ///
    /// - Complexity: O(1): a thread-specific value read (`pthread_getspecific`); the thread's
    ///   first call takes a lock.
    @inlinable @inline(__always)
    static func current(key: pthread_key_t) -> Int {
        let stored = Int(bitPattern: pthread_getspecific(key))
        return stored != 0 ? stored - 1 : assign()
    }

    /// The calling thread's number.
    @inlinable
    static var current: Int { current(key: key) }

    /// Gives the calling thread the lowest free number.
    ///
    /// - Complexity: O(free numbers), under a process-wide lock; once per thread.
    @usableFromInline
    static func assign() -> Int {
        let number = numbers.withLock { numbers in
            guard let lowest = numbers.free.indices.min(by: { numbers.free[$0] < numbers.free[$1] }) else {
                numbers.next += 1
                return numbers.next - 1
            }
            return numbers.free.remove(at: lowest)
        }
        guard pthread_setspecific(key, UnsafeRawPointer(bitPattern: number + 1)) == 0 else {
            // Out of memory for the thread's slot: the number cannot be kept, so it goes back, and
            // this call reads through a shared stripe (no number reaches this one).
            giveBack(number)
            return unrecordedNumber
        }
        return number
    }

    /// The number of a thread whose own could not be recorded: beyond every owned stripe, so its
    /// reads go through a shared one.
    private static let unrecordedNumber = Int(Int32.max)

    /// Takes back the number of a thread that is exiting.
    private static func giveBack(_ number: Int) {
        numbers.withLock { $0.free.append(number) }
    }
}
