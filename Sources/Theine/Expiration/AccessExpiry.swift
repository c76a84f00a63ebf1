import Synchronization

/// The sliding expiry of one shard of a cache created with `expireAfterAccess`: for each slot, when
/// its entry was last accessed and when its writes' TTL ends it (its *write deadline*), so that
/// the entry leaves at the earlier of its write deadline and its last access plus ``timeToIdle``.
///
/// The timer wheel cannot follow every access: hits do not take the shard's lock, and its read
/// rings drop hits by design. So a hit stores its time here, in the slot's atomic word, and the
/// wheel holds a deadline that may be early (the leave deadline as of the slot's last write or
/// rescheduling): when it fires, the shard reschedules an entry accessed since instead of
/// removing it (``CacheState/takeExpiredSlots(at:departures:)``). Reads compare the slot's words
/// with the present themselves, so a stale wheel deadline never hides or ends an entry early.
///
/// With the default clock, hits read the time from the kernel's coarse clock (``coarseClock``): they
/// check an entry against a time up to one kernel tick early (an idle entry may be returned up to
/// a tick after its limit, never before) and record the end of the present tick (it leaves within
/// about a tick of its limit); and a key read by many threads is written to once a tick at most.
/// Writes, and reads with the shard's lock, record the precise time; with any other clock (a
/// ``ManualCacheClock``), every access and check reads that clock.
///
/// Guarded by: the shard's lock for the write deadlines, for growth and for the accesses of writes;
/// readers of the shard load both words and store the access word side by side while no writer
/// is active, as they read the table. Two readers storing at once may leave the earlier of their
/// two times (they are at most one lookup apart).
///
/// Memory: nothing unless the cache expires after access; then 16 bytes a slot, allocated as the
/// table's slots are first used.
///
/// - Complexity: every operation O(1), amortized where the storage grows with the highest slot.
@usableFromInline
struct AccessExpiry: ~Copyable {
    // Memory: `_slots` points to `_count` initialized elements, allocated and freed here.

    /// The words of one slot.
    @usableFromInline
    struct Slot: ~Copyable {
        /// When the entry was last accessed, as ``AccessExpiry/accessRounding`` rounds it.
        @usableFromInline let lastAccess: Atomic<Int64>
        /// When the entry's TTL ends it, or its grace past its TTL (``CacheState/keepStale(_:hashValue:for:departures:)``);
        /// `Int64.max` for none.
        @usableFromInline var writeDeadline: Int64

        @inlinable
        init() {
            lastAccess = Atomic(0)
            writeDeadline = .max
        }
    }

    /// How long an entry lives without an access, in nanoseconds; `Int64.max` when the cache does
    /// not expire entries after access.
    @usableFromInline let timeToIdle: Int64
    /// Where hits read the time, for the default clock on a platform that has a coarse clock;
    /// `nil` otherwise: they read the cache's clock.
    @usableFromInline let coarseClock: CoarseAccessClock?
    @usableFromInline var _slots: UnsafeMutablePointer<Slot>?
    @usableFromInline var _count = 0

    /// Sliding expiry after `timeToIdle` nanoseconds (`Int64.max`: none), whose hits read the
    /// coarse clock when `isDefaultClock`, and the cache's clock otherwise.
    init(timeToIdle: Int64, isDefaultClock: Bool) {
        precondition(timeToIdle > 0, "timeToIdle must be positive, got \(timeToIdle)")
        self.timeToIdle = timeToIdle
        coarseClock = isDefaultClock && timeToIdle != .max ? CoarseAccessClock.shared : nil
    }

    @inlinable
    deinit {
        _slots?.deinitialize(count: _count)
        _slots?.deallocate()
    }

    /// Whether the cache expires entries after access.
    @inlinable
    var isEnabled: Bool {
        @inline(__always) get { timeToIdle != .max }
    }

    /// When the entry in `slot` leaves: the earlier of its write deadline and its idle deadline.
    /// Only for a slot whose entry was written with sliding expiry on.
    @inlinable @inline(__always)
    func leaveDeadline(of slot: SlotIndex) -> Int64 {
        min(_slots.unsafelyUnwrapped[Int(slot)].writeDeadline, idleDeadline(of: slot))
    }

    /// When the entry in `slot` leaves unless accessed again: its last access plus ``timeToIdle``
    /// (`Int64.max − 1` at the most).
    @inlinable @inline(__always)
    func idleDeadline(of slot: SlotIndex) -> Int64 {
        let lastAccess = _slots.unsafelyUnwrapped[Int(slot)].lastAccess.load(ordering: .relaxed)
        return lastAccess >= Int64.max - 1 - timeToIdle ? Int64.max - 1 : lastAccess + timeToIdle
    }

    /// The write deadline of the entry in `slot`: where its TTL (and grace) end it.
    @inlinable
    func writeDeadline(of slot: SlotIndex) -> Int64 {
        _slots.unsafelyUnwrapped[Int(slot)].writeDeadline
    }

    /// Records an access to the entry in `slot` at `time`, a hit's: stores it only if it moves the
    /// slot's word forward, so that hits within one coarse tick write nothing.
    ///
    /// - Complexity: O(1): an atomic load, and at most one atomic store; no lock.
    @inlinable @inline(__always)
    func recordAccess(of slot: SlotIndex, at time: Int64) {
        let word = _slots.unsafelyUnwrapped + Int(slot)
        if word.pointee.lastAccess.load(ordering: .relaxed) < time {
            word.pointee.lastAccess.store(time, ordering: .relaxed)
        }
    }

    /// Records the write of the entry in `slot` at `present`: its access, whatever the time before
    /// (a new entry may take a slot that a later access had used). With the shard's lock held.
    @usableFromInline
    mutating func recordWrite(of slot: SlotIndex, at present: Int64) {
        let index = Int(slot)
        if index >= _count { grow(toInclude: index) }
        _slots.unsafelyUnwrapped[index].lastAccess.store(present, ordering: .relaxed)
    }

    /// Gives the entry in `slot`, written already (``recordWrite(of:at:)``), its write deadline.
    @inlinable
    mutating func setWriteDeadline(_ deadline: Int64, of slot: SlotIndex) {
        _slots.unsafelyUnwrapped[Int(slot)].writeDeadline = deadline
    }

    /// Extends the storage with fresh slots, up to and including `index`.
    private mutating func grow(toInclude index: Int) {
        let grownCount = max(index + 1, 2 * _count, 64)
        let grown = UnsafeMutablePointer<Slot>.allocate(capacity: grownCount)
        if let slots = _slots {
            grown.moveInitialize(from: slots, count: _count)
            slots.deallocate()
        }
        for fresh in _count..<grownCount {
            (grown + fresh).initialize(to: Slot())
        }
        _slots = grown
        _count = grownCount
    }
}
