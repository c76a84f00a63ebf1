#if Postgres
import PostgresNIO

/// What a ``NearCache`` throws besides the database's own errors (`PSQLError`).
public enum NearCacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name is not 1–40 characters of `[a-z0-9_]` starting with a letter. It names the
    /// notification channel and the tables, so it must stay a plain PostgreSQL identifier.
    case invalidName(String)
    /// The key's text is too long for one invalidation message (PostgreSQL's `NOTIFY` payloads
    /// stay under 8,000 bytes; keys travel hex-encoded): `bytes` of UTF-8 against `limit`.
    case keyTooLong(bytes: Int, limit: Int)
    /// The role may not create the near cache's tables, or not read them: run `statements` once as
    /// a role that may (a migration), grant this role `SELECT, INSERT, UPDATE, DELETE` on
    /// `theine_schema`, `theine_NAME`, `theine_NAME_log` and `theine_NAME_lease` and `USAGE` on
    /// `theine_NAME_version`, then start again.
    case cannotCreateSchema(statements: String)
    /// The tables were made by another version of this library (`found`); this one reads
    /// `expected`.
    case schemaVersionMismatch(found: Int, expected: Int)
    /// The near cache's table or its row in `theine_schema` is gone (dropped while it ran).
    case tablesMissing(name: String)
    /// The connection failed after a change was sent and before its reply came: the change may
    /// or may not have committed (`reason` is the connection's error). The key's local copy was
    /// dropped, so this instance reads it afresh; other instances heard of it if it committed.
    case outcomeUnknown(reason: String)
    /// A statement got no reply within the near cache's `replyTimeout` (`after`), and was
    /// abandoned. A change reports it as ``outcomeUnknown(reason:)``.
    case noReply(after: Duration)

    /// What went wrong and what to do, in a sentence (the schema error lists its statements).
    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid near cache name \"\(name)\": use 1 to 40 characters of a-z, 0-9 and _, starting with a letter"
        case .keyTooLong(let bytes, let limit):
            "a key of \(bytes) bytes does not fit in one invalidation message (at most \(limit) bytes)"
        case .cannotCreateSchema(let statements):
            """
            this role may not create or read the near cache's tables; run as a role that may, then grant this role \
            SELECT, INSERT, UPDATE, DELETE on the tables and USAGE on the sequence:
            \(statements)
            """
        case .schemaVersionMismatch(let found, let expected):
            "the near cache's tables have schema version \(found); this library reads version \(expected)"
        case .tablesMissing(let name):
            "the tables of near cache \"\(name)\" are missing"
        case .outcomeUnknown(let reason):
            "the connection failed before the change's reply: it may or may not have committed (\(reason))"
        case .noReply(let limit):
            "no reply from PostgreSQL within \(limit); the statement was abandoned"
        }
    }
}

extension NearCacheError {
    /// The error a change reports for `error`: ``outcomeUnknown(reason:)`` when the connection
    /// failed or the server ended the session while the change was in flight (it may have
    /// committed), else `error` itself (the change failed, and nothing committed).
    static func forFailedChange(_ error: any Error) -> any Error {
        if case NearCacheError.noReply = error { return NearCacheError.outcomeUnknown(reason: "\(error)") }
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
            return NearCacheError.outcomeUnknown(reason: String(reflecting: error))
        case .server where error.serverInfo?[.sqlState]?.hasPrefix("57P") == true:
            // Administrator shutdown, crash shutdown, cannot connect now: the session ended.
            return NearCacheError.outcomeUnknown(reason: String(reflecting: error))
        default:
            return error
        }
    }
}
#endif
