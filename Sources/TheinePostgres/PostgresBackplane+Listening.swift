#if Postgres
import NIOCore
import PostgresNIO

/// Listening: a `LISTEN` on one of the client's connections, held for as long as it lasts
/// (`PostgresClient` has none of its own), and the log read back on the same connection.
extension PostgresBackplane {
    /// A comment in the listener's own statements, so that its connection can be told apart in
    /// `pg_stat_activity` (whose `query` shows a connection's last statement).
    var listenerMark: String { "listener of \(channel)" }

    /// Leases a connection, listens on the cache's channel, then reads the horizon and the log
    /// from `heardThrough` on the same connection (every change committed after the `LISTEN` will
    /// be heard; one whose transaction id is below the horizon committed before it, so is either
    /// heard or in the log read after).
    func listen(
        replayingFrom heardThrough: Int64,
        caughtUp: (_ missed: [(version: Int64, key: ByteBuffer?)]?, _ horizon: Int64) -> Void,
        receive: (String) -> Void
    ) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                let horizon = try await currentHorizon(on: connection)
                let missed = heardThrough > 0 ? try await loggedChanges(since: heardThrough, on: connection) : nil
                caughtUp(missed, horizon)
                for try await notification in notifications {
                    receive(notification.payload)
                }
            }
        }
    }

    /// The `xmin` of a snapshot taken now: every transaction with a smaller id has ended.
    private func currentHorizon(on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await fetch(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint /* \(unescaped: listenerMark) */",
            on: connection
        )
        for row in rows { return try row.decode(Int64.self) }
        throw NearCacheError.tablesMissing(name: name)
    }

    /// The changes logged by transactions with ids from `transaction` on, or `nil` if the log was
    /// pruned past it. A change of every key is a `nil` key.
    private func loggedChanges(
        since transaction: Int64,
        on connection: PostgresConnection
    ) async throws -> [(
        version: Int64, key: ByteBuffer?
    )]? {
        let rows = try await fetch(
            """
            SELECT s.log_horizon, l.version, l.key /* \(unescaped: listenerMark) */
            FROM theine_schema s LEFT JOIN \(unescaped: log) l ON l.xact >= \(transaction)
            WHERE s.name = \(name)
            ORDER BY l.version
            """,
            on: connection
        )
        var changes: [(version: Int64, key: ByteBuffer?)] = []
        var found = false
        for row in rows {
            found = true
            let (horizon, version, key) = try row.decode((Int64, Int64?, ByteBuffer?).self)
            if horizon > transaction { return nil }
            if let version { changes.append((version, key)) }
        }
        guard found else { throw NearCacheError.tablesMissing(name: name) }
        return changes
    }
}
#endif
