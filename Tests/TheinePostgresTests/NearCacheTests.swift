#if Postgres
import Logging
import PostgresNIO
import Testing
import Theine
@testable import TheinePostgres

/// Three instances of one near cache in one process, each with its own client, on the real server
/// of `scripts/postgres`.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct NearCacheTests {
    @Test func aValueSetOnOneInstance_isReadByTheOthersFromTheSharedLevel() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("answer", 42)
            #expect(try await instances[1].near.get("answer") == 42)
            #expect(try await instances[2].near.get("answer") == 42)
            #expect(instances[1].near.stats().sharedHitCount == 1)
            // Now local: a second read is a local hit.
            #expect(try await instances[1].near.get("answer") == 42)
            #expect(instances[1].near.stats().local.hitCount == 1)
            #expect(instances[1].near.stats().sharedHitCount == 1)
        }
    }

    @Test func aWrite_dropsTheOtherInstancesCopies_asInvalidated() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("k", 1)
            for instance in instances.dropFirst() { #expect(try await instance.near.get("k") == 1) }
            try await instances[0].near.set("k", 2)
            try await barrier(instances)
            for instance in instances.dropFirst() {
                #expect(!instance.local.containsQuietly("k"))
                #expect(instance.departures.causes(of: "k") == [.invalidated])
                #expect(try await instance.near.get("k") == 2)
                #expect(instance.near.stats().invalidationsReceived >= 1)
            }
            // The writer keeps its own copy: its message is not older than it.
            #expect(instances[0].local.containsQuietly("k"))
            #expect(instances[0].departures.causes(of: "k") == [.replaced])
        }
    }

    @Test func remove_removesTheSharedValue_andEveryCopy() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("k", 1)
            for instance in instances { #expect(try await instance.near.get("k") == 1) }
            try await instances[1].near.remove("k")
            try await barrier(instances)
            for instance in instances {
                #expect(!instance.local.containsQuietly("k"))
                #expect(try await instance.near.get("k") == nil)
            }
            #expect(instances[1].departures.causes(of: "k") == [.explicit])
            #expect(instances[2].departures.causes(of: "k") == [.invalidated])
        }
    }

    @Test func removeAll_clearsTheSharedLevelAndEveryInstance() async throws {
        try await withInstances(3) { instances in
            for key in ["a", "b", "c"] { try await instances[0].near.set(key, 1) }
            for instance in instances {
                for key in ["a", "b", "c"] { #expect(try await instance.near.get(key) == 1) }
            }
            try await instances[2].near.removeAll()
            try await barrier(instances)
            for instance in instances {
                #expect(instance.local.count == 0)
                for key in ["a", "b", "c"] { #expect(try await instance.near.get(key) == nil) }
            }
            #expect(instances[0].departures.causes(of: "a") == [.invalidated])
        }
    }

    @Test func setIfAbsent_racingOnThreeInstances_storesOnce() async throws {
        try await withInstances(3) { instances in
            for round in 0..<20 {
                let key = "race-\(round)"
                let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (index, instance) in instances.enumerated() {
                        group.addTask { try await instance.near.setIfAbsent(key, index) }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(stored == 1)
                try await barrier(instances)
                let values = try await instances.asyncMap { try await $0.near.get(key) }
                #expect(Set(values).count == 1)
            }
        }
    }

    @Test func concurrentSets_leaveEveryInstanceWithTheLastCommittedValue() async throws {
        try await withInstances(3) { instances in
            for instance in instances { _ = try await instance.near.get("hot") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<100 {
                    group.addTask { try await instances[writer % 3].near.set("hot", writer) }
                }
                try await group.waitForAll()
            }
            // Read by each instance in turn, with reads in between, while the messages arrive.
            try await barrier(instances)
            let committed = try await sharedValue(of: "hot", in: instances[0])
            for instance in instances {
                #expect(try await instance.near.get("hot") == committed)
            }
        }
    }

    @Test func oneInstance_writingConcurrently_keepsTheLastCommittedValue() async throws {
        try await withInstances(3) { instances in
            for instance in instances { _ = try await instance.near.get("hot") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<100 {
                    group.addTask { try await instances[0].near.set("hot", writer) }
                }
                try await group.waitForAll()
            }
            try await barrier(instances)
            let committed = try await sharedValue(of: "hot", in: instances[0])
            for instance in instances {
                #expect(try await instance.near.get("hot") == committed)
            }
        }
    }

    @Test func invalidateWithin_dropsCopiesWhenTheTransactionCommits_notBefore() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("user", 1)
            for instance in instances { #expect(try await instance.near.get("user") == 1) }
            let logger = Logger(label: "test")
            try await instances[1].client.withTransaction(logger: logger) { connection in
                try await instances[1].near.invalidate(["user", "user"], within: connection)
                // Not committed: other instances still read the value, locally and shared.
                try await barrier([instances[0], instances[2]])
                #expect(instances[2].local.containsQuietly("user"))
                #expect(try await sharedValue(of: "user", in: instances[0]) == 1)
            }
            try await barrier(instances)
            for instance in instances {
                #expect(!instance.local.containsQuietly("user"))
                #expect(try await instance.near.get("user") == nil)
            }
        }
    }

    @Test func invalidateWithin_manyKeys_goOutInMessagesThatFit() async throws {
        try await withInstances(2) { instances in
            let keys = (0..<400).map { "key-\($0)-" + String(repeating: "x", count: 30) }
            for key in keys { try await instances[0].near.set(key, 1) }
            for key in keys { #expect(try await instances[1].near.get(key) == 1) }
            try await instances[0].client.withTransaction(logger: Logger(label: "test")) { connection in
                try await instances[0].near.invalidate(keys, within: connection)
            }
            try await barrier(instances)
            #expect(keys.allSatisfy { !instances[1].local.containsQuietly($0) })
            #expect(InvalidationMessage.batches(of: keys).count > 1)
        }
    }

    @Test func invalidateWithin_aRolledBackTransaction_dropsNothing() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("user", 1)
            for instance in instances { #expect(try await instance.near.get("user") == 1) }
            struct Rollback: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await instances[1].client.withTransaction(logger: Logger(label: "test")) { connection in
                    try await instances[1].near.invalidate(["user"], within: connection)
                    throw Rollback()
                }
            }
            try await barrier(instances)
            for instance in instances {
                #expect(instance.local.containsQuietly("user"))
                #expect(try await instance.near.get("user") == 1)
            }
        }
    }

    @Test func aTriggerOnTheAppsTable_invalidatesOnEveryWrite_andOnTruncate() async throws {
        let name = PostgresServer.uniqueName()
        let table = "app_\(name)"
        try await withInstances(2, name: name) { instances in
            let client = instances[0].client
            try await PostgresServer.execute(
                "CREATE TABLE \(unescaped: table) (id integer PRIMARY KEY, label text)",
                on: client
            )
            for statement in try NearCache<String, Int>.triggerStatements(table: table, name: name, keyExpression: "id")
            {
                try await PostgresServer.execute(PostgresQuery(unsafeSQL: statement), on: client)
            }
            try await PostgresServer.execute(
                "INSERT INTO \(unescaped: table) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
                on: client
            )
            func readAll() async throws {
                for instance in instances {
                    for key in ["1", "2", "3", "4"] {
                        #expect(try await instance.near.get(key) { Int($0)! } == Int(key))
                    }
                }
            }
            func cached(_ key: String) -> [Bool] { instances.map { $0.local.containsQuietly(key) } }
            try await readAll()

            // Another program updates a row, deletes one, and moves one to another key.
            try await PostgresServer.execute("UPDATE \(unescaped: table) SET label = 'z' WHERE id = 1", on: client)
            try await PostgresServer.execute("DELETE FROM \(unescaped: table) WHERE id = 2", on: client)
            try await PostgresServer.execute("UPDATE \(unescaped: table) SET id = 5 WHERE id = 3", on: client)
            try await barrier(instances)
            #expect(cached("1") == [false, false])
            #expect(cached("2") == [false, false])
            #expect(cached("3") == [false, false])
            #expect(cached("4") == [true, true])
            #expect(instances[1].departures.causes(of: "1") == [.invalidated])

            // A write rolled back invalidates nothing.
            try await readAll()
            struct Rollback: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await client.withTransaction(logger: Logger(label: "test")) { connection in
                    try await connection.query(
                        "UPDATE \(unescaped: table) SET label = 'y' WHERE id = 1",
                        logger: Logger(label: "test")
                    )
                    .drain()
                    throw Rollback()
                }
            }
            try await barrier(instances)
            #expect(cached("1") == [true, true])

            // TRUNCATE invalidates everything.
            try await PostgresServer.execute("TRUNCATE \(unescaped: table)", on: client)
            try await barrier(instances)
            #expect(instances.allSatisfy { $0.local.count == 0 })
        }
    }

    @Test func aLoadHeldOpenAcrossAnInvalidation_neverBecomesTheSharedValue() async throws {
        try await withInstances(3) { instances in
            let gate = Gate()
            let load = Task {
                try await instances[0].near.get("profile", ttl: .seconds(60)) { _ in
                    await gate.waitUntilOpen()
                    return 1  // read from the app's tables before the update below
                }
            }
            try await gate.waitUntilWaiting()
            try await instances[1].client.withTransaction(logger: Logger(label: "test")) { connection in
                try await instances[1].near.invalidate(["profile"], within: connection)
            }
            gate.open()
            #expect(try await load.value == 1)  // its caller gets it...
            try await barrier(instances)
            // ...but it is stored nowhere.
            #expect(!instances[0].local.containsQuietly("profile"))
            #expect(try await sharedValue(of: "profile", in: instances[0]) == nil)
            #expect(try await instances[2].near.get("profile") == nil)
            // A load that nothing disturbs is stored in both levels.
            #expect(try await instances[0].near.get("profile", ttl: .seconds(60)) { _ in 2 } == 2)
            #expect(instances[0].local.containsQuietly("profile"))
            #expect(try await instances[2].near.get("profile") == 2)
        }
    }

    @Test func aLoadDuringARemoveAll_isNotStored() async throws {
        try await withInstances(2) { instances in
            let gate = Gate()
            let load = Task {
                try await instances[0].near.get("k") { _ in
                    await gate.waitUntilOpen()
                    return 1
                }
            }
            try await gate.waitUntilWaiting()
            try await instances[1].near.removeAll()
            gate.open()
            #expect(try await load.value == 1)
            #expect(try await sharedValue(of: "k", in: instances[0]) == nil)
        }
    }

    @Test func concurrentMissesOnOneInstance_loadOnce() async throws {
        try await withInstances(1) { instances in
            let calls = LockedValue(0)
            let values = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await instances[0].near.get("k") { _ in
                            calls.withValue { $0 += 1 }
                            try await Task.sleep(for: .milliseconds(50))
                            return 7
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(values == Array(repeating: 7, count: 20))
            #expect(calls.withValue { $0 } == 1)
            #expect(instances[0].near.stats().loadSuccessCount == 1)
        }
    }

    @Test func aFailingLoad_reachesTheCaller_andStoresNothing() async throws {
        struct SourceDown: Error {}
        try await withInstances(1) { (instances: [Instance]) async throws in
            await #expect(throws: SourceDown.self) {
                try await instances[0].near.get("k") { _ in throw SourceDown() }
            }
            #expect(try await instances[0].near.get("k") == nil)
            #expect(instances[0].near.stats().loadFailureCount == 1)
        }
    }

    @Test func aValueFromTheSharedLevel_keepsItsRemainingTTL() async throws {
        try await withInstances(2) { instances in
            try await instances[0].near.set("k", 1, ttl: .milliseconds(300))
            #expect(try await instances[1].near.get("k") == 1)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await instances[1].near.get("k") == nil)
            #expect(try await instances[0].near.get("k") == nil)
        }
    }

    @Test func withoutListening_theLocalLevelIsBypassed() async throws {
        try await withInstances(2, listening: false) { instances in
            try await instances[0].near.set("k", 1)
            #expect(try await instances[0].near.get("k") == 1)
            #expect(try await instances[0].near.get("k") == 1)
            #expect(instances[0].local.count == 0)
            #expect(instances[0].near.stats().sharedHitCount == 2)
            try await instances[1].near.set("k", 2)
            #expect(try await instances[0].near.get("k") == 2)
        }
    }

    @Test func withoutASharedStore_writesStillDropOtherCopies() async throws {
        try await withInstances(2, sharedStore: false) { instances in
            #expect(try await instances[0].near.get("k") { _ in 1 } == 1)
            #expect(try await instances[1].near.get("k") { _ in 1 } == 1)
            #expect(try await instances[1].near.get("k") == 1)  // its own local copy
            try await instances[0].near.set("k", 2)
            try await barrier(instances)
            #expect(try await instances[1].near.get("k") == nil)
            #expect(try await instances[0].near.get("k") == 2)
        }
    }

    @Test func aTerminatedListener_reconnects_andReadsBackWhatItMissed() async throws {
        let name = PostgresServer.uniqueName()
        try await withInstances(2, name: name) { instances in
            try await instances[0].near.set("k", 1)
            #expect(try await instances[1].near.get("k") == 1)
            #expect(instances[1].near.stats().resynchronizationCount == 1)
            try await PostgresServer.execute(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE query LIKE \("%\(instances[0].near.postgres.listenerMark)%") AND pid <> pg_backend_pid()
                """,
                on: instances[0].client
            )
            try await eventually("both listeners reconnect") {
                instances.allSatisfy { $0.near.stats().replayCount == 1 }
            }
            #expect(instances[1].near.stats().resynchronizationCount == 1)
            #expect(instances[1].local.containsQuietly("k"))
            try await instances[0].near.set("k", 2)
            try await barrier(instances)
            #expect(try await instances[1].near.get("k") == 2)
        }
    }

    @Test func listeningAgain_dropsTheCopiesChangedMeanwhile_andKeepsTheOthers() async throws {
        try await withInstances(2, listening: false) { instances in
            let (reader, writer) = (instances[0], instances[1])
            var listener = Task { try await reader.near.run() }
            try await reader.waitUntilListening()
            try await writer.near.set("changed", 1)
            try await writer.near.set("kept", 1)
            try await writer.near.set("removed", 1)
            for key in ["changed", "kept", "removed"] { #expect(try await reader.near.get(key) == 1) }
            listener.cancel()
            try await eventually("the reader stops listening") { !reader.near.coherence.isListening }
            // Missed while not listening:
            try await writer.near.set("changed", 2)
            try await writer.near.remove("removed")
            #expect(try await reader.near.get("changed") == 2)  // the local level is bypassed meanwhile
            listener = Task { try await reader.near.run() }
            try await reader.waitUntilListening()
            #expect(reader.near.stats().replayCount == 1)
            #expect(reader.near.stats().resynchronizationCount == 1)
            #expect(reader.local.containsQuietly("kept"))
            #expect(!reader.local.containsQuietly("removed"))
            #expect(reader.departures.causes(of: "removed") == [.invalidated])
            #expect(try await reader.near.get("changed") == 2)
            #expect(try await reader.near.get("removed") == nil)
            listener.cancel()
        }
    }

    @Test func listeningAgain_afterTheLogWasPrunedPastIt_clearsTheLocalLevel() async throws {
        let name = PostgresServer.uniqueName()
        try await withInstances(2, name: name, listening: false) { instances in
            let (reader, writer) = (instances[0], instances[1])
            var listener = Task { try await reader.near.run() }
            try await reader.waitUntilListening()
            try await writer.near.set("kept", 1)
            #expect(try await reader.near.get("kept") == 1)
            listener.cancel()
            try await eventually("the reader stops listening") { !reader.near.coherence.isListening }
            try await PostgresServer.execute(
                "UPDATE theine_schema SET log_horizon = 9000000000000000000 WHERE name = \(name)",
                on: writer.client
            )
            listener = Task { try await reader.near.run() }
            try await reader.waitUntilListening()
            #expect(reader.near.stats().replayCount == 0)
            #expect(reader.near.stats().resynchronizationCount == 2)
            #expect(reader.local.count == 0)
            listener.cancel()
        }
    }

    @Test func pruningTheLog_raisesItsHorizon() async throws {
        let name = PostgresServer.uniqueName()
        try await withInstances(1, name: name, listening: false) { instances in
            let near = instances[0].near
            for index in 0..<5 { try await near.set("k\(index)", index) }
            #expect(try await near.postgres.pruneLog(olderThan: .seconds(600), batch: 10) == 0)
            #expect(try await near.postgres.pruneLog(olderThan: .zero, batch: 3) == 3)
            #expect(try await near.postgres.pruneLog(olderThan: .zero, batch: 3) == 2)
            let rows = try await instances[0].client.query(
                """
                SELECT log_horizon > 0, (SELECT count(*) FROM \(unescaped: near.postgres.log))
                FROM theine_schema WHERE name = \(name)
                """
            )
            for try await row in rows {
                let (raised, remaining) = try row.decode((Bool, Int64).self)
                #expect(raised)
                #expect(remaining == 0)
            }
        }
    }

    @Test func aSharedValueThatDoesNotDecode_isAMissAndStaysAsItIs() async throws {
        let name = PostgresServer.uniqueName()
        try await withInstances(1, name: name) { instances in
            try await instances[0].near.set("k", 1)
            try await PostgresServer.execute(
                "UPDATE \(unescaped: "theine_\(name)") SET value = 'not json'::bytea",
                on: instances[0].client
            )
            try await barrier(instances)
            instances[0].local.removeAll()
            #expect(try await instances[0].near.get("k") == nil)
            #expect(instances[0].near.stats().decodingFailureCount == 1)
            // A loading read returns the loaded value without overwriting the row.
            #expect(try await instances[0].near.get("k") { _ in 5 } == 5)
            let rows = try await instances[0].client.query(
                "SELECT convert_from(value, 'UTF8') FROM \(unescaped: "theine_\(name)")"
            )
            var stored: [String] = []
            for try await row in rows { stored.append(try row.decode(String.self)) }
            #expect(stored == ["not json"])
        }
    }

    @Test func instancesStartingAtOnceOnAnEmptyDatabase_allCreateOrFindTheTables() async throws {
        let name = PostgresServer.uniqueName()
        try await withInstances(6, name: name, listening: false) { instances in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, instance) in instances.enumerated() {
                    group.addTask { try await instance.near.set("k\(index)", index) }
                }
                try await group.waitForAll()
            }
            for index in instances.indices { #expect(try await instances[0].near.get("k\(index)") == index) }
        }
    }

    @Test func aRoleThatMayNotCreateTables_getsTheStatementsToRun() async throws {
        let role = PostgresServer.uniqueName("reader")
        try await PostgresServer.withClient { admin in
            try await PostgresServer.execute("CREATE ROLE \(unescaped: role) LOGIN", on: admin)
        }
        let name = PostgresServer.uniqueName()
        try await PostgresServer.withClient(username: role) { client in
            let near = try NearCache<String, Int>(name: name, local: Cache(capacity: 10), client: client)
            await #expect(
                throws: NearCacheError.cannotCreateSchema(
                    statements: try NearCache<String, Int>.schemaStatements(name: name).map { $0 + ";" }.joined(
                        separator: "\n"
                    )
                )
            ) {
                try await near.set("k", 1)
            }
        }
        // Once an administrator ran them, the role works (given the rights on what they made).
        try await PostgresServer.withClient { admin in
            // As a migration would, under the lock the instances take (other tests start some).
            try await admin.withTransaction(logger: Logger(label: "test")) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(NearCacheSchema.advisoryLockKey))",
                    logger: Logger(label: "test")
                ).drain()
                for statement in try NearCache<String, Int>.schemaStatements(name: name) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test"))
                        .drain()
                }
            }
            try await PostgresServer.execute(
                """
                GRANT SELECT, INSERT, UPDATE, DELETE ON theine_schema, \(unescaped: "theine_\(name)"),
                    \(unescaped: "theine_\(name)_log"), \(unescaped: "theine_\(name)_lease") TO \(unescaped: role);
                """,
                on: admin
            )
            try await PostgresServer.execute(
                "GRANT USAGE ON SEQUENCE \(unescaped: "theine_\(name)_version") TO \(unescaped: role)",
                on: admin
            )
        }
        try await PostgresServer.withClient(username: role) { client in
            let near = try NearCache<String, Int>(name: name, local: Cache(capacity: 10), client: client)
            try await near.set("k", 1)
            #expect(try await near.get("k") == 1)
        }
    }

    @Test(arguments: ["", "Users", "1users", "users-v2", "a b", String(repeating: "a", count: 41), "é"])
    func anInvalidName_isAThrownError(name: String) throws {
        let client = PostgresClient(configuration: try PostgresServer.configuration())
        #expect(throws: NearCacheError.invalidName(name)) {
            try NearCache<String, Int>(name: name, local: Cache(capacity: 10), client: client)
        }
    }

    @Test func validNames_areAccepted() throws {
        let client = PostgresClient(configuration: try PostgresServer.configuration())
        for name in ["a", "users", "users_v2", String(repeating: "z", count: 40)] {
            _ = try NearCache<String, Int>(name: name, local: Cache(capacity: 10), client: client)
        }
    }

    @Test func aKeyTooLongForOneMessage_isAThrownError() async throws {
        try await withInstances(1, listening: false) { instances in
            let limit = InvalidationMessage.maximumKeyBytes
            await #expect(throws: NearCacheError.keyTooLong(bytes: limit + 1, limit: limit)) {
                try await instances[0].near.set(String(repeating: "k", count: limit + 1), 1)
            }
            // The longest key fits, in every kind of message.
            let longest = String(repeating: "k", count: limit)
            try await instances[0].near.set(longest, 1)
            #expect(try await instances[0].near.get(longest) == 1)
            try await instances[0].near.remove(longest)
        }
    }

    @Test func setKeepingExpiry_keepsTheSharedExpiry_whicheverInstanceSetIt() async throws {
        try await withInstances(3) { instances in
            try await instances[0].near.set("session", 1, ttl: .seconds(2))
            let expiry = try await sharedExpiry(of: "session", in: instances[0])
            #expect(expiry != nil)
            try await instances[1].near.setKeepingExpiry("session", 2)
            #expect(try await sharedExpiry(of: "session", in: instances[0]) == expiry)
            try await barrier(instances)
            for instance in instances { #expect(try await instance.near.get("session") == 2) }
            // Every local copy has the time the shared value had left, so none outlives it.
            try await eventually("the kept expiry ends the value everywhere") {
                for instance in instances where try await instance.near.get("session") != nil { return false }
                return true
            }
        }
    }

    @Test func setKeepingExpiry_storesWithoutExpiry_whenItReplacesNoLiveValue() async throws {
        try await withInstances(2) { instances in
            try await instances[0].near.setKeepingExpiry("new", 1)
            #expect(try await sharedExpiry(of: "new", in: instances[0]) == nil)
            // Replacing a value that never expires keeps "never".
            try await instances[1].near.setKeepingExpiry("new", 2)
            #expect(try await sharedExpiry(of: "new", in: instances[0]) == nil)
            // A removed key's tombstone has an expiry of its own, which a value must not take.
            try await instances[0].near.remove("new")
            try await instances[1].near.setKeepingExpiry("new", 3)
            #expect(try await sharedExpiry(of: "new", in: instances[0]) == nil)
            // An expired value's expiry is not kept either.
            try await instances[0].near.set("old", 1, ttl: .milliseconds(1))
            try await Task.sleep(for: .milliseconds(20))
            try await instances[1].near.setKeepingExpiry("old", 2)
            #expect(try await sharedExpiry(of: "old", in: instances[0]) == nil)
            try await barrier(instances)
            for instance in instances {
                #expect(try await instance.near.get("new") == 3)
                #expect(try await instance.near.get("old") == 2)
            }
        }
    }

    /// The value the shared table holds for `key`, read straight from it.
    private func sharedValue(of key: String, in instance: Instance<Int>) async throws -> Int? {
        let rows = try await instance.client.query(
            """
            SELECT convert_from(value, 'UTF8') FROM \(unescaped: instance.near.postgres.table)
            WHERE digest = sha256(\(ByteBuffer(string: key))) AND value IS NOT NULL
            """
        )
        for try await row in rows { return Int(try row.decode(String.self)) }
        return nil
    }
}

/// Holds a loader until the test opens it.
final class Gate: Sendable {
    private let state = LockedValue((waiting: false, open: false))

    func waitUntilOpen() async {
        state.withValue { $0.waiting = true }
        while !state.withValue({ $0.open }) { try? await Task.sleep(for: .milliseconds(2)) }
    }

    func waitUntilWaiting() async throws {
        try await eventually("the loader runs") { state.withValue { $0.waiting } }
    }

    func open() { state.withValue { $0.open = true } }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
#endif
