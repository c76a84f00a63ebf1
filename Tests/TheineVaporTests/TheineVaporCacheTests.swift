#if Vapor
import Foundation
import Testing
import Theine
import TheineVapor
import Vapor
import VaporTesting

/// The checks of Vapor's own memory-cache tests (`CacheTests`, `AsyncCacheTests`), run against
/// `.theine`, on a manual clock instead of sleeping; then what Vapor's tests leave out.
struct TheineVaporCacheTests {
    /// Vapor's `CacheTests.testInMemoryCache`, through the `EventLoopFuture` forms.
    @Test func futureForms_setGetExpireDelete_behaveAsMemoryCache() async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            try app.caches.use(.theine(capacity: 100, clock: clock))
            let cache = app.cache

            let missing: EventLoopFuture<String?> = cache.get("foo", as: String.self)
            #expect(try await missing.get() == nil)
            let set: EventLoopFuture<Void> = cache.set("foo", to: "bar")
            try await set.get()
            let found: EventLoopFuture<String?> = cache.get("foo")
            #expect(try await found.get() == "bar")

            let expiring: EventLoopFuture<Void> = cache.set("foo2", to: "bar2", expiresIn: .seconds(1))
            try await expiring.get()
            let beforeExpiry: EventLoopFuture<String?> = cache.get("foo2")
            #expect(try await beforeExpiry.get() == "bar2")
            clock.advance(by: .seconds(2))
            let afterExpiry: EventLoopFuture<String?> = cache.get("foo2", as: String.self)
            #expect(try await afterExpiry.get() == nil)

            let reset: EventLoopFuture<Void> = cache.set("foo3", to: "bar3")
            try await reset.get()
            let beforeDelete: EventLoopFuture<String?> = cache.get("foo3")
            #expect(try await beforeDelete.get() == "bar3")
            let delete: EventLoopFuture<Void> = cache.delete("foo3")
            try await delete.get()
            let afterDelete: EventLoopFuture<String?> = cache.get("foo3", as: String.self)
            #expect(try await afterDelete.get() == nil)
        }
    }

    /// Vapor's `AsyncCacheTests.testInMemoryCache`, through the async forms.
    @Test func asyncForms_setGetExpireDelete_behaveAsMemoryCache() async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            try app.caches.use(.theine(capacity: 100, clock: clock))

            #expect(try await app.cache.get("foo", as: String.self) == nil)
            try await app.cache.set("foo", to: "bar")
            let foo: String? = try await app.cache.get("foo")
            #expect(foo == "bar")

            try await app.cache.set("foo2", to: "bar2", expiresIn: .seconds(1))
            let foo2: String? = try await app.cache.get("foo2")
            #expect(foo2 == "bar2")
            clock.advance(by: .seconds(1))
            #expect(try await app.cache.get("foo2", as: String.self) == nil)

            try await app.cache.set("foo3", to: "bar3")
            let foo3: String? = try await app.cache.get("foo3")
            #expect(foo3 == "bar3")
            try await app.cache.delete("foo3")
            #expect(try await app.cache.get("foo3", as: String.self) == nil)
        }
    }

    @Test func use_capacityZero_throwsAtConfigurationAndKeepsTheMemoryCache() async throws {
        try await withApp { app in
            #expect(throws: CacheError.invalidCapacity(0)) { try app.caches.use(.theine(capacity: 0)) }
            #expect(throws: CacheError.invalidCapacity(-1)) { try app.caches.use(.theine(capacity: -1)) }
            #expect(!(app.cache is TheineVaporCache))
        }
    }

    @Test func use_shardCount_isValidatedAtConfiguration() async throws {
        try await withApp { app in
            #expect(throws: CacheError.invalidShardCount(0)) {
                try app.caches.use(.theine(capacity: 1_000, shardCount: 0))
            }
            #expect(!(app.cache is TheineVaporCache))
            try app.caches.use(.theine(capacity: 1_000, shardCount: 4))
            #expect((app.cache as? TheineVaporCache)?.storage.shardCount == 4)
            try await app.cache.set("answer", to: 42)
            #expect(try await app.cache.get("answer", as: Int.self) == 42)
        }
    }

    @Test func use_storage_sharesEntriesWithTheGivenCache() async throws {
        let storage = try TheineVaporCache.Storage(validatingCapacity: 10)
        try await withApp { app in
            app.caches.use(.theine(storage))
            try await app.cache.set("answer", to: 42)
            #expect(storage.get("answer") as? Int == 42)
            #expect(storage.stats().hitCount == 1)
        }
    }

    @Test func use_maximumWeight_boundsTheValuesWeight() async throws {
        try await withApp { app in
            #expect(throws: CacheError.invalidMaximumWeight(0)) {
                try app.caches.use(.theine(maximumWeight: 0) { _, _ in 1 })
            }
            try app.caches.use(
                .theine(maximumWeight: 100, weigher: { _, value in (value as? String)?.utf8.count ?? 1 }, policy: .lru)
            )
            let storage = try #require((app.cache as? TheineVaporCache)?.storage)
            #expect(storage.maximumWeight == 100)
            for key in 0..<10 {
                try await app.cache.set("k\(key)", to: String(repeating: "x", count: 30))
            }
            #expect(storage.count == 3)
            #expect(storage.totalWeight == 90)
            #expect(storage.stats().evictionWeight == 7 * 30)
            try await app.cache.set("answer", to: 42)  // not a String: weighs 1
            #expect(storage.totalWeight == 91)
            try await app.cache.set("huge", to: String(repeating: "x", count: 101))  // over the whole budget
            #expect(try await app.cache.get("huge", as: String.self) == nil)
            #expect(try await app.cache.get("k9", as: String.self) != nil)
        }
    }

    @Test func use_expireAfterAccess_endsIdleValues_andReadsRenewThem() async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            #expect(throws: CacheError.invalidExpireAfterAccess(.seconds(-1))) {
                try app.caches.use(.theine(capacity: 10, expireAfterAccess: .seconds(-1)))
            }
            try app.caches.use(.theine(capacity: 10, expireAfterAccess: .seconds(30), clock: clock))
            try await app.cache.set("read", to: "often")
            try await app.cache.set("idle", to: "never read")
            try await app.cache.set("short", to: "expiring", expiresIn: .seconds(40))
            for _ in 0..<3 {
                clock.advance(by: .seconds(20))
                #expect(try await app.cache.get("read", as: String.self) == "often")
                #expect(
                    try await app.cache.get("short", as: String.self) == (clock.now < .seconds(40) ? "expiring" : nil)
                )
            }
            #expect(try await app.cache.get("idle", as: String.self) == nil)
        }
    }

    @Test func set_nil_removesTheValue() async throws {
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10))
            try await app.cache.set("key", to: "value")
            try await app.cache.set("key", to: String?.none)
            #expect(try await app.cache.get("key", as: String.self) == nil)
        }
    }

    @Test func set_withoutExpiry_replacesAnEarlierExpiry() async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10, clock: clock))
            try await app.cache.set("key", to: "first", expiresIn: .seconds(1))
            try await app.cache.set("key", to: "second")
            clock.advance(by: .seconds(2))
            #expect(try await app.cache.get("key", as: String.self) == "second")
        }
    }

    @Test func get_codableStruct_returnsTheStoredValue() async throws {
        struct Profile: Codable, Equatable, Sendable {
            var name: String
            var visits: Int
        }
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10))
            try await app.cache.set("alice", to: Profile(name: "Alice", visits: 3))
            #expect(try await app.cache.get("alice", as: Profile.self) == Profile(name: "Alice", visits: 3))
        }
    }

    @Test func get_asAnotherConvertibleType_convertsThroughJSON() async throws {
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10))
            try await app.cache.set("number", to: 5)
            #expect(try await app.cache.get("number", as: Double.self) == 5)
        }
    }

    @Test func get_asAnInconvertibleType_throwsDecodingError() async throws {
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10))
            try await app.cache.set("word", to: "five")
            await #expect(throws: DecodingError.self) { try await app.cache.get("word", as: Int.self) }
            let future: EventLoopFuture<Int?> = app.cache.get("word", as: Int.self)
            await #expect(throws: DecodingError.self) { try await future.get() }
        }
    }

    @Test(arguments: [CacheExpirationTime.seconds(0), .seconds(-5), .days(.min)])
    func set_expiringAtOnce_storesNothing(expiration: CacheExpirationTime) async throws {
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10))
            try await app.cache.set("key", to: "old")
            try await app.cache.set("key", to: "new", expiresIn: expiration)
            #expect(try await app.cache.get("key", as: String.self) == nil)
        }
    }

    @Test func set_expiryTooLongToCount_neverExpires() async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10, clock: clock))
            try await app.cache.set("key", to: "value", expiresIn: .days(.max))
            clock.advance(by: .seconds(Int64(Int32.max) * 4))
            #expect(try await app.cache.get("key", as: String.self) == "value")
        }
    }

    @Test(arguments: [CacheExpirationTime.seconds(90), .minutes(2), .hours(3), .days(4)])
    func set_expiresIn_expiresAfterThatManySeconds(expiration: CacheExpirationTime) async throws {
        let clock = ManualCacheClock()
        try await withApp { app in
            try app.caches.use(.theine(capacity: 10, clock: clock))
            try await app.cache.set("key", to: "value", expiresIn: expiration)
            clock.advance(by: .seconds(expiration.seconds - 1))
            #expect(try await app.cache.get("key", as: String.self) == "value")
            clock.advance(by: .seconds(1))
            #expect(try await app.cache.get("key", as: String.self) == nil)
        }
    }
}
#endif
