#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Theine
import TheineHummingbird

/// The scenarios of Hummingbird's own `PersistTests` (which `MemoryPersistDriver` passes), run
/// against `TheinePersistDriver` through the same router and `app.test(.router)`, on a manual clock
/// instead of sleeping; then what those tests leave out.
struct TheinePersistDriverTests {
    /// The router of Hummingbird's `PersistTests`, over any persist driver.
    static func makeRouter(persist: some PersistDriver) -> Router<BasicRequestContext> {
        let router = Router()
        router.put("/persist/:tag") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            try await persist.set(key: tag, value: String(buffer: buffer))
            return .ok
        }
        router.put("/persist/:tag/:time") { request, context -> HTTPResponse.Status in
            guard let time = context.parameters.get("time", as: Int.self) else { throw HTTPError(.badRequest) }
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            try await persist.set(key: tag, value: String(buffer: buffer), expires: .seconds(time))
            return .ok
        }
        router.put("/create/:tag") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            do {
                try await persist.create(key: tag, value: String(buffer: buffer))
            } catch let error as PersistError where error == .duplicate {
                throw HTTPError(.conflict)
            }
            return .ok
        }
        router.get("/persist/:tag") { _, context -> String? in
            let tag = try context.parameters.require("tag")
            return try await persist.get(key: tag, as: String.self)
        }
        router.get("/persist/:tag/ttl") { _, context -> String? in
            let tag = try context.parameters.require("tag")
            return try await persist.getWithTTL(key: tag, as: String.self)?.ttl.map { String($0.components.seconds) }
        }
        router.delete("/persist/:tag") { _, context -> HTTPResponse.Status in
            let tag = try context.parameters.require("tag")
            try await persist.remove(key: tag)
            return .noContent
        }
        return router
    }

    static func body(_ string: String) -> ByteBuffer {
        ByteBuffer(string: string)
    }

    @Test func setGet() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag", method: .put, body: Self.body("Persist"))
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test func createGet() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/create/tag", method: .put, body: Self.body("Persist"))
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test func create_twice_failsWithDuplicate() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/create/tag", method: .put, body: Self.body("Persist")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/create/tag", method: .put, body: Self.body("Persist")) { response in
                #expect(response.status == .conflict)
            }
        }
    }

    @Test func set_twice_keepsTheSecond() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag", method: .put, body: Self.body("test1"))
            try await client.execute(uri: "/persist/tag", method: .put, body: Self.body("test2")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(String(buffer: response.body) == "test2")
            }
        }
    }

    @Test func set_expiring_isGoneAfterItsTime() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, clock: clock)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag1/0", method: .put, body: Self.body("ThisIsTest1"))
            try await client.execute(uri: "/persist/tag2/10", method: .put, body: Self.body("ThisIsTest2"))
            clock.advance(by: .seconds(1))
            try await client.execute(uri: "/persist/tag1", method: .get) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/persist/tag2", method: .get) { response in
                #expect(String(buffer: response.body) == "ThisIsTest2")
            }
            clock.advance(by: .seconds(9))
            try await client.execute(uri: "/persist/tag2", method: .get) { response in
                #expect(response.status == .noContent)
            }
        }
    }

    @Test func getWithTTL_returnsTheTimeLeft() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, clock: clock)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag/10", method: .put, body: Self.body("ThisIsTest2"))
            clock.advance(by: .seconds(3))
            try await client.execute(uri: "/persist/tag/ttl", method: .get) { response in
                #expect(String(buffer: response.body) == "7")
            }
        }
    }

    @Test func getWithTTL_withoutExpiry_returnsNoTTL() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        try await persist.set(key: "tag", value: "value")
        let found = try #require(try await persist.getWithTTL(key: "tag", as: String.self))
        #expect(found.object == "value")
        #expect(found.ttl == nil)
    }

    @Test func codable_roundTrips() async throws {
        struct TestCodable: Codable {
            let buffer: String
        }
        let persist = try TheinePersistDriver(capacity: 100)
        let router = Self.makeRouter(persist: persist)
        router.put("/codable/:tag") { request, context -> HTTPResponse.Status in
            let tag = try context.parameters.require("tag")
            let buffer = try await request.body.collect(upTo: .max)
            try await persist.set(key: tag, value: TestCodable(buffer: String(buffer: buffer)))
            return .ok
        }
        router.get("/codable/:tag") { _, context -> String? in
            let tag = try context.parameters.require("tag")
            return try await persist.get(key: tag, as: TestCodable.self)?.buffer
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/codable/tag", method: .put, body: Self.body("Persist"))
            try await client.execute(uri: "/codable/tag", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test func get_asAnotherType_failsWithInvalidConversion() async throws {
        struct TestCodable: Codable {
            let buffer: String
        }
        let persist = try TheinePersistDriver(capacity: 100)
        let router = Router()
        router.put("/invalid") { _, _ -> HTTPResponse.Status in
            try await persist.set(key: "test", value: TestCodable(buffer: "hello"))
            return .ok
        }
        router.get("/invalid") { _, _ -> String? in
            do {
                return try await persist.get(key: "test", as: String.self)
            } catch let error as PersistError where error == .invalidConversion {
                throw HTTPError(.badRequest)
            }
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/invalid", method: .put)
            try await client.execute(uri: "/invalid", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func remove_leavesNothing() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag", method: .put, body: Self.body("ThisIsTest1"))
            try await client.execute(uri: "/persist/tag", method: .delete)
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(response.status == .noContent)
            }
        }
    }

    @Test func set_afterExpiry_storesAgain() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, clock: clock)
        let app = Application(router: Self.makeRouter(persist: persist))
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag/0", method: .put, body: Self.body("ThisIsTest1"))
            clock.advance(by: .seconds(1))
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/persist/tag/10", method: .put, body: Self.body("ThisIsTest1")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ThisIsTest1")
            }
        }
    }

    /// Hummingbird's `testTidy`: the driver runs as one of the application's services, and closes
    /// its cache when they shut down.
    @Test func runAsService_keepsUnexpiredValuesAndClosesOnShutdown() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let app = Application(router: Self.makeRouter(persist: persist), services: [persist])
        try await app.test(.router) { client in
            try await client.execute(uri: "/persist/tag/10", method: .put, body: Self.body("NotExpired"))
            try await Task.sleep(for: .milliseconds(20))
            try await client.execute(uri: "/persist/tag", method: .get) { response in
                #expect(String(buffer: response.body) == "NotExpired")
            }
        }
        #expect(persist.cache.isClosed)
    }

    @Test func set_withoutExpires_keepsTheExistingExpiry() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, clock: clock)
        try await persist.set(key: "tag", value: "first", expires: .seconds(10))
        clock.advance(by: .seconds(4))
        try await persist.set(key: "tag", value: "second")
        #expect(try await persist.getWithTTL(key: "tag", as: String.self)?.ttl == .seconds(6))
        clock.advance(by: .seconds(6))
        #expect(try await persist.get(key: "tag", as: String.self) == nil)
    }

    @Test func expireAfterAccess_readsRenewAValue_andGetWithTTLReturnsTheSlidingTimeLeft() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, expireAfterAccess: .seconds(30), clock: clock)
        try await persist.set(key: "session", value: "alice", expires: nil)
        try await persist.set(key: "token", value: "bob", expires: .seconds(40))
        try await persist.set(key: "idle", value: "carol", expires: nil)
        clock.advance(by: .seconds(20))
        #expect(try await persist.getWithTTL(key: "session", as: String.self)?.ttl == .seconds(30))
        #expect(try await persist.getWithTTL(key: "token", as: String.self)?.ttl == .seconds(20))
        clock.advance(by: .seconds(10))
        #expect(try await persist.get(key: "idle", as: String.self) == nil)
        #expect(try await persist.get(key: "session", as: String.self) == "alice")
        #expect(try await persist.getWithTTL(key: "token", as: String.self)?.ttl == .seconds(10))
        clock.advance(by: .seconds(10))
        #expect(try await persist.get(key: "token", as: String.self) == nil)
        #expect(throws: CacheError.invalidExpireAfterAccess(.zero)) {
            try TheinePersistDriver(capacity: 100, expireAfterAccess: .zero)
        }
    }

    @Test func create_onAnExpiredKey_succeeds() async throws {
        let clock = ManualCacheClock()
        let persist = try TheinePersistDriver(capacity: 100, clock: clock)
        try await persist.create(key: "tag", value: "first", expires: .seconds(1))
        clock.advance(by: .seconds(1))
        try await persist.create(key: "tag", value: "second")
        #expect(try await persist.get(key: "tag", as: String.self) == "second")
    }

    @Test func create_expiringAtOnce_storesNothingButFailsOnALiveKey() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        try await persist.create(key: "new", value: "value", expires: .zero)
        #expect(try await persist.get(key: "new", as: String.self) == nil)
        try await persist.create(key: "live", value: "value")
        await #expect(throws: PersistError.duplicate) {
            try await persist.create(key: "live", value: "other", expires: .zero)
        }
    }

    @Test func create_concurrently_exactlyOneSucceeds() async throws {
        let persist = try TheinePersistDriver(capacity: 100)
        let successes = await withTaskGroup(of: Bool.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    do {
                        try await persist.create(key: "contended", value: writer)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 1)
    }

    @Test func init_capacityOutOfRange_throws() {
        #expect(throws: CacheError.invalidCapacity(0)) { try TheinePersistDriver(capacity: 0) }
    }

    @Test func init_shardCount_reachesTheCache_andOutOfRangeThrows() throws {
        #expect(try TheinePersistDriver(capacity: 1_000, shardCount: 4).cache.shardCount == 4)
        #expect(try TheinePersistDriver(capacity: 1_000).cache.shardCount == 1)
        #expect(throws: CacheError.invalidShardCount(2_000)) {
            try TheinePersistDriver(capacity: 1_000, shardCount: 2_000)
        }
    }

    @Test func init_maximumWeight_boundsTheValuesWeight() async throws {
        #expect(throws: CacheError.invalidMaximumWeight(-1)) {
            try TheinePersistDriver(maximumWeight: -1) { _, _ in 1 }
        }
        let persist = try TheinePersistDriver(
            maximumWeight: 100,
            weigher: { key, value in key.utf8.count + ((value as? String)?.utf8.count ?? 0) },
            policy: .lru
        )
        #expect(persist.cache.maximumWeight == 100)
        for key in ["a", "b", "c", "d"] {
            try await persist.set(key: key, value: String(repeating: "x", count: 29))  // weighs 30
        }
        #expect(persist.cache.totalWeight == 90)
        #expect(try await persist.get(key: "a", as: String.self) == nil)
        #expect(persist.cache.stats().evictionWeight == 30)
        // Heavier than the whole budget: the create succeeds, and nothing is kept.
        try await persist.create(key: "big", value: String(repeating: "x", count: 100))
        #expect(try await persist.get(key: "big", as: String.self) == nil)
        #expect(try await persist.get(key: "d", as: String.self) != nil)
    }

    @Test func set_beyondCapacity_evicts() async throws {
        let persist = try TheinePersistDriver(capacity: 2, policy: .lru)
        for key in ["a", "b", "c"] {
            try await persist.set(key: key, value: key)
        }
        #expect(persist.cache.count == 2)
        #expect(try await persist.get(key: "a", as: String.self) == nil)
        #expect(persist.cache.stats().evictionCount == 1)
    }
}
#endif
