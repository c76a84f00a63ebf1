#if Postgres
import NIOCore
import PostgresNIO

/// The load lease: one instance at a time loads a missing key, the others wait for its message.
///
/// A lease is a row of `theine_NAME_lease` (the key's digest, the holder's origin, and when it
/// ends), not a session advisory lock: an advisory lock would pin one of the pool's connections for
/// the whole load. A holder renews its lease while its loader runs; a crashed holder's lease ends
/// by itself, and the next instance takes it. The table is `UNLOGGED`: leases need not survive a
/// crash of the server.
extension PostgresBackplane {
    /// The lease table.
    var leases: String { "\(table)_lease" }

    /// Takes `key`'s lease for `duration` if no other instance holds a live one.
    /// - Returns: `nil` if this instance now holds it; else how long the holder's lease has left
    ///   (a short wait when the holder's row is not visible yet).
    func takeLease(_ key: ByteBuffer, for duration: Duration) async throws -> Duration? {
        let rows = try await fetch(
            """
            WITH taken AS (
                INSERT INTO \(unescaped: leases) AS l (digest, owner, expires_at)
                VALUES (sha256(\(key)), \(origin), now() + make_interval(secs => \(duration.microseconds)::float8 / 1000000))
                ON CONFLICT (digest) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE l.expires_at <= now()
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM taken),
                (SELECT (extract(epoch FROM expires_at - now()) * 1000000)::bigint
                 FROM \(unescaped: leases) WHERE digest = sha256(\(key)))
            """
        )
        for row in rows {
            let (taken, microsecondsLeft) = try row.decode((Bool, Int64?).self)
            if taken { return nil }
            return .microseconds(max(microsecondsLeft ?? 0, 50_000))
        }
        throw NearCacheError.tablesMissing(name: name)
    }

    /// Moves the end of this instance's lease of `key` to `duration` from now, if it still holds it.
    func renewLease(_ key: ByteBuffer, for duration: Duration) async throws {
        _ = try await fetch(
            """
            UPDATE \(unescaped: leases)
            SET expires_at = now() + make_interval(secs => \(duration.microseconds)::float8 / 1000000)
            WHERE digest = sha256(\(key)) AND owner = \(origin)
            """
        )
    }

    /// Gives up this instance's lease of `key`, and wakes the instances waiting for it with a
    /// message of version 0 (which drops no copy).
    func releaseLease(_ key: ByteBuffer) async throws {
        _ = try await fetch(
            """
            WITH released AS (
                DELETE FROM \(unescaped: leases) WHERE digest = sha256(\(key)) AND owner = \(origin) RETURNING 1
            )
            SELECT pg_notify(\(channel), \(unescaped: header) || E'\\n0 ' || encode(\(key), 'hex')) FROM released
            """
        )
    }
}
#endif
