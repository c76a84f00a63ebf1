#if Postgres
import Logging
import Testing
import Theine
@testable import PostgresNIO
@testable import TheinePostgres

/// Faults: a server of the test's own restarted in the middle of a write loop, a listener's
/// backend terminated, and connections cut by a proxy between a statement's commit and its reply.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct NearCacheFaultTests {
    @Test func aServerRestartDuringAWriteLoop_leavesNoInstanceWithAnOlderValue() async throws {
        let server = try PrivateServer.start()
        defer { server.stop() }
        let restartFinished = LockedValue(false)
        // (A short reply timeout: postgres-nio may leave a statement sent as the server stops
        // waiting for ever; see letThePoolDropTheFailedConnection.)
        try await withInstances(3, port: server.port, replyTimeout: .seconds(5)) { instances in
            for instance in instances { #expect(try await instance.near.get("k") == nil) }
            var lastSucceeded = 0
            var restart: Task<Void, any Error>?
            var successesAfterRestart = 0
            // Increasing values from the three instances in turn; the server restarts (in the
            // background) from the 50th on, while the writes go on, until 30 more have succeeded
            // after it was back. Every instance reads along.
            for write in 1...100_000 where successesAfterRestart < 30 {
                if write == 50 {
                    restart = Task.detached {
                        try server.restart()
                        restartFinished.withValue { $0 = true }
                    }
                }
                let restarted = restart.map { _ in restartFinished.withValue { $0 } } ?? false
                do {
                    try await instances[write % 3].near.set("k", write)
                    lastSucceeded = write
                    if restarted { successesAfterRestart += 1 }
                } catch {
                    try await Self.letThePoolDropTheFailedConnection()
                }
                for instance in instances {
                    do {
                        _ = try await instance.near.get("k")
                    } catch {
                        try await Self.letThePoolDropTheFailedConnection()
                    }
                }
            }
            try await restart?.value
            #expect(successesAfterRestart == 30)
            // (Few writes fail: the client's pool holds a request while the server is down and
            // sends it once reconnected; one in flight when the server stops fails.)
            try await eventually("every instance listens again") {
                instances.allSatisfy { $0.near.coherence.isListening }
            }
            try await barrier(instances)
            // Each listened again by reading the log back from where it was, not by clearing.
            #expect(instances.allSatisfy { $0.near.stats().replayCount >= 1 })
            for instance in instances {
                let value = try await instance.near.get("k")
                #expect(
                    (value ?? 0) >= lastSucceeded,
                    "an instance serves \(String(describing: value)) after \(lastSucceeded)"
                )
            }
        }
    }

    /// The reader learns of a change by the message alone: none of its connections runs a
    /// statement between the change and the drop of its copy (a private server, so that every
    /// other backend is the reader's).
    @Test func aChangeReachesAnotherInstance_withoutItRunningAStatement() async throws {
        let server = try PrivateServer.start()
        defer { server.stop() }
        let name = PostgresServer.uniqueName()
        try await withInstances(1, port: server.port, name: name) { readers in
            let reader = readers[0]
            try await withInstances(1, port: server.port, name: name, listening: false, connections: 1) { writers in
                let writer = writers[0]
                try await writer.near.set("k", 1)
                #expect(try await reader.near.get("k") == 1)
                let writerBackend = try await backendID(of: writer.client)
                let before = try await statementStarts(except: writerBackend, on: writer.client)
                #expect(!before.isEmpty)
                try await writer.near.set("k", 2)
                try await eventually("the reader drops its copy") { !reader.local.containsQuietly("k") }
                let after = try await statementStarts(except: writerBackend, on: writer.client)
                #expect(after == before, "a reader's connection ran a statement")
            }
        }
    }

    private func backendID(of client: PostgresClient) async throws -> Int32 {
        for try await row in try await client.query("SELECT pg_backend_pid()") { return try row.decode(Int32.self) }
        throw PrivateServer.ScriptFailed(command: "pg_backend_pid")
    }

    /// When each backend but `excluded` started its last statement.
    private func statementStarts(except excluded: Int32, on client: PostgresClient) async throws -> [Int32: String] {
        var starts: [Int32: String] = [:]
        let rows = try await client.query(
            """
            SELECT pid, query_start::text FROM pg_stat_activity
            WHERE datname = 'postgres' AND pid <> \(excluded) AND query_start IS NOT NULL
            """
        )
        for try await row in rows {
            let (pid, start) = try row.decode((Int32, String).self)
            starts[pid] = start
        }
        return starts
    }

    @Test func aWriteCutBetweenItsCommitAndItsReply_isOfUnknownOutcome_andNoInstanceKeepsAnOlderValue() async throws {
        let proxy = try TCPProxy(to: try #require(PostgresServer.port))
        defer { proxy.close() }
        try await withInstances(3, port: proxy.port) { instances in
            try await instances[0].near.set("k", 1)
            for instance in instances { #expect(try await instance.near.get("k") == 1) }
            proxy.cutAfterExecuting(statementContaining: Self.writeMarker)
            try await expectOutcomeUnknown { try await instances[0].near.set("k", 2) }
            try await Self.letThePoolDropTheFailedConnection()
            #expect(proxy.cuts == 1)
            // The writer holds no copy of the old value: it dropped it on the failure (and its own
            // message of the committed write drops it too).
            #expect(!instances[0].local.containsQuietly("k"))
            // The write committed: everyone heard of it and reads it.
            try await barrier(instances)
            for instance in instances { #expect(try await instance.near.get("k") == 2) }
            // The client connects again and writes go on.
            try await instances[0].near.set("k", 3)
            try await barrier(instances)
            for instance in instances { #expect(try await instance.near.get("k") == 3) }
        }
    }

    /// A connection that stays open but never replies (a hung server or network, or postgres-nio
    /// waiting on a connection it should have dropped): the call gives up after `replyTimeout`.
    @Test func aWriteWhoseReplyNeverComes_isOfUnknownOutcome_afterTheReplyTimeout() async throws {
        let proxy = try TCPProxy(to: try #require(PostgresServer.port))
        defer { proxy.close() }
        // Without the timeout the write would wait for ever: closing the proxy ends it (with
        // another reason) so that the test fails instead.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            proxy.close()
        }
        defer { watchdog.cancel() }
        try await withInstances(2, port: proxy.port, replyTimeout: .seconds(1)) { instances in
            try await instances[0].near.set("k", 1)
            for instance in instances { #expect(try await instance.near.get("k") == 1) }
            proxy.stallAfterExecuting(statementContaining: Self.writeMarker)
            do {
                try await instances[0].near.set("k", 2)
                Issue.record("the write succeeded")
            } catch NearCacheError.outcomeUnknown(let reason) {
                #expect(reason.contains("no reply"), "\(reason)")
            }
            #expect(proxy.stalls == 1)
            #expect(!instances[0].local.containsQuietly("k"))
            // The pool may lease the stalled connection again (the abandoned statement was
            // cancelled, not its connection): end it, as TCP keepalive ends a dead peer's.
            proxy.closeStalledConnections()
            try await Self.letThePoolDropTheFailedConnection()
            // The write committed: every instance hears of it, and writes go on.
            try await barrier(instances)
            for instance in instances { #expect(try await instance.near.get("k") == 2) }
            try await instances[1].near.set("k", 3)
            try await barrier(instances)
            for instance in instances { #expect(try await instance.near.get("k") == 3) }
        }
    }

    @Test func cutsDuringAWriteLoop_leaveNoInstanceWithAValueOlderThanTheLastSuccessfulWrite() async throws {
        let proxy = try TCPProxy(to: try #require(PostgresServer.port))
        defer { proxy.close() }
        try await withInstances(3, port: proxy.port) { instances in
            var lastSucceeded = 0
            var unknownOutcomes = 0
            // Increasing values from the three instances in turn, every fifth cut after its commit
            // (a write's, or a removal's); every instance reads along.
            for write in 1...60 {
                if write % 5 == 0 {
                    proxy.cutAfterExecuting(
                        statementContaining: write % 10 == 0 ? Self.removalMarker : Self.writeMarker
                    )
                }
                do {
                    if write % 10 == 0 {
                        try await instances[write % 3].near.remove("k")
                    } else {
                        try await instances[write % 3].near.set("k", write)
                    }
                    lastSucceeded = write
                } catch let error as NearCacheError {
                    guard case .outcomeUnknown = error else { throw error }
                    unknownOutcomes += 1
                    try await Self.letThePoolDropTheFailedConnection()
                }
                for instance in instances { _ = try await instance.near.get("k") }
            }
            #expect(unknownOutcomes == 12)
            #expect(proxy.cuts == 12)
            try await barrier(instances)
            let shared = try await instances[0].near.get("k")
            // The last write (60, a removal) was cut: it committed, so the key is gone.
            #expect(shared == nil)
            #expect(lastSucceeded == 59)
            for instance in instances {
                #expect(try await instance.near.get("k") == shared)
                #expect(!instance.local.containsQuietly("k"))
            }
        }
    }

    /// Text of every statement that stores a value.
    private static let writeMarker = "ON CONFLICT (digest) DO UPDATE SET key"
    /// Text of the statement of `remove` and `invalidate(_:within:)`.
    private static let removalMarker = "theine_invalidate("

    /// Waits until the client's pool has dropped a connection that failed (cut by the proxy, or by
    /// a server restart). postgres-nio 1.33.2 puts a connection whose query failed back in its pool
    /// before it handles the connection's closing; a query that leases it in between is written to
    /// the closed channel without a promise (`PostgresConnection.query`), so it neither fails nor
    /// completes, and ignores cancellation. Without this wait, about one run in three of the cut
    /// write loop hung so (DesignNotes.md, "The pool's dead connections").
    private static func letThePoolDropTheFailedConnection() async throws {
        try await Task.sleep(for: .milliseconds(100))
    }

    /// Expects `change` to throw ``NearCacheError/outcomeUnknown(reason:)``.
    private func expectOutcomeUnknown(_ change: () async throws -> Void) async throws {
        do {
            try await change()
            Issue.record("the change succeeded")
        } catch let error as NearCacheError {
            guard case .outcomeUnknown = error else { throw error }
        }
    }

    @Test func aChangeWhoseConnectionFails_isReportedAsOfUnknownOutcome() {
        for code in [
            PSQLError.Code.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection,
        ] {
            let error = NearCacheError.forFailedChange(PSQLError(code: code))
            guard case NearCacheError.outcomeUnknown = error else {
                Issue.record("\(code) reported as \(error)")
                continue
            }
        }
        guard
            case NearCacheError.outcomeUnknown = NearCacheError.forFailedChange(
                NearCacheError.noReply(after: .seconds(1))
            )
        else {
            Issue.record("a change without a reply is not reported as of unknown outcome")
            return
        }
        let notConnection = NearCacheError.forFailedChange(PSQLError(code: .tooManyParameters))
        #expect(notConnection is PSQLError)
    }
}
#endif
