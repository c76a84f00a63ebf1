#if Postgres && Hummingbird
import Hummingbird
import Testing
import Theine
import TheineHummingbird
@testable import TheinePostgres

/// `NearCachePersistDriver`: Hummingbird's `PersistDriver` contract kept across three instances.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct NearCachePersistDriverTests {
    @Test func create_succeedsOnceAcrossInstances_whenTheyRace() async throws {
        try await withByteInstances(3) { instances in
            let drivers = instances.map { NearCachePersistDriver($0.near) }
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for attempt in 0..<15 {
                    group.addTask {
                        do {
                            try await drivers[attempt % 3].create(key: "session", value: attempt, expires: .seconds(60))
                            return attempt
                        } catch let error as PersistError where error == .duplicate {
                            return nil
                        }
                    }
                }
                return try await group.reduce(into: []) { winners, winner in winner.map { winners.append($0) } }
            }
            #expect(winners.count == 1)
            try await barrier(instances)
            for driver in drivers {
                #expect(try await driver.get(key: "session", as: Int.self) == winners.first)
            }
        }
    }

    @Test func create_failsOnALiveValue_andSucceedsOnceItExpiredOrWasRemoved() async throws {
        try await withByteInstances(2) { instances in
            let drivers = instances.map { NearCachePersistDriver($0.near) }
            try await drivers[0].create(key: "k", value: "first", expires: .milliseconds(200))
            await #expect(throws: PersistError.duplicate) {
                try await drivers[1].create(key: "k", value: "second", expires: nil)
            }
            // A create that stores nothing still fails on a live value.
            await #expect(throws: PersistError.duplicate) {
                try await drivers[1].create(key: "k", value: "second", expires: .zero)
            }
            try await eventually("the first value expires") {
                try await drivers[1].get(key: "k", as: String.self) == nil
            }
            try await drivers[1].create(key: "k", value: "second", expires: nil)
            try await drivers[0].remove(key: "k")
            try await drivers[1].create(key: "k", value: "third", expires: nil)
            try await barrier(instances)
            #expect(try await drivers[0].get(key: "k", as: String.self) == "third")
        }
    }

    @Test func set_withoutExpires_keepsTheExpirySetOnAnotherInstance() async throws {
        try await withByteInstances(3) { instances in
            let drivers = instances.map { NearCachePersistDriver($0.near) }
            try await drivers[0].create(key: "session", value: ["user": "ada"], expires: .seconds(2))
            let expiry = try await sharedExpiry(of: "session", in: instances[0])
            try await drivers[1].set(key: "session", value: ["user": "grace"], expires: nil)
            #expect(try await sharedExpiry(of: "session", in: instances[0]) == expiry)
            try await barrier(instances)
            for driver in drivers {
                #expect(try await driver.get(key: "session", as: [String: String].self) == ["user": "grace"])
            }
            try await eventually("the session expires on every instance") {
                for driver in drivers where try await driver.get(key: "session", as: [String: String].self) != nil {
                    return false
                }
                return true
            }
            // With `expires`, a set sets the expiry.
            try await drivers[2].set(key: "session", value: ["user": "alan"], expires: .seconds(60))
            try await drivers[0].set(key: "session", value: ["user": "alan"], expires: nil)
            let kept = try #require(try await sharedExpiry(of: "session", in: instances[0]))
            #expect(kept > expiry ?? .max)
        }
    }

    @Test func aChangeOnOneInstance_isWhatTheOthersReadNext() async throws {
        try await withByteInstances(3) { instances in
            let drivers = instances.map { NearCachePersistDriver($0.near) }
            try await drivers[0].set(key: "k", value: 1, expires: nil)
            for driver in drivers { #expect(try await driver.get(key: "k", as: Int.self) == 1) }
            try await drivers[1].set(key: "k", value: 2, expires: nil)
            try await barrier(instances)
            for driver in drivers { #expect(try await driver.get(key: "k", as: Int.self) == 2) }
            try await drivers[2].remove(key: "k")
            try await barrier(instances)
            for driver in drivers { #expect(try await driver.get(key: "k", as: Int.self) == nil) }
        }
    }

    @Test func get_asAnotherType_throwsInvalidConversion() async throws {
        try await withByteInstances(2) { instances in
            let drivers = instances.map { NearCachePersistDriver($0.near) }
            try await drivers[0].set(key: "k", value: "text", expires: nil)
            await #expect(throws: PersistError.invalidConversion) {
                try await drivers[1].get(key: "k", as: Int.self)
            }
            #expect(try await drivers[1].get(key: "k", as: String.self) == "text")
        }
    }

    @Test func run_runsTheNearCachesListener() async throws {
        try await withByteInstances(2, listening: false) { instances in
            let driver = NearCachePersistDriver(instances[1].near)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await driver.run() }
                defer { group.cancelAll() }
                try await instances[1].waitUntilListening()
                try await driver.set(key: "k", value: 1, expires: nil)
                #expect(try await driver.get(key: "k", as: Int.self) == 1)
                try await NearCachePersistDriver(instances[0].near).set(key: "k", value: 2, expires: nil)
                try await eventually("the listener drops the old copy") {
                    !instances[1].local.containsQuietly("k")
                }
                #expect(try await driver.get(key: "k", as: Int.self) == 2)
            }
        }
    }
}
#endif
