#if Postgres
import Logging
import Testing
import Theine
@testable import PostgresNIO
@testable import TheinePostgres

/// Faults on a server of the test's own: a restart in the middle of a write loop.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct NearCacheFaultTests {
    @Test func aServerRestartDuringAWriteLoop_leavesNoInstanceWithAnOlderValue() async throws {
        let server = try PrivateServer.start()
        defer { server.stop() }
        let restartFinished = LockedValue(false)
        try await withInstances(3, port: server.port) { instances in
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
                    try await Task.sleep(for: .milliseconds(10))
                }
                for instance in instances { _ = try? await instance.near.get("k") }
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
        let notConnection = NearCacheError.forFailedChange(PSQLError(code: .tooManyParameters))
        #expect(notConnection is PSQLError)
    }
}
#endif
