#if Postgres
import Logging
import PostgresNIO

/// The tables a near cache needs, created if missing and checked at start.
///
/// For a cache named `NAME`:
/// - the table `theine_NAME`: one row a key, with the key's SHA-256 digest as its primary key, the
///   key and value as `bytea`, the version of its last change, and when it expires. A row without
///   a value is a tombstone that keeps a removed key's version.
/// - its sequence `theine_NAME_version`.
/// - the invalidation log `theine_NAME_log`: one row a change, with the transaction id that made
///   it, its version and key (no key for a `removeAll`), and when. An instance that listens again
///   reads it back from where it was.
/// - the load leases `theine_NAME_lease` (always `UNLOGGED`): which instance loads a missing key,
///   until when.
/// - the functions of ``InvalidationFunctions``, shared by every near cache.
/// - a row in `theine_schema`, shared by every near cache: the schema version, the version of the
///   last `removeAll`, and the transaction id below which the log may have been pruned.
///
/// ``statements(name:unlogged:)`` prints them for a migration; `unlogged` makes the tables
/// `UNLOGGED` (no write-ahead log: faster writes, and emptied after a crash, which a cache can
/// afford; the log too, so instances that reconnect after one clear their local level).
enum NearCacheSchema {
    /// The version this library reads and writes.
    static let version = 1

    /// The statements that create everything for `name`, each idempotent.
    static func statements(name: String, unlogged: Bool) -> [String] {
        let table = "theine_\(name)"
        let kind = unlogged ? "UNLOGGED TABLE" : "TABLE"
        return [
            """
            CREATE TABLE IF NOT EXISTS theine_schema (
                name text PRIMARY KEY, schema_version integer NOT NULL,
                cleared_version bigint NOT NULL DEFAULT 0, log_horizon bigint NOT NULL DEFAULT 0)
            """,
            "CREATE SEQUENCE IF NOT EXISTS \(table)_version",
            """
            CREATE \(kind) IF NOT EXISTS \(table) (
                digest bytea PRIMARY KEY, key bytea NOT NULL, value bytea, version bigint NOT NULL, expires_at timestamptz)
            """,
            "CREATE INDEX IF NOT EXISTS \(table)_expires_at ON \(table) (expires_at)",
            """
            CREATE \(kind) IF NOT EXISTS \(table)_log (
                xact bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
                version bigint NOT NULL, key bytea, logged_at timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX IF NOT EXISTS \(table)_log_xact ON \(table)_log (xact)",
            "CREATE INDEX IF NOT EXISTS \(table)_log_logged_at ON \(table)_log (logged_at)",
            """
            CREATE UNLOGGED TABLE IF NOT EXISTS \(table)_lease (
                digest bytea PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)
            """,
            "INSERT INTO theine_schema (name, schema_version) VALUES ('\(name)', \(version)) ON CONFLICT (name) DO NOTHING",
        ] + InvalidationFunctions.statements
    }

    /// Creates the tables of `name` if missing and checks their version.
    ///
    /// Instances starting at once on an empty database serialize on a transaction-scoped advisory
    /// lock (concurrent `CREATE … IF NOT EXISTS` of one table can fail on PostgreSQL 15).
    /// - Throws: ``NearCacheError/cannotCreateSchema(statements:)`` when the role may not create
    ///   them, ``NearCacheError/schemaVersionMismatch(found:expected:)``, or the database's error.
    static func prepare(name: String, client: PostgresClient, logger: Logger) async throws {
        do {
            if try await registeredVersion(name: name, client: client, logger: logger) == nil {
                try await client.withTransaction(logger: logger) { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(\(advisoryLockKey))", logger: logger)
                        .drain()
                    for statement in statements(name: name, unlogged: false) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
                    }
                }
            }
            guard let found = try await registeredVersion(name: name, client: client, logger: logger) else {
                throw NearCacheError.tablesMissing(name: name)
            }
            guard found == version else { throw NearCacheError.schemaVersionMismatch(found: found, expected: version) }
        } catch let error where isPermissionDenied(error) {
            throw NearCacheError.cannotCreateSchema(
                statements: statements(name: name, unlogged: false).map { $0 + ";" }.joined(separator: "\n")
            )
        }
    }

    /// Whether `error` is PostgreSQL's "insufficient privilege" (SQLSTATE 42501), alone or as
    /// the failure inside a transaction.
    private static func isPermissionDenied(_ error: any Error) -> Bool {
        let databaseError = (error as? PostgresTransactionError)?.closureError ?? error
        return (databaseError as? PSQLError)?.serverInfo?[.sqlState] == "42501"
    }

    /// The schema version registered for `name`, or `nil` if its tables are not all there.
    /// (Two statements: a query that names a missing table fails as it is planned.)
    private static func registeredVersion(name: String, client: PostgresClient, logger: Logger) async throws -> Int? {
        let present = try await client.query(
            """
            SELECT to_regclass('theine_schema') IS NOT NULL AND to_regclass(\("theine_\(name)")) IS NOT NULL
                AND to_regclass(\("theine_\(name)_log")) IS NOT NULL
                AND to_regclass(\("theine_\(name)_lease")) IS NOT NULL
                AND to_regprocedure('theine_invalidate_trigger()') IS NOT NULL
            """,
            logger: logger
        )
        var isPresent = false
        for try await row in present { isPresent = try row.decode(Bool.self) }
        guard isPresent else { return nil }
        let rows = try await client.query(
            "SELECT schema_version FROM theine_schema WHERE name = \(name)",
            logger: logger
        )
        var found: Int?
        for try await row in rows { found = Int(try row.decode(Int32.self)) }
        return found
    }

    /// The advisory lock every near cache takes while creating tables (an arbitrary constant:
    /// "theine" in ASCII). A migration that runs ``statements(name:unlogged:)`` while instances
    /// may be starting takes it too (`SELECT pg_advisory_xact_lock(127991726829157)` in its
    /// transaction): concurrent `CREATE OR REPLACE FUNCTION` of one function fails with "tuple
    /// concurrently updated".
    static let advisoryLockKey: Int64 = 0x7468_6569_6E65
}
#endif
