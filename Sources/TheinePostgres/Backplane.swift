#if Postgres
import NIOCore

/// What a ``NearCache`` needs of the level its instances share: a value store whose every change
/// takes a version and announces it, the load lease, a subscription to the announcements with a
/// log to read back what a subscription missed, and upkeep. ``PostgresBackplane`` is the engine
/// in use; another (a message bus beside another database) implements the same members.
///
/// Keys and values are bytes; versions and horizons are integers the engine chooses. Every engine
/// guarantees:
/// - a change's message goes out exactly when the change commits, never for one that fails;
/// - a key's versions rise in the order its changes commit (one sequence a cache);
/// - a message names the horizon its sender had heard through, and a subscriber can read back
///   from a horizon every change committed from it on, or learn that it cannot (the log was
///   pruned past it).
///
/// A message's text is an ``InvalidationMessage``.
protocol Backplane: Sendable {
    /// Prefixes this instance's messages, so that it knows its own.
    var origin: String { get }

    /// Returns once the shared level may be used: the first caller checks it (its tables, for
    /// PostgreSQL), the others wait for that check; a failed check is tried again by the next.
    func prepare() async throws

    // MARK: The value store

    /// Reads `key`'s shared value.
    func read(_ key: ByteBuffer) async throws -> BackplaneRead

    /// The version of the last `removeAll`, for a load's conditional store when values are not
    /// shared.
    func clearedVersion() async throws -> Int64

    /// Stores `value` for `key` (with a TTL, or none) and announces it.
    /// - Returns: the change's version.
    func write(_ key: ByteBuffer, _ value: ByteBuffer, ttl: Duration?) async throws -> Int64

    /// Stores `value` for `key`, keeping the expiry of the live value it replaces (none if it
    /// replaces none), and announces it.
    /// - Returns: the change's version, and the value's time left (`nil`: no TTL).
    func writeKeepingExpiry(
        _ key: ByteBuffer,
        _ value: ByteBuffer
    ) async throws -> (version: Int64, timeLeft: Duration?)

    /// Stores `value` for `key` only if it has no live value, and announces it if stored.
    /// - Returns: the change's version, or `nil` if a live value was there.
    func writeIfAbsent(_ key: ByteBuffer, _ value: ByteBuffer, ttl: Duration?) async throws -> Int64?

    /// Stores a loaded `value` for `key` only if nothing changed the key since the load began:
    /// its row still has `rowVersion` (or there is still none, when `nil`) and no `removeAll`
    /// came after `clearedVersion`. Without shared values, only the `removeAll` check is made,
    /// and the load is announced (other instances drop older copies).
    /// - Returns: the change's version, or `nil` if the key changed.
    func storeLoaded(
        _ key: ByteBuffer,
        _ value: ByteBuffer,
        ttl: Duration?,
        rowVersion: Int64?,
        clearedVersion: Int64
    ) async throws -> Int64?

    // MARK: Changes

    /// Removes the values of `keys` (distinct), keeping each key's new version for loads in
    /// flight, and announces them in one message.
    /// - Returns: each key's new version, in the order of `keys`.
    func invalidate(_ keys: [ByteBuffer]) async throws -> [Int64]

    /// Removes every shared value of this cache, moves its `removeAll` version on, and announces
    /// it.
    /// - Returns: the `removeAll`'s version.
    func removeAll() async throws -> Int64

    // MARK: The load lease

    /// Takes `key`'s lease for `duration` if no other instance holds a live one.
    /// - Returns: `nil` if this instance now holds it; else how long to wait for the holder.
    func takeLease(_ key: ByteBuffer, for duration: Duration) async throws -> Duration?

    /// Moves the end of this instance's lease of `key` to `duration` from now, if it still holds it.
    func renewLease(_ key: ByteBuffer, for duration: Duration) async throws

    /// Gives up this instance's lease of `key`, and wakes the instances waiting for it with a
    /// message of version 0 (which drops no copy).
    func releaseLease(_ key: ByteBuffer) async throws

    // MARK: Listening

    /// Subscribes to this cache's messages until the subscription fails (it throws) or the task is
    /// cancelled. Once subscribed, calls `caughtUp` with the changes committed from horizon
    /// `heardThrough` on (`nil` if the log no longer reaches back there, or `heardThrough` is 0:
    /// nothing heard yet) and the horizon now, below which every change is either heard after or
    /// in those changes; then `receive` with each message's text, in order.
    func listen(
        replayingFrom heardThrough: Int64,
        caughtUp: (_ missed: [(version: Int64, key: ByteBuffer?)]?, _ horizon: Int64) -> Void,
        receive: (String) -> Void
    ) async throws

    // MARK: Upkeep

    /// Deletes up to `batch` shared values and kept versions whose time has passed.
    /// - Returns: how many it deleted.
    func pruneExpired(batch: Int) async throws -> Int

    /// Deletes up to `batch` log entries older than `retention`, moving the log's horizon past
    /// them: a subscriber below it can no longer read back from there.
    /// - Returns: how many it deleted.
    func pruneLog(olderThan retention: Duration, batch: Int) async throws -> Int
}

/// What a read of the shared level found.
enum BackplaneRead {
    /// A live value, its version, and its time left (`nil`: no TTL).
    case hit(ByteBuffer, version: Int64, timeLeft: Duration?)
    /// No live value. `rowVersion` is the version the key's last change left (a removal's or an
    /// expired value's), `nil` without one; `clearedVersion` the version of the last `removeAll`.
    /// A load's store is conditional on both.
    case miss(rowVersion: Int64?, clearedVersion: Int64)
}
#endif
