#if Postgres
import Logging
import NIOCore
import PostgresNIO

/// The ``Backplane`` on PostgreSQL, and every statement a near cache runs: the shared level (one table of rows keyed by a
/// digest of the key), the invalidation log, and the messages that every change publishes in the
/// same statement that logs it, so that a message goes out exactly when its change commits.
///
/// A message's first line is the sender's origin and the `xmin` of the sending statement's
/// snapshot: every transaction with a smaller id had ended before the change began, so it
/// committed (and was announced) before it. A listener that heard the message has heard every
/// change of those transactions, and reads the log back from that id if it has to listen again.
///
/// Every change takes a version from the cache's sequence *after* it holds the key's row lock
/// (`ON CONFLICT … DO UPDATE SET version = nextval(…)`), so a key's versions rise in the order its
/// changes commit. A removal or invalidation leaves a tombstone (a row without a value) that keeps
/// the key's version for `tombstoneLifetime`: a load that began before it then fails its
/// conditional store. Keys and values are always bound parameters; only the validated name is
/// written into the SQL.
struct PostgresBackplane: Backplane {
    let name: String
    let client: PostgresClient
    let channel: String
    let table: String
    let sequence: String
    /// Whether values are kept in PostgreSQL (`false`: only versions and messages).
    let storesValues: Bool
    /// How long a tombstone keeps a removed key's version.
    let tombstoneLifetime: Duration
    /// Prefixes this instance's messages (the first line), so that it knows its own.
    let origin: String
    let logger: Logger
    /// How long a statement may wait for its reply before it is abandoned.
    let replyTimeout: Duration
    private let schema = SchemaGate()

    init(
        name: String,
        client: PostgresClient,
        storesValues: Bool,
        tombstoneLifetime: Duration,
        origin: String,
        replyTimeout: Duration,
        logger: Logger
    ) {
        self.name = name
        self.client = client
        self.channel = "theine_\(name)"
        self.table = "theine_\(name)"
        self.sequence = "theine_\(name)_version"
        self.storesValues = storesValues
        self.tombstoneLifetime = tombstoneLifetime
        self.origin = origin
        self.replyTimeout = replyTimeout
        self.logger = logger
    }

    /// Checks the tables once (``NearCacheSchema/prepare(name:client:logger:)``), creating them if
    /// missing, within ``replyTimeout``.
    func prepare() async throws {
        try await schema.prepare { [name, client, logger, replyTimeout] in
            try await withReplyDeadline(replyTimeout) {
                try await NearCacheSchema.prepare(name: name, client: client, logger: logger)
            }
        }
    }

    // MARK: Reads

    /// Reads `key`'s shared value. - Complexity: one query, an index lookup.
    func read(_ key: ByteBuffer) async throws -> BackplaneRead {
        let rows = try await fetch(
            """
            SELECT e.value, e.version,
                (extract(epoch FROM e.expires_at - now()) * 1000000)::bigint, s.cleared_version
            FROM theine_schema s LEFT JOIN \(unescaped: table) e ON e.digest = sha256(\(key))
            WHERE s.name = \(name)
            """
        )
        for row in rows {
            let (value, version, microsecondsLeft, cleared) = try row.decode(
                (ByteBuffer?, Int64?, Int64?, Int64).self
            )
            if let value, let version, microsecondsLeft.map({ $0 > 0 }) ?? true {
                return .hit(value, version: version, timeLeft: microsecondsLeft.map { .microseconds($0) })
            }
            return .miss(rowVersion: version, clearedVersion: cleared)
        }
        throw NearCacheError.tablesMissing(name: name)
    }

    /// The version of the last `removeAll`, for a load's conditional store when values are not
    /// shared.
    func clearedVersion() async throws -> Int64 {
        let rows = try await fetch(
            "SELECT cleared_version FROM theine_schema WHERE name = \(name)"
        )
        for row in rows { return try row.decode(Int64.self) }
        throw NearCacheError.tablesMissing(name: name)
    }

    // MARK: Changes

    /// Stores `value` for `key` (with a TTL, or none) and announces it.
    /// - Returns: the change's version.
    func write(_ key: ByteBuffer, _ value: ByteBuffer, ttl: Duration?) async throws -> Int64 {
        let version = try await changeVersion(
            storesValues
                ? """
                WITH written AS (
                    INSERT INTO \(unescaped: table) AS e (digest, key, value, version, expires_at)
                    VALUES (sha256(\(key)), \(key), \(value), nextval('\(unescaped: sequence)'), \(unescaped: deadline(ttl)))
                    ON CONFLICT (digest) DO UPDATE SET key = EXCLUDED.key, value = EXCLUDED.value,
                        version = nextval('\(unescaped: sequence)'), expires_at = EXCLUDED.expires_at
                    RETURNING e.version, e.key
                ), \(unescaped: logging)
                SELECT version, \(unescaped: notification) FROM written
                """
                : announcement(of: key)
        )
        guard let version else { throw NearCacheError.tablesMissing(name: name) }
        return version
    }

    /// Stores `value` for `key`, keeping the expiry of the live value it replaces (none if it
    /// replaces none), and announces it.
    /// - Returns: the change's version, and the value's time left (`nil`: no TTL).
    func writeKeepingExpiry(
        _ key: ByteBuffer,
        _ value: ByteBuffer
    ) async throws -> (version: Int64, timeLeft: Duration?) {
        let rows = try await fetch(
            """
            WITH written AS (
                INSERT INTO \(unescaped: table) AS e (digest, key, value, version, expires_at)
                VALUES (sha256(\(key)), \(key), \(value), nextval('\(unescaped: sequence)'), NULL)
                ON CONFLICT (digest) DO UPDATE SET key = EXCLUDED.key, value = EXCLUDED.value,
                    version = nextval('\(unescaped: sequence)'),
                    expires_at = CASE WHEN e.value IS NOT NULL AND e.expires_at > now() THEN e.expires_at END
                RETURNING e.version, e.key, e.expires_at
            ), \(unescaped: logging)
            SELECT version, \(unescaped: notification),
                (extract(epoch FROM expires_at - now()) * 1000000)::bigint
            FROM written
            """
        )
        for row in rows {
            let columns = row.makeRandomAccess()
            let microsecondsLeft = try columns[2].decode(Int64?.self)
            return (try columns[0].decode(Int64.self), microsecondsLeft.map { .microseconds($0) })
        }
        throw NearCacheError.tablesMissing(name: name)
    }

    /// Stores `value` for `key` only if it has no live value, and announces it if stored.
    /// - Returns: the change's version, or `nil` if a live value was there.
    func writeIfAbsent(
        _ key: ByteBuffer,
        _ value: ByteBuffer,
        ttl: Duration?
    ) async throws -> Int64? {
        try await changeVersion(
            """
            WITH written AS (
                INSERT INTO \(unescaped: table) AS e (digest, key, value, version, expires_at)
                VALUES (sha256(\(key)), \(key), \(value), nextval('\(unescaped: sequence)'), \(unescaped: deadline(ttl)))
                ON CONFLICT (digest) DO UPDATE SET key = EXCLUDED.key, value = EXCLUDED.value,
                    version = nextval('\(unescaped: sequence)'), expires_at = EXCLUDED.expires_at
                WHERE e.value IS NULL OR e.expires_at <= now()
                RETURNING e.version, e.key
            ), \(unescaped: logging)
            SELECT version, \(unescaped: notification) FROM written
            """
        )
    }

    /// Stores a loaded `value` for `key` only if nothing changed the key since the load began:
    /// its row still has `rowVersion` (or there is still no row, when `nil`) and no `removeAll`
    /// came after `clearedVersion`. The `removeAll` check locks the cache's registration row
    /// `FOR SHARE`, so a concurrent `removeAll` either waits for this store (and deletes it) or
    /// makes it fail. Without shared values, only the `removeAll` check is made, and the load is
    /// announced (other instances drop older copies).
    /// - Returns: the change's version, or `nil` if the key changed.
    func storeLoaded(
        _ key: ByteBuffer,
        _ value: ByteBuffer,
        ttl: Duration?,
        rowVersion: Int64?,
        clearedVersion: Int64
    ) async throws -> Int64? {
        guard storesValues else {
            return try await changeVersion(
                """
                WITH unchanged AS (
                    SELECT 1 FROM theine_schema WHERE name = \(name) AND cleared_version = \(clearedVersion) FOR SHARE
                ), written AS (SELECT nextval('\(unescaped: sequence)') AS version, \(key)::bytea AS key FROM unchanged),
                \(unescaped: logging)
                SELECT version, \(unescaped: notification) FROM written
                """
            )
        }
        return try await changeVersion(
            """
            WITH unchanged AS (
                SELECT 1 FROM theine_schema WHERE name = \(name) AND cleared_version = \(clearedVersion) FOR SHARE
            ), written AS (
                INSERT INTO \(unescaped: table) AS e (digest, key, value, version, expires_at)
                SELECT sha256(\(key)), \(key), \(value), nextval('\(unescaped: sequence)'), \(unescaped: deadline(ttl))
                FROM unchanged
                ON CONFLICT (digest) DO UPDATE SET key = EXCLUDED.key, value = EXCLUDED.value,
                    version = nextval('\(unescaped: sequence)'), expires_at = EXCLUDED.expires_at
                WHERE e.version = \(rowVersion)
                RETURNING e.version, e.key
            ), \(unescaped: logging)
            SELECT version, \(unescaped: notification) FROM written
            """
        )
    }

    /// Removes the values of `keys` (distinct), leaving tombstones, and announces them in one
    /// message, on `connection` (inside the caller's transaction, if it has one open: the message
    /// then goes out when it commits, and not at all if it rolls back).
    /// - Returns: each key's new version, in the order of `keys`.
    func invalidate(_ keys: [ByteBuffer], on connection: PostgresConnection) async throws -> [Int64] {
        let rows = try await fetch(invalidation(of: keys), on: connection)
        return try versions(of: keys, in: rows)
    }

    /// As ``invalidate(_:on:)``, on a connection of `client`'s.
    func invalidate(_ keys: [ByteBuffer]) async throws -> [Int64] {
        let rows = try await fetch(invalidation(of: keys))
        return try versions(of: keys, in: rows)
    }

    /// Deletes every shared row of this cache, moves its `removeAll` version on, and announces it,
    /// in one transaction.
    /// - Returns: the `removeAll`'s version.
    func removeAll() async throws -> Int64 {
        let rows = try await fetch("SELECT theine_invalidate_all(\(name), \(origin))")
        for row in rows { return try row.decode(Int64.self) }
        throw NearCacheError.tablesMissing(name: name)
    }

    /// Deletes up to `batch` rows whose time has passed (expired values and old tombstones).
    /// - Returns: how many it deleted.
    func pruneExpired(batch: Int) async throws -> Int {
        guard storesValues else { return 0 }
        let rows = try await fetch(
            """
            WITH gone AS (
                DELETE FROM \(unescaped: table) WHERE digest IN (
                    SELECT digest FROM \(unescaped: table) WHERE expires_at < now() LIMIT \(batch)
                ) RETURNING 1
            ) SELECT count(*) FROM gone
            """
        )
        var deleted = 0
        for row in rows { deleted = Int(try row.decode(Int64.self)) }
        return deleted
    }

    /// Deletes up to `batch` log rows older than `retention`, and raises the cache's log horizon
    /// past their transactions: a listener whose place in the log is below the horizon can no
    /// longer replay from it.
    /// - Returns: how many it deleted.
    func pruneLog(olderThan retention: Duration, batch: Int) async throws -> Int {
        let rows = try await fetch(
            """
            WITH gone AS (
                DELETE FROM \(unescaped: log) WHERE ctid IN (
                    SELECT ctid FROM \(unescaped: log)
                    WHERE logged_at < now() - make_interval(secs => \(retention.microseconds)::float8 / 1000000)
                    LIMIT \(batch)
                ) RETURNING xact
            ), raised AS (
                UPDATE theine_schema SET log_horizon = greatest(log_horizon, (SELECT max(xact) + 1 FROM gone))
                WHERE name = \(name) AND EXISTS (SELECT 1 FROM gone)
            )
            SELECT count(*) FROM gone
            """
        )
        var deleted = 0
        for row in rows { deleted = Int(try row.decode(Int64.self)) }
        return deleted
    }

    // MARK: Statements

    /// The log table.
    var log: String { "\(table)_log" }

    /// A CTE that logs what the CTE `written` (columns `version`, `key`) changed.
    private var logging: String {
        "logged AS (INSERT INTO \(log) (version, key) SELECT version, key FROM written)"
    }

    /// The first line of a message: the origin, and the `xmin` of this statement's snapshot.
    /// (The origin is hexadecimal digits, checked at creation, so it may be written in.)
    var header: String {
        "'\(origin) ' || pg_snapshot_xmin(pg_current_snapshot())::text"
    }

    /// `pg_notify` of one changed key from the row of `written`.
    private var notification: String {
        "pg_notify('\(channel)', \(header) || E'\\n' || version || ' ' || encode(key, 'hex'))"
    }

    /// A statement that takes a version for `key` and announces it, storing nothing.
    private func announcement(of key: ByteBuffer) -> PostgresQuery {
        """
        WITH written AS (SELECT nextval('\(unescaped: sequence)') AS version, \(key)::bytea AS key), \(unescaped: logging)
        SELECT version, \(unescaped: notification) FROM written
        """
    }

    /// Tombstones, log rows and one message for `keys`, through `theine_invalidate`
    /// (``InvalidationFunctions``), which an app's trigger calls too.
    private func invalidation(of keys: [ByteBuffer]) -> PostgresQuery {
        let tombstoneSeconds = Double(tombstoneLifetime.microseconds) / 1_000_000
        return """
            SELECT version, key FROM theine_invalidate(\(name), \(origin), \(keys)::bytea[],
                make_interval(secs => \(tombstoneSeconds)))
            """
    }

    /// The SQL for a deadline `ttl` from the database's `now()`: NULL for none. Only a number is
    /// written in.
    private func deadline(_ ttl: Duration?) -> String {
        guard let ttl else { return "NULL" }
        return "now() + make_interval(secs => \(ttl.microseconds)::float8 / 1000000)"
    }

    /// Runs a statement that returns `(version, _)` for a change, or nothing if it changed nothing.
    private func changeVersion(_ query: PostgresQuery) async throws -> Int64? {
        let rows = try await fetch(query)
        var version: Int64?
        for row in rows {
            version = try row.makeRandomAccess()[0].decode(Int64.self)
        }
        return version
    }

    /// Runs `query` on a connection of the client's and reads every row (so that an error of the
    /// statement is thrown rather than dropped), within ``replyTimeout``.
    func fetch(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withReplyDeadline(replyTimeout) { [client, logger] in
            var rows: [PostgresRow] = []
            for try await row in try await client.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// As ``fetch(_:)``, on `connection`.
    func fetch(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await withReplyDeadline(replyTimeout) { [logger] in
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }

    private func versions(of keys: [ByteBuffer], in rows: [PostgresRow]) throws -> [Int64] {
        var byKey: [ByteBuffer: Int64] = [:]
        for row in rows {
            let (version, key) = try row.decode((Int64, ByteBuffer).self)
            byKey[key] = version
        }
        return try keys.map {
            guard let version = byKey[$0] else { throw NearCacheError.tablesMissing(name: name) }
            return version
        }
    }
}

extension Duration {
    /// The duration in whole microseconds, rounded toward zero.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}

extension PostgresRowSequence {
    /// Reads every row, so that an error of the statement is thrown rather than dropped.
    func drain() async throws {
        for try await _ in self {}
    }
}
#endif
