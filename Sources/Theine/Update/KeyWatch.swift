/// The calls that read one key's entry outside the shard's lock and write it back only if nothing
/// changed it meanwhile: ``Cache/update(_:ttl:_:)`` and ``Cache/removeAll(where:)``.
///
/// Every write or removal of the key while a watch exists advances ``changeCount``; a watcher
/// compares it with the count it read beside the value, and whether the entry is still as live as
/// it saw it (an eviction or an expiry leaves it absent, and only a write, noted, puts one back),
/// so it commits only over the entry it saw. A load of the key waits while the key is watched, so
/// that an update and a load of one key are ordered: the load then finds the update's value.
///
/// Guarded by: the lock of the shard that holds the key, as ``LoadFlight``; the waiting loads are
/// resumed only after it is released. So the properties skip the runtime's exclusivity checks
/// (`@exclusivity(unchecked)`), which would cost an update more than its dictionary work.
@usableFromInline
final class KeyWatch<Value: Sendable>: @unchecked Sendable {
    /// The calls watching the key; the watch ends when the last one leaves.
    @usableFromInline @exclusivity(unchecked) var watcherCount = 0
    /// How many writes and removals of the key there were since the watch began.
    @usableFromInline @exclusivity(unchecked) var changeCount = 0
    /// The async loads waiting for the watch to end, by ticket.
    @usableFromInline @exclusivity(unchecked) var waitingLoads:
        [ObjectIdentifier: CheckedContinuation<Value, any Error>] = [:]
    /// Where blocking loads wait for the watch to end; created by the first of them.
    @usableFromInline @exclusivity(unchecked) var blockedLoads: BlockingCompletion<Value>?
    /// The bulk loads waiting for the watch to end, by ``BulkWaiter``.
    @usableFromInline @exclusivity(unchecked) var waitingBulkLoads: [ObjectIdentifier: LoadResultHandler<Value>] = [:]

    @inlinable
    init() {}

    /// Whether a load waits for the watch to end.
    @inlinable
    var holdsBackLoads: Bool { !waitingLoads.isEmpty || blockedLoads != nil || !waitingBulkLoads.isEmpty }

    /// Takes the loads the watch held back, to wake after unlocking.
    @usableFromInline
    func takeHeldBackLoads() -> WatchRelease<Value> {
        let release = WatchRelease(
            waitingLoads: Array(waitingLoads.values),
            blockedLoads: blockedLoads,
            waitingBulkLoads: Array(waitingBulkLoads.values)
        )
        waitingLoads = [:]
        blockedLoads = nil
        waitingBulkLoads = [:]
        return release
    }
}

/// The loads a watch held back, to wake once the shard's lock is released: each tries again.
@usableFromInline
struct WatchRelease<Value: Sendable> {
    @usableFromInline var waitingLoads: [CheckedContinuation<Value, any Error>] = []
    @usableFromInline var blockedLoads: BlockingCompletion<Value>?
    @usableFromInline var waitingBulkLoads: [LoadResultHandler<Value>] = []

    /// None.
    @inlinable
    init() {}

    init(
        waitingLoads: [CheckedContinuation<Value, any Error>],
        blockedLoads: BlockingCompletion<Value>?,
        waitingBulkLoads: [LoadResultHandler<Value>]
    ) {
        self.waitingLoads = waitingLoads
        self.blockedLoads = blockedLoads
        self.waitingBulkLoads = waitingBulkLoads
    }

    /// Whether no load was held back.
    @inlinable
    var isEmpty: Bool { waitingLoads.isEmpty && blockedLoads == nil && waitingBulkLoads.isEmpty }

    /// Wakes every load held back; each then looks the key up again.
    @usableFromInline
    func wake() {
        for load in waitingLoads { load.resume(throwing: WatchEnded()) }
        blockedLoads?.complete(.failure(WatchEnded()))
        for load in waitingBulkLoads { load(.failure(WatchEnded())) }
    }
}

/// What a load held back by a ``KeyWatch`` is woken with: not a failure, a signal to try again.
struct WatchEnded: Error {}
