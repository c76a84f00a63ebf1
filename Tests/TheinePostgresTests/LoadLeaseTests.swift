#if Postgres
import Foundation
import PostgresNIO
import Testing
import Theine
@testable import TheinePostgres

/// One load across instances: a lease row, waiters woken by the holder's message.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct LoadLeaseTests {
    /// Long enough that a waiter that depends on the lease ending, rather than on a message, makes
    /// its test exceed its one-minute limit.
    private static let longLease = Duration.seconds(90)

    @Test(.timeLimit(.minutes(1)))
    func concurrentMissesOnThreeInstances_runTheLoaderOnce() async throws {
        try await withInstances(3, connections: 2, loadLease: Self.longLease) { instances in
            for round in 0..<5 {
                let key = "k\(round)"
                let calls = LockedValue(0)
                let values = try await withThrowingTaskGroup(of: Int.self) { group in
                    for instance in instances {
                        for _ in 0..<4 {
                            group.addTask {
                                try await instance.near.get(key) { _ in
                                    calls.withValue { $0 += 1 }
                                    try await Task.sleep(for: .milliseconds(100))
                                    return round
                                }
                            }
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(values == Array(repeating: round, count: 12))
                #expect(calls.withValue { $0 } == 1)
            }
            let loads = instances.reduce(0) { $0 + $1.near.stats().loadSuccessCount }
            #expect(loads == 5)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aHolderWhoseLoadFails_wakesTheOthers_andOneOfThemLoads() async throws {
        struct SourceDown: Error {}
        try await withInstances(2, connections: 2, loadLease: Self.longLease) { instances in
            let gate = Gate()
            let failing = Task {
                try await instances[0].near.get("k") { _ in
                    await gate.waitUntilOpen()
                    throw SourceDown()
                }
            }
            try await gate.waitUntilWaiting()
            let calls = LockedValue(0)
            let waiting = Task {
                try await instances[1].near.get("k") { _ in
                    calls.withValue { $0 += 1 }
                    return 5
                }
            }
            // The second instance waits for the lease rather than loading.
            try await Task.sleep(for: .milliseconds(200))
            #expect(calls.withValue { $0 } == 0)
            gate.open()
            await #expect(throws: SourceDown.self) { try await failing.value }
            #expect(try await waiting.value == 5)
            #expect(calls.withValue { $0 } == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aCrashedHolder_blocksNobodyPastItsLease() async throws {
        try await withInstances(1, connections: 2) { instances in
            let near = instances[0].near
            // A lease of an instance that is gone, for another 600 ms.
            try await PostgresServer.execute(
                """
                INSERT INTO \(unescaped: near.postgres.leases) (digest, owner, expires_at)
                VALUES (sha256(\(ByteBuffer(string: "k"))), 'gone', now() + interval '600 milliseconds')
                """,
                on: instances[0].client
            )
            let start = ContinuousClock.now
            let value = try await near.get("k") { _ in 3 }
            #expect(value == 3)
            #expect(ContinuousClock.now - start >= .milliseconds(500), "loaded before the lease ended")
            #expect(near.stats().loadSuccessCount == 1)
        }
    }

    @Test func aHolder_renewsItsLeaseWhileItLoads() async throws {
        try await withInstances(2, connections: 2, loadLease: .milliseconds(300)) { instances in
            let gate = Gate()
            let holder = Task {
                try await instances[0].near.get("k") { _ in
                    await gate.waitUntilOpen()
                    return 1
                }
            }
            try await gate.waitUntilWaiting()
            let calls = LockedValue(0)
            let waiter = Task {
                try await instances[1].near.get("k") { _ in
                    calls.withValue { $0 += 1 }
                    return 2
                }
            }
            // Three lease lengths: without renewal the waiter would have taken it over.
            try await Task.sleep(for: .milliseconds(900))
            #expect(calls.withValue { $0 } == 0)
            gate.open()
            #expect(try await holder.value == 1)
            #expect(try await waiter.value == 1)
        }
    }
}
#endif
