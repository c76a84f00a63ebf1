#if Postgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO
import Testing
import Theine
@testable import TheinePostgres

/// The PostgreSQL server the tests use: the one `scripts/postgres start` serves on 127.0.0.1 at
/// `THEINE_PG_PORT` (user `theine`, database `postgres`, trust authentication).
enum PostgresServer {
    /// The server's port, or `nil` when none was started.
    static let port: Int? = ProcessInfo.processInfo.environment["THEINE_PG_PORT"].flatMap(Int.init)

    /// Whether a missing server fails the suite (`THEINE_REQUIRE_POSTGRES=1`, set by CI) rather
    /// than skipping it.
    static let isRequired = ProcessInfo.processInfo.environment["THEINE_REQUIRE_POSTGRES"] == "1"

    /// Whether the suites that need the server run.
    static let isAvailable = port != nil || isRequired

    static func configuration(
        username: String = "theine",
        port: Int? = port,
        connections: Int = 4
    ) throws -> PostgresClient.Configuration {
        guard let port else {
            throw ServerMissing()
        }
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1",
            port: port,
            username: username,
            password: nil,
            database: "postgres",
            tls: .disable
        )
        configuration.options.maximumConnections = connections
        return configuration
    }

    struct ServerMissing: Error, CustomStringConvertible {
        var description: String {
            "THEINE_REQUIRE_POSTGRES=1 but THEINE_PG_PORT is not set: start one with `eval \"$(scripts/postgres start)\"`"
        }
    }

    /// A fresh cache name, so that tests never share tables.
    static func uniqueName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UInt64.random(in: 0 ... .max) % 1_000_000_000_000)"
    }

    /// Runs `body` with a client that runs meanwhile.
    static func withClient<Result: Sendable>(
        username: String = "theine",
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: try configuration(username: username))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Runs a statement on `client` and reads every row, so that its errors are thrown.
    static func execute(_ query: PostgresQuery, on client: PostgresClient) async throws {
        try await client.query(query).drain()
    }
}

/// A PostgreSQL server of a test's own (`scripts/postgres` in a folder of its own), which the
/// test may restart without disturbing the others.
struct PrivateServer {
    let folder: String
    let port: Int

    static func start() throws -> PrivateServer {
        let folder = "/tmp/theine-pg-\(UInt64.random(in: 0 ... .max) % 1_000_000_000)"
        try run("start", folder: folder)
        let portFile = try String(contentsOfFile: folder + "/port", encoding: .utf8)
        guard let port = Int(portFile.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ScriptFailed(command: "start")
        }
        return PrivateServer(folder: folder, port: port)
    }

    func restart() throws { try Self.run("restart", folder: folder) }

    func stop() { try? Self.run("stop", folder: folder) }

    struct ScriptFailed: Error { var command: String }

    /// Runs `scripts/postgres COMMAND` with `THEINE_PG_DIR=folder`, its output to /dev/null.
    /// Through `posix_spawn` and `waitpid`: Foundation's `Process.waitUntilExit` never returns
    /// here once the script has started a server (which keeps running as a daemon).
    private static func run(_ command: String, folder: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/postgres").path
        var environment = ProcessInfo.processInfo.environment
        environment["THEINE_PG_DIR"] = folder
        let words: [String] = [script, command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { (word: String) in strdup(word) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] =
            environment.map { (name: String, value: String) in strdup("\(name)=\(value)") } + [nil]
        defer {
            for pointer in arguments + variables { free(pointer) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Without this, a server started here inherits the test process's sockets (the proxies'
        // among them) and holds their connections open until it stops, or for ever if the tests
        // are killed first.
        // (glibc 2.34 has it; Swift's Glibc module does not declare it.)
        if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        }
        var pid = pid_t()
        guard posix_spawn(&pid, script, &actions, nil, arguments, variables) == 0 else {
            throw ScriptFailed(command: command)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // The exit status is in bits 8 to 15 of a normal exit (WEXITSTATUS).
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else { throw ScriptFailed(command: command) }
    }
}

/// One app instance: its own client, local cache and near cache, listening while the test runs.
struct Instance<Value: Sendable>: Sendable {
    let client: PostgresClient
    let near: NearCache<String, Value>
    let departures: DepartureLog

    var local: Cache<String, Value> { near.local }

    /// Waits (up to 30 s) until the instance listens.
    func waitUntilListening() async throws {
        try await eventually("the instance listens") { near.coherence.isListening }
    }
}

extension NearCache {
    /// The near cache's backplane, for tests that read its tables and channel: PostgreSQL's, as
    /// every initializer makes.
    var postgres: PostgresBackplane {
        guard let postgres = shared as? PostgresBackplane else { preconditionFailure("not on PostgreSQL") }
        return postgres
    }
}

/// Starts `count` instances of the near cache `name` of `Int` values (each with its own client,
/// as separate processes would have), runs them, waits until all listen, and runs `body`.
func withInstances<Result: Sendable>(
    _ count: Int,
    port: Int? = PostgresServer.port,
    name: String = PostgresServer.uniqueName(),
    sharedStore: Bool = true,
    listening: Bool = true,
    capacity: Int = 1_000,
    connections: Int = 4,
    loadLease: Duration = .seconds(30),
    replyTimeout: Duration = .seconds(30),
    _ body: ([Instance<Int>]) async throws -> Result
) async throws -> Result {
    try await withInstances(
        count,
        port: port,
        listening: listening,
        connections: connections,
        makeNearCache: { client, departures in
            let local = Cache<String, Int>(capacity: capacity) { key, _, cause in departures.append(key, cause) }
            return try NearCache<String, Int>(
                name: name,
                local: local,
                client: client,
                sharedStore: sharedStore,
                loadLease: loadLease,
                replyTimeout: replyTimeout
            )
        },
        body
    )
}

/// Starts `count` instances of the near cache `name` of encoded values, as the Vapor and
/// Hummingbird integrations take them: `[UInt8]` values through ``BytesNearCacheCodec``.
func withByteInstances<Result: Sendable>(
    _ count: Int,
    name: String = PostgresServer.uniqueName(),
    listening: Bool = true,
    _ body: ([Instance<[UInt8]>]) async throws -> Result
) async throws -> Result {
    try await withInstances(
        count,
        listening: listening,
        makeNearCache: { client, departures in
            let local = Cache<String, [UInt8]>(capacity: 1_000) { key, _, cause in departures.append(key, cause) }
            return try NearCache(name: name, local: local, client: client, key: { $0 }, codec: BytesNearCacheCodec())
        },
        body
    )
}

/// Starts `count` instances whose near caches `makeNearCache` makes on their own client (given
/// the departure log their local level's listener should append to), runs them (their listeners
/// only if `listening`), waits until all listen, and runs `body`.
func withInstances<Value: Sendable, Result: Sendable>(
    _ count: Int,
    port: Int? = PostgresServer.port,
    listening: Bool = true,
    connections: Int = 4,
    makeNearCache: (PostgresClient, DepartureLog) throws -> NearCache<String, Value>,
    _ body: ([Instance<Value>]) async throws -> Result
) async throws -> Result {
    let instances = try (0..<count).map { _ in
        let departures = DepartureLog()
        let client = PostgresClient(
            configuration: try PostgresServer.configuration(port: port, connections: connections)
        )
        return Instance(client: client, near: try makeNearCache(client, departures), departures: departures)
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        for instance in instances {
            group.addTask { await instance.client.run() }
            if listening { group.addTask { try await instance.near.run() } }
        }
        defer { group.cancelAll() }
        if listening {
            for instance in instances { try await instance.waitUntilListening() }
        }
        return try await body(instances)
    }
}

/// When `key`'s shared row expires, in microseconds since 1970 (`nil`: never), read straight from
/// the table; a missing row fails the test.
func sharedExpiry<Value>(of key: String, in instance: Instance<Value>) async throws -> Int64? {
    let rows = try await instance.client.query(
        """
        SELECT (extract(epoch FROM expires_at) * 1000000)::bigint FROM \(unescaped: instance.near.postgres.table)
        WHERE digest = sha256(\(ByteBuffer(string: key)))
        """
    )
    for try await row in rows { return try row.decode(Int64?.self) }
    Issue.record("no shared row for \(key)")
    throw EventuallyTimedOut()
}

/// The local departures of one instance, in order.
final class DepartureLog: Sendable {
    private let entries = LockedValue<[(key: String, cause: RemovalCause)]>([])

    func append(_ key: String, _ cause: RemovalCause) {
        entries.withValue { $0.append((key, cause)) }
    }

    func causes(of key: String) -> [RemovalCause] {
        entries.withValue { $0.filter { $0.key == key }.map(\.cause) }
    }
}

/// A value behind a lock, for test bookkeeping.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Waits until `condition` holds, polling every 5 ms for up to 30 s; fails with `what` otherwise.
func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("never happened: \(what)")
    throw EventuallyTimedOut()
}

struct EventuallyTimedOut: Error {}

/// Announces a change of a key nobody reads on `instances`' channel, and waits until every one of
/// them has heard it: since one connection delivers notifications in commit order, each has then
/// heard of every change committed before it.
func barrier<Value>(_ instances: [Instance<Value>]) async throws {
    let near = instances[0].near
    let rows = try await instances[0].client.query(
        """
        SELECT v FROM (SELECT nextval('\(unescaped: near.postgres.sequence)') AS v) s,
            LATERAL pg_notify(\(near.postgres.channel), 'barrier 0' || E'\\n' || v || ' ' || encode('barrier', 'hex'))
        """
    )
    var version: Int64 = 0
    for try await row in rows { version = try row.decode(Int64.self) }
    for instance in instances {
        try await eventually("the barrier's message arrives") {
            instance.near.newestVersionHeard >= version
        }
    }
}
#endif
