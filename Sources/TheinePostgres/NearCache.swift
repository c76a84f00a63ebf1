#if Postgres
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Theine

/// A local ``/Theine/Cache`` in front of a level shared by every instance of an app, kept coherent
/// across instances through PostgreSQL: a write, removal or invalidation on one instance makes the
/// others drop their local copy when it commits.
///
/// ```swift
/// let client = PostgresClient(configuration: configuration)
/// let users = try NearCache<Int, User>(
///     name: "users",
///     local: Cache(capacity: 10_000),
///     client: client
/// )
/// let services = ServiceGroup(
///     services: [client, users],
///     gracefulShutdownSignals: [.sigterm],
///     logger: logger
/// )
/// try await services.run()
/// // In a handler:
/// let user = try await users.get(id, ttl: .seconds(300)) { id in
///     try await database.user(id)
/// }
/// ```
///
/// - **Levels.** A read tries the local cache, then (with `sharedStore`) the shared table, then the
///   loader; a value read from the shared level enters the local one with its remaining TTL.
///   Writes go to PostgreSQL first, then to the local cache.
/// - **Coherence.** Every change of a key takes a version from one sequence, in the order the
///   key's changes commit, and is announced (`NOTIFY`) in the same statement. An instance drops its
///   local copy when it hears of a newer version, and puts a value in its local level only if no
///   newer version was heard meanwhile. A load stores its value only if the key did not change
///   since the load began (a conditional upsert), so a value loaded before an invalidation never
///   becomes the shared one.
/// - **Listening.** ``run()`` (this is a `Service`: add it to the app's `ServiceGroup`) holds one of
///   the client's connections for `LISTEN`. The local level answers only while it listens, or for
///   `maximumStaleness` after listening stopped; otherwise reads go to the shared level. When it
///   listens again, it reads back the changes it missed from an invalidation log and drops those
///   copies (or clears the local level, the first time or after an outage the log no longer
///   covers).
/// - **Errors.** A database error reaches the caller; a write that failed drops the key's local copy
///   first. A shared value that does not decode is a miss, counted, and left in place.
///
/// The local cache belongs to the near cache: write to it only through the near cache. Its
/// entries dropped by another instance's change depart ``/Theine/RemovalCause/invalidated``.
public final class NearCache<Key: Hashable & Sendable, Value: Sendable>: Service, Sendable {
    /// The cache's name: its tables and notification channel are `theine_` followed by it.
    public let name: String
    /// The local level.
    public let local: Cache<Key, Value>
    /// Whether values are kept in PostgreSQL too; without, only versions and messages go through it.
    public let sharedStore: Bool
    /// How long the local level still answers after listening stopped.
    public let maximumStaleness: Duration
    /// How long a load lease lasts past its last renewal (a crashed holder blocks the others that
    /// long at most), and how long a removed key's version is kept in the shared table (its
    /// tombstone), so the longest load whose conditional store still sees a removal during it.
    public let loadLease: Duration
    /// How long a statement waits for PostgreSQL's reply before the near cache gives up on it and
    /// throws ``NearCacheError/noReply(after:)`` (a change: ``NearCacheError/outcomeUnknown(reason:)``;
    /// the listener listens again).
    public let replyTimeout: Duration

    /// The level shared with the other instances: PostgreSQL, through ``PostgresBackplane``.
    let shared: any Backplane
    @usableFromInline let coherence: LocalCoherence<Key>
    let counters = NearCacheCounters()
    let logger: Logger
    private let keyText: @Sendable (Key) -> String
    private let codec: any NearCacheCodec<Value>
    private let flights = LoadFlights<Value>()
    let waiters = KeyWaiters()

    /// Creates a near cache of `name` on `client`'s database, keys turned into text by `keyText`
    /// and values into bytes by `codec`.
    ///
    /// - Parameters:
    ///   - name: 1–40 characters of `[a-z0-9_]`, starting with a letter; instances that share it
    ///     share the level and the messages.
    ///   - local: the local level (its capacity, policy, expiry and listener are yours to choose).
    ///   - client: the app's `PostgresClient`, which must run (in the same `ServiceGroup`). The near
    ///     cache holds one of its connections while ``run()`` runs.
    ///   - sharedStore: whether values are stored in PostgreSQL (`true`), or only announced.
    ///   - maximumStaleness: how long after listening stopped the local level still answers;
    ///     `.zero`, the default, bypasses it at once.
    ///   - loadLease: how long a load lease lasts past its last renewal, and a removed key's
    ///     version is kept for loads in flight.
    ///   - replyTimeout: how long a statement waits for its reply before it is abandoned and the
    ///     call throws ``NearCacheError/noReply(after:)`` (a change:
    ///     ``NearCacheError/outcomeUnknown(reason:)``): a bound on a hung connection
    ///     (postgres-nio can leave a query written to a connection that just failed waiting for
    ///     ever). Longer than any lock wait your app's transactions may impose on the near cache's
    ///     rows.
    ///   - keyText: the key's text, the same on every instance for equal keys.
    ///   - codec: how values are stored.
    ///   - logger: where the near cache reports what it cannot do: a lost listening connection, a
    ///     message or a shared value it cannot read.
    /// - Throws: ``NearCacheError/invalidName(_:)``.
    public init(
        name: String,
        local: Cache<Key, Value>,
        client: PostgresClient,
        sharedStore: Bool = true,
        maximumStaleness: Duration = .zero,
        loadLease: Duration = .seconds(30),
        replyTimeout: Duration = .seconds(30),
        key keyText: @escaping @Sendable (Key) -> String,
        codec: some NearCacheCodec<Value>,
        logger: Logger = Logger(label: "theine.near-cache")
    ) throws {
        guard Self.isValidName(name) else { throw NearCacheError.invalidName(name) }
        precondition(maximumStaleness >= .zero, "maximumStaleness must not be negative: \(maximumStaleness)")
        precondition(loadLease > .zero, "loadLease must be positive: \(loadLease)")
        precondition(replyTimeout > .zero, "replyTimeout must be positive: \(replyTimeout)")
        self.name = name
        self.local = local
        self.sharedStore = sharedStore
        self.maximumStaleness = maximumStaleness
        self.loadLease = loadLease
        self.replyTimeout = replyTimeout
        self.keyText = keyText
        self.codec = codec
        self.logger = logger
        self.coherence = LocalCoherence(maximumStaleness: maximumStaleness)
        self.shared = PostgresBackplane(
            name: name,
            client: client,
            storesValues: sharedStore,
            tombstoneLifetime: loadLease,
            origin: String(UInt64.random(in: .min ... .max), radix: 16),
            replyTimeout: replyTimeout,
            logger: logger
        )
    }

    /// Whether `name` may name a near cache: 1–40 characters of `[a-z0-9_]`, starting with a letter.
    static func isValidName(_ name: String) -> Bool {
        let characters = Array(name.utf8)
        guard (1...40).contains(characters.count), ("a"..."z").contains(Character(UnicodeScalar(characters[0]))) else {
            return false
        }
        return characters.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    /// The statements that create a near cache's tables, for a role that may not create them
    /// itself: run them once (as a migration), each idempotent. `unlogged` makes the table
    /// `UNLOGGED`: no write-ahead log, so faster writes, and emptied after a crash.
    public static func schemaStatements(name: String, unlogged: Bool = false) throws -> [String] {
        guard isValidName(name) else { throw NearCacheError.invalidName(name) }
        return NearCacheSchema.statements(name: name, unlogged: unlogged)
    }

    /// The statements that attach the invalidation trigger to an app's own table, so that every
    /// write to it (by this app, another program, or by hand) invalidates the near cache `name`'s
    /// key of each changed row, and a `TRUNCATE` invalidates every key. Run them once, as the
    /// table's owner, after the near cache's tables exist.
    ///
    /// ```swift
    /// // users(id integer PRIMARY KEY, ...), cached by NearCache<Int, User>(name: "users", ...)
    /// for statement in try NearCache<Int, User>.triggerStatements(table: "users", name: "users", keyExpression: "id") {
    ///     try await client.query(PostgresQuery(unsafeSQL: statement))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - table: the table, as SQL (it may be schema-qualified); written into the statements.
    ///   - name: the near cache's name.
    ///   - keyExpression: an SQL expression over the row's columns whose text is the key's text, as
    ///     the near cache makes it (for an `Int` key in column `id`: `id`).
    public static func triggerStatements(table: String, name: String, keyExpression: String) throws -> [String] {
        guard isValidName(name) else { throw NearCacheError.invalidName(name) }
        return InvalidationFunctions.trigger(on: table, cache: name, keyExpression: keyExpression)
    }

    // MARK: Reads

    /// The value of `key`: the local copy if the local level may answer, else the shared value
    /// (which then enters the local level), else `nil`.
    ///
    /// - Complexity: a local hit is O(1) (``/Theine/Cache/get(_:)`` and an atomic load), inlined
    ///   into the caller so that it is specialized for its key and value types; a miss makes one
    ///   query.
    @inlinable
    public func get(_ key: Key) async throws -> Value? {
        if coherence.isListening, let value = local.get(key) { return value }
        return try await _getBeyondTheLocalHit(key)
    }

    /// ``get(_:)`` past a local hit while listening: the local level within `maximumStaleness`
    /// of the end of listening, then the shared level.
    @usableFromInline
    func _getBeyondTheLocalHit(_ key: Key) async throws -> Value? {
        if !coherence.isListening, coherence.isLocalLevelTrusted(), let value = local.get(key) { return value }
        let text = try validatedText(of: key)
        try await shared.prepare()
        guard sharedStore else {
            counters.sharedMisses.add(1, ordering: .relaxed)
            return nil
        }
        let epoch = coherence.begin(text, key: key)
        defer { finish(text) }
        switch try await shared.read(ByteBuffer(string: text)) {
        case .hit(let bytes, let version, let timeLeft):
            guard let value = decoded(bytes) else { return nil }
            counters.sharedHits.add(1, ordering: .relaxed)
            putLocal(key, text: text, value, version: version, ttl: timeLeft, epoch: epoch)
            return value
        case .miss:
            counters.sharedMisses.add(1, ordering: .relaxed)
            return nil
        }
    }

    /// The value of `key`, loaded by `loader` if neither level has it; concurrent misses of one
    /// key run `loader` once across every instance.
    ///
    /// A miss takes the key's load lease (a row in PostgreSQL, renewed while `loader` runs, ending
    /// `loadLease` after its last renewal). Instances that find it held wait for the holder's
    /// message (its store, or its release after a failure) or for the lease to end, then read the
    /// shared level again. Without `sharedStore`, concurrent misses run `loader` once per instance.
    ///
    /// The loaded value is stored in both levels with `ttl` only if the key did not change since
    /// the load began (another instance's write, a removal or invalidation, a `removeAll`); it is
    /// returned either way. An error of `loader` reaches every caller waiting for it and stores
    /// nothing. The load runs on in its own task if its callers are cancelled.
    ///
    /// - Complexity: a local hit as ``get(_:)``'s.
    @inlinable
    public func get(
        _ key: Key,
        ttl: Duration? = nil,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        if coherence.isListening, let value = local.get(key) { return value }
        return try await _getBeyondTheLocalHit(key, ttl: ttl, loader: loader)
    }

    /// The loading ``get(_:ttl:loader:)`` past a local hit while listening.
    @usableFromInline
    func _getBeyondTheLocalHit(
        _ key: Key,
        ttl: Duration?,
        loader: @escaping @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        if !coherence.isListening, coherence.isLocalLevelTrusted(), let value = local.get(key) { return value }
        let text = try validatedText(of: key)
        try await shared.prepare()
        return try await flights.run(text) { [self] in
            try await load(key, text: text, ttl: ttl, loader: loader)
        }
    }

    private func load(
        _ key: Key,
        text: String,
        ttl: Duration?,
        loader: @Sendable (Key) async throws -> Value
    ) async throws -> Value {
        let keyBytes = ByteBuffer(string: text)
        let epoch = coherence.begin(text, key: key)
        defer { finish(text) }
        guard sharedStore else {
            let clearedVersion = try await shared.clearedVersion()
            return try await loadAndStore(
                key,
                text: text,
                ttl: ttl,
                loader: loader,
                rowVersion: nil,
                clearedVersion: clearedVersion,
                epoch: epoch
            )
        }
        // One load across instances: take the key's lease, or wait for its holder's message (or
        // the lease's end) and read the shared level again.
        while true {
            let (rowVersion, clearedVersion): (Int64?, Int64)
            switch try await readForLoad(key, text: text, keyBytes: keyBytes, epoch: epoch) {
            case .found(let value):
                return value
            case .undecodable:
                // Another version of the app wrote it: load, and leave its row alone.
                counters.sharedMisses.add(1, ordering: .relaxed)
                return try await runLoader(key, loader)
            case .missing(let version, let cleared):
                (rowVersion, clearedVersion) = (version, cleared)
            }
            let ticket = waiters.register(text)
            guard let holderTimeLeft = try await shared.takeLease(keyBytes, for: loadLease) else {
                waiters.forget(text, ticket: ticket)
                return try await loadHoldingLease(
                    key,
                    text: text,
                    keyBytes: keyBytes,
                    ttl: ttl,
                    loader: loader,
                    rowVersion: rowVersion,
                    clearedVersion: clearedVersion,
                    epoch: epoch
                )
            }
            await waiters.wait(text, ticket: ticket, timeout: holderTimeLeft)
            try Task.checkCancellation()
        }
    }

    /// What a loading read found in the shared level.
    private enum SharedRead {
        case found(Value)
        case undecodable
        case missing(rowVersion: Int64?, clearedVersion: Int64)
    }

    /// Reads `key` from the shared level for a load; a value found enters the local level.
    private func readForLoad(_ key: Key, text: String, keyBytes: ByteBuffer, epoch: Int) async throws -> SharedRead {
        switch try await shared.read(keyBytes) {
        case .hit(let bytes, let version, let timeLeft):
            guard let value = decoded(bytes) else { return .undecodable }
            counters.sharedHits.add(1, ordering: .relaxed)
            putLocal(key, text: text, value, version: version, ttl: timeLeft, epoch: epoch)
            return .found(value)
        case .miss(let version, let cleared):
            return .missing(rowVersion: version, clearedVersion: cleared)
        }
    }

    /// Loads `key` while this instance holds its lease, renewed meanwhile: reads the shared level
    /// once more first (the previous holder may have stored it just before this instance took
    /// the lease), and gives the lease up at the end, waking the instances that wait for it.
    private func loadHoldingLease(
        _ key: Key,
        text: String,
        keyBytes: ByteBuffer,
        ttl: Duration?,
        loader: @Sendable (Key) async throws -> Value,
        rowVersion: Int64?,
        clearedVersion: Int64,
        epoch: Int
    ) async throws -> Value {
        let renewal = Task { [shared, loadLease] in
            while !Task.isCancelled {
                try await Task.sleep(for: loadLease / 3)
                try await shared.renewLease(keyBytes, for: loadLease)
            }
        }
        defer { renewal.cancel() }
        do {
            let value: Value
            switch try await readForLoad(key, text: text, keyBytes: keyBytes, epoch: epoch) {
            case .found(let found):
                value = found
            case .undecodable:
                counters.sharedMisses.add(1, ordering: .relaxed)
                value = try await runLoader(key, loader)
            case .missing(let rowVersion, let clearedVersion):
                value = try await loadAndStore(
                    key,
                    text: text,
                    ttl: ttl,
                    loader: loader,
                    rowVersion: rowVersion,
                    clearedVersion: clearedVersion,
                    epoch: epoch
                )
            }
            try? await shared.releaseLease(keyBytes)
            return value
        } catch {
            try? await shared.releaseLease(keyBytes)
            throw error
        }
    }

    /// Runs `loader`, counting the load.
    private func runLoader(_ key: Key, _ loader: @Sendable (Key) async throws -> Value) async throws -> Value {
        do {
            let value = try await loader(key)
            counters.loadSuccesses.add(1, ordering: .relaxed)
            return value
        } catch {
            counters.loadFailures.add(1, ordering: .relaxed)
            throw error
        }
    }

    /// Runs `loader` and stores its value in both levels if the key did not change since
    /// `rowVersion` and `clearedVersion` were read.
    private func loadAndStore(
        _ key: Key,
        text: String,
        ttl: Duration?,
        loader: @Sendable (Key) async throws -> Value,
        rowVersion: Int64?,
        clearedVersion: Int64,
        epoch: Int
    ) async throws -> Value {
        counters.sharedMisses.add(1, ordering: .relaxed)
        let value = try await runLoader(key, loader)
        let valueBytes = sharedStore ? ByteBuffer(bytes: try codec.encode(value)) : ByteBuffer()
        let stored = try await shared.storeLoaded(
            ByteBuffer(string: text),
            valueBytes,
            ttl: ttl,
            rowVersion: rowVersion,
            clearedVersion: clearedVersion
        )
        if let version = stored {
            counters.invalidationsSent.add(1, ordering: .relaxed)
            putLocal(key, text: text, value, version: version, ttl: ttl, epoch: epoch)
        }
        return value
    }

    // MARK: Writes

    /// Stores `value` for `key` in both levels (with a TTL, or none) and tells every instance.
    /// A `ttl` of zero or less removes the key.
    ///
    /// - Throws: ``NearCacheError/outcomeUnknown(reason:)`` if the connection failed before the
    ///   reply (the write may have committed), or the database's error (it did not); either way
    ///   the key's local copy is dropped first.
    public func set(_ key: Key, _ value: Value, ttl: Duration? = nil) async throws {
        if let ttl, ttl <= .zero { return try await remove(key) }
        try await store(key, value) { [shared] keyBytes, valueBytes in
            (try await shared.write(keyBytes, valueBytes, ttl: ttl), ttl)
        }
    }

    /// Stores `value` for `key` in both levels, keeping the expiry of the live value it replaces
    /// (none if it replaces none), and tells every instance: the `set` of a session store, whose
    /// expiry was chosen when the session was created. The expiry is the shared row's, so it holds
    /// whichever instance wrote the value it replaces; the local copy gets the time it has left.
    /// Without `sharedStore` there is no shared expiry to keep, and the value is stored with none.
    ///
    /// - Throws: as ``set(_:_:ttl:)``.
    public func setKeepingExpiry(_ key: Key, _ value: Value) async throws {
        try await store(key, value) { [shared, sharedStore] keyBytes, valueBytes in
            guard sharedStore else { return (try await shared.write(keyBytes, valueBytes, ttl: nil), nil) }
            return try await shared.writeKeepingExpiry(keyBytes, valueBytes)
        }
    }

    /// Writes `value` of `key` to PostgreSQL through `write` (given the key's and the value's
    /// bytes, it returns the change's version and the value's time left), then to the local level;
    /// a failed write drops the local copy and throws.
    private func store(
        _ key: Key,
        _ value: Value,
        writing write: (ByteBuffer, ByteBuffer) async throws -> (version: Int64, timeLeft: Duration?)
    ) async throws {
        let text = try validatedText(of: key)
        try await shared.prepare()
        let epoch = coherence.begin(text, key: key)
        defer { finish(text) }
        let written: (version: Int64, timeLeft: Duration?)
        do {
            let valueBytes = sharedStore ? ByteBuffer(bytes: try codec.encode(value)) : ByteBuffer()
            written = try await write(ByteBuffer(string: text), valueBytes)
        } catch {
            dropLocalCopy(key, text: text)
            throw NearCacheError.forFailedChange(error)
        }
        counters.invalidationsSent.add(1, ordering: .relaxed)
        putLocal(key, text: text, value, version: written.version, ttl: written.timeLeft, epoch: epoch)
    }

    /// Stores `value` for `key` only if it has no live value, and tells every instance if stored.
    /// With `sharedStore`, "no value" is decided by the shared level, atomically across instances;
    /// without, by this instance's local level.
    ///
    /// - Returns: whether it was stored.
    public func setIfAbsent(_ key: Key, _ value: Value, ttl: Duration? = nil) async throws -> Bool {
        if let ttl, ttl <= .zero { return false }
        let text = try validatedText(of: key)
        try await shared.prepare()
        if !sharedStore, coherence.isLocalLevelTrusted(), local.get(key) != nil { return false }
        let epoch = coherence.begin(text, key: key)
        defer { finish(text) }
        let version: Int64?
        do {
            let keyBytes = ByteBuffer(string: text)
            version =
                sharedStore
                ? try await shared.writeIfAbsent(
                    keyBytes,
                    ByteBuffer(bytes: try codec.encode(value)),
                    ttl: ttl
                )
                : try await shared.write(keyBytes, ByteBuffer(), ttl: ttl)
        } catch {
            dropLocalCopy(key, text: text)
            throw NearCacheError.forFailedChange(error)
        }
        guard let version else { return false }
        counters.invalidationsSent.add(1, ordering: .relaxed)
        putLocal(key, text: text, value, version: version, ttl: ttl, epoch: epoch)
        return true
    }

    /// Removes `key` from both levels and tells every instance to drop it.
    public func remove(_ key: Key) async throws {
        let text = try validatedText(of: key)
        try await shared.prepare()
        _ = coherence.begin(text, key: key)
        defer { finish(text) }
        let versions: [Int64]
        do {
            versions = try await shared.invalidate([ByteBuffer(string: text)])
        } catch {
            dropLocalCopy(key, text: text)
            throw NearCacheError.forFailedChange(error)
        }
        counters.invalidationsSent.add(1, ordering: .relaxed)
        coherence.forgetLocalCopy(text, key: key, version: versions[0])
        local.remove(key)
    }

    /// Deletes every shared row of this cache, clears the local level, and makes every instance
    /// clear its own.
    public func removeAll() async throws {
        try await shared.prepare()
        do {
            _ = try await shared.removeAll()
        } catch {
            coherence.startEpoch()
            local.removeAll()
            throw NearCacheError.forFailedChange(error)
        }
        counters.invalidationsSent.add(1, ordering: .relaxed)
        coherence.startEpoch()
        local.removeAll()
    }

    /// Invalidates `keys` inside the app's own transaction on `connection`: their shared values
    /// are removed and every instance (this one included) drops its local copies when the
    /// transaction commits, and nothing happens if it rolls back.
    ///
    /// ```swift
    /// try await client.withTransaction(logger: logger) { connection in
    ///     try await connection.query("UPDATE users SET name = \(name) WHERE id = \(id)", logger: logger)
    ///     try await users.invalidate([id], within: connection)
    /// }
    /// ```
    ///
    /// Keys are announced together, in as few messages as fit PostgreSQL's 8,000-byte payloads
    /// (one statement each, in the transaction).
    /// - Throws: ``NearCacheError/keyTooLong(bytes:limit:)``, or the database's error (which
    ///   aborts the transaction).
    public func invalidate(_ keys: [Key], within connection: PostgresConnection) async throws {
        var seen = Set<String>()
        let texts = try keys.map(validatedText(of:)).filter { seen.insert($0).inserted }
        guard !texts.isEmpty else { return }
        guard let postgres = shared as? PostgresBackplane else {
            preconditionFailure("invalidate(_:within:) needs a near cache on PostgreSQL")
        }
        try await postgres.prepare()
        for batch in InvalidationMessage.batches(of: texts) {
            _ = try await postgres.invalidate(batch.map { ByteBuffer(string: $0) }, on: connection)
        }
        counters.invalidationsSent.add(texts.count, ordering: .relaxed)
    }

    /// The counters: the local cache's statistics and what went through PostgreSQL.
    public func stats() -> NearCacheStats {
        counters.stats(local: local.stats())
    }

    // MARK: Local level

    /// Puts `value` of `key` at `version` in the local level if no newer version was heard and the
    /// level was trusted since the operation began (`epoch`); takes it out again if a notification
    /// or a newer operation came in between.
    private func putLocal(_ key: Key, text: String, _ value: Value, version: Int64, ttl: Duration?, epoch: Int) {
        guard coherence.admit(text, version: version, epoch: epoch) else { return }
        if let ttl, ttl <= .zero { return }
        local.set(key, value, ttl: ttl)
        if !coherence.isStillCurrent(text, version: version, epoch: epoch) { local.invalidate(key) }
        coherence.trim(keepingAtMost: 2 * local.count + 1_024) { local.containsQuietly($0) }
    }

    /// Ends an operation on the key of `text`, dropping a local copy older than what was heard
    /// meanwhile.
    private func finish(_ text: String) {
        if let key = coherence.end(text) { local.invalidate(key) }
    }

    /// Drops the local copy of `key` after a write whose outcome is not known.
    private func dropLocalCopy(_ key: Key, text: String) {
        coherence.forgetLocalCopy(text, key: key, version: 0)
        local.remove(key)
    }

    /// The value `bytes` encode, or `nil` (counted) if they do not decode.
    private func decoded(_ bytes: ByteBuffer) -> Value? {
        do {
            return try codec.decode(Array(buffer: bytes))
        } catch {
            counters.decodingFailures.add(1, ordering: .relaxed)
            counters.sharedMisses.add(1, ordering: .relaxed)
            logger.warning("a shared value of near cache \(name) does not decode: \(error)")
            return nil
        }
    }

    private func validatedText(of key: Key) throws -> String {
        let text = keyText(key)
        let bytes = text.utf8.count
        guard bytes <= InvalidationMessage.maximumKeyBytes else {
            throw NearCacheError.keyTooLong(bytes: bytes, limit: InvalidationMessage.maximumKeyBytes)
        }
        return text
    }
}

extension NearCache where Key: LosslessStringConvertible, Value: Codable {
    /// Creates a near cache whose keys travel as their `description` and values as JSON.
    ///
    /// See ``init(name:local:client:sharedStore:maximumStaleness:loadLease:replyTimeout:key:codec:logger:)``.
    public convenience init(
        name: String,
        local: Cache<Key, Value>,
        client: PostgresClient,
        sharedStore: Bool = true,
        maximumStaleness: Duration = .zero,
        loadLease: Duration = .seconds(30),
        replyTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "theine.near-cache")
    ) throws {
        try self.init(
            name: name,
            local: local,
            client: client,
            sharedStore: sharedStore,
            maximumStaleness: maximumStaleness,
            loadLease: loadLease,
            replyTimeout: replyTimeout,
            key: { $0.description },
            codec: JSONNearCacheCodec<Value>(),
            logger: logger
        )
    }
}

extension NearCache where Value: Codable {
    /// Creates a near cache whose keys travel as `keyText` gives them and values as JSON.
    ///
    /// See ``init(name:local:client:sharedStore:maximumStaleness:loadLease:replyTimeout:key:codec:logger:)``.
    public convenience init(
        name: String,
        local: Cache<Key, Value>,
        client: PostgresClient,
        sharedStore: Bool = true,
        maximumStaleness: Duration = .zero,
        loadLease: Duration = .seconds(30),
        replyTimeout: Duration = .seconds(30),
        key keyText: @escaping @Sendable (Key) -> String,
        logger: Logger = Logger(label: "theine.near-cache")
    ) throws {
        try self.init(
            name: name,
            local: local,
            client: client,
            sharedStore: sharedStore,
            maximumStaleness: maximumStaleness,
            loadLease: loadLease,
            replyTimeout: replyTimeout,
            key: keyText,
            codec: JSONNearCacheCodec<Value>(),
            logger: logger
        )
    }
}
#endif
