#if Postgres
import Synchronization

/// What a near cache knows about the versions of its keys, and whether its local level can be
/// trusted: the rules that keep the local level from holding a value older than one another
/// instance announced.
///
/// - Every change of a key has a version, from one PostgreSQL sequence, rising in the order the
///   changes of that key commit; notifications carry them.
/// - A notification drops the local copy of its key only if that copy is older (so an instance's
///   own notification, or a late one, leaves a newer copy alone).
/// - A value read or written by an operation enters the local level only if its version is at
///   least the newest this instance has seen for the key, and only if the local level was trusted
///   without interruption since the operation began (an ``epoch`` that every resynchronization
///   and every `removeAll` moves on).
/// - The local level is trusted while the instance listens; when listening stops, it is trusted
///   for `maximumStaleness` more (the copies were current when it stopped), then bypassed.
///
/// Keys travel as text; a record keeps the key itself for each text with a local copy, so that a
/// notification can name what to drop. Operations register their key while in flight
/// (``begin(_:key:)``), so that a notification arriving meanwhile is remembered even if the key has
/// no local copy. Records with neither a local copy nor an operation in flight are forgotten by
/// ``trim(keepingAtMost:isCached:)``. Calls are O(1) but that one's O(records).
///
/// Mutable state sits behind a `Mutex`: it is touched by misses, writes and notifications, which
/// wait on the database anyway, never by a local hit (which reads ``isListening`` alone).
@usableFromInline
final class LocalCoherence<Key: Hashable & Sendable>: Sendable {
    /// A key's record.
    struct KeyRecord: Sendable {
        /// The key whose text the record is filed under.
        var key: Key
        /// The version of the local copy this instance put in, or 0 when unknown.
        var localVersion: Int64 = 0
        /// The newest version this instance has seen for the key.
        var newestSeen: Int64 = 0
        /// Operations on the key in flight.
        var inFlight = 0
    }

    struct State {
        var records: [String: KeyRecord] = [:]
        /// Moves on at every resynchronization and `removeAll`: an operation that began in an
        /// earlier epoch puts nothing in the local level.
        var epoch = 0
        /// When listening last stopped, on the continuous clock; `nil` while listening, or before
        /// the first time.
        var stoppedListeningAt: ContinuousClock.Instant?
        var hasListened = false
    }

    private let state = Mutex(State())
    @usableFromInline let listening = Atomic(false)
    private let maximumStaleness: Duration

    init(maximumStaleness: Duration) {
        self.maximumStaleness = maximumStaleness
    }

    /// Whether invalidations are being received now.
    @inlinable var isListening: Bool { listening.load(ordering: .acquiring) }

    /// Whether the local level may answer a read now: while listening, or within
    /// `maximumStaleness` of when listening stopped.
    ///
    /// - Complexity: O(1); an atomic load while listening.
    func isLocalLevelTrusted() -> Bool {
        if listening.load(ordering: .acquiring) { return true }
        guard maximumStaleness > .zero else { return false }
        let stoppedAt = state.withLock { $0.stoppedListeningAt }
        guard let stoppedAt else { return false }
        return ContinuousClock.now - stoppedAt <= maximumStaleness
    }

    /// The present epoch, to hand to ``admit(_:version:epoch:)`` when an operation ends.
    var epoch: Int { state.withLock { $0.epoch } }

    /// Registers an operation on `key` (whose text is `text`) in flight; returns the epoch it
    /// began in.
    func begin(_ text: String, key: Key) -> Int {
        state.withLock {
            $0.records[text, default: KeyRecord(key: key)].inFlight += 1
            return $0.epoch
        }
    }

    /// Ends an operation that ``begin(_:key:)`` registered.
    /// - Returns: the key whose local copy must go because a newer version was heard while the
    ///   operation ran (an own message that ``observe(_:version:isOwn:)`` left to it), or `nil`.
    func end(_ text: String) -> Key? {
        state.withLock {
            guard var record = $0.records[text] else { return nil }
            record.inFlight -= 1
            let mustDrop = record.localVersion != 0 && record.localVersion < record.newestSeen
            if mustDrop { record.localVersion = 0 }
            $0.records[text] = record
            return mustDrop ? record.key : nil
        }
    }

    /// Whether a value of `key` at `version`, from an operation that began in `epoch`, may enter
    /// the local level; if so, it is recorded as the local copy's version.
    /// The caller registered the operation, so `text` has a record.
    func admit(_ text: String, version: Int64, epoch: Int) -> Bool {
        state.withLock {
            guard $0.epoch == epoch, isListeningOrWithinStaleness($0), var record = $0.records[text] else {
                return false
            }
            guard version >= record.newestSeen else { return false }
            record.newestSeen = version
            record.localVersion = version
            $0.records[text] = record
            return true
        }
    }

    /// Whether the local copy put in at `version` is still the one this instance means to keep:
    /// checked after putting it in, since a notification or a newer operation may have come
    /// between ``admit(_:version:epoch:)`` and the write to the local cache.
    func isStillCurrent(_ text: String, version: Int64, epoch: Int) -> Bool {
        state.withLock {
            guard $0.epoch == epoch, let record = $0.records[text] else { return false }
            return record.localVersion == version
        }
    }

    /// Records that the key of `text` changed to `version` somewhere.
    ///
    /// An instance's own message may arrive before the reply to the statement that sent it: while
    /// an operation of this instance on the key is in flight, an own message only records the
    /// version, and the operation puts its value in (or ``end(_:)`` drops the older copy).
    /// - Returns: the key whose local copy must go (it is older), or `nil` if there is none or it
    ///   is at least that new. A key this instance never had is not known, and has no copy.
    func observe(_ text: String, version: Int64, isOwn: Bool) -> Key? {
        state.withLock {
            guard var record = $0.records[text] else { return nil }
            record.newestSeen = max(record.newestSeen, version)
            let mustDrop =
                record.localVersion != 0 && record.localVersion < version && !(isOwn && record.inFlight > 0)
            if mustDrop { record.localVersion = 0 }
            $0.records[text] = record
            return mustDrop ? record.key : nil
        }
    }

    /// Records that this instance is removing its copy of `key` (of text `text`) because of its
    /// change at `version`; an operation begun before may not put an older one back.
    func forgetLocalCopy(_ text: String, key: Key, version: Int64) {
        state.withLock {
            var record = $0.records[text, default: KeyRecord(key: key)]
            record.newestSeen = max(record.newestSeen, version)
            record.localVersion = 0
            $0.records[text] = record
        }
    }

    /// Starts a new epoch: every local copy is about to be dropped (a `removeAll`, or listening
    /// beginning again), and no operation begun before may put one back.
    func startEpoch() {
        state.withLock {
            $0.epoch += 1
            for key in $0.records.keys { $0.records[key]!.localVersion = 0 }
        }
    }

    /// Marks the start of listening, once the `LISTEN` is in place: starts an epoch, then runs
    /// `clearLocalLevel` (outside the lock: it notifies the local cache's listener), then trusts
    /// the local level. An operation begun before cannot put a copy back: its epoch is over.
    func startedListening(clearLocalLevel: () -> Void) {
        startEpoch()
        clearLocalLevel()
        state.withLock {
            $0.stoppedListeningAt = nil
            $0.hasListened = true
        }
        listening.store(true, ordering: .releasing)
    }

    /// Marks that listening began again, once the `LISTEN` is in place, without clearing: runs
    /// `replay` (the changes logged since the last message heard, outside the lock), then trusts
    /// the local level. The epoch goes on: operations begun before were refused entry while not
    /// listening (beyond `maximumStaleness`), and the replay raises the versions they must reach.
    func resumedListening(replay: () -> Void) {
        replay()
        state.withLock { $0.stoppedListeningAt = nil }
        listening.store(true, ordering: .releasing)
    }

    /// Marks that listening stopped (the connection failed, or the service ended).
    func stoppedListening() {
        listening.store(false, ordering: .releasing)
        state.withLock {
            if $0.hasListened, $0.stoppedListeningAt == nil { $0.stoppedListeningAt = .now }
        }
    }

    /// Once there are more than `limit` records, forgets those with no operation in flight whose
    /// key has no local copy any more (`isCached` says; it must not call back into this object).
    /// - Complexity: O(records) when it trims, O(1) otherwise.
    func trim(keepingAtMost limit: Int, isCached: (Key) -> Bool) {
        state.withLock {
            guard $0.records.count > limit else { return }
            $0.records = $0.records.filter {
                $0.value.inFlight > 0 || ($0.value.localVersion != 0 && isCached($0.value.key))
            }
        }
    }

    private func isListeningOrWithinStaleness(_ state: State) -> Bool {
        if listening.load(ordering: .acquiring) { return true }
        guard maximumStaleness > .zero, let stoppedAt = state.stoppedListeningAt else { return false }
        return ContinuousClock.now - stoppedAt <= maximumStaleness
    }
}
#endif
