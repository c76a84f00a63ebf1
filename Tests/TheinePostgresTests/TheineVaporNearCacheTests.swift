#if Postgres && Vapor
import Foundation
import Testing
import Theine
@testable import TheinePostgres
import TheineVapor
import Vapor

/// `TheineVaporNearCache` and `.theine(nearCache:)`: Vapor's `Cache` shared by three instances.
@Suite(.enabled(if: PostgresServer.isAvailable, "no PostgreSQL server: run `eval \"$(scripts/postgres start)\"`"))
struct TheineVaporNearCacheTests {
    @Test func aValueSetOnOneInstance_isWhatEveryInstanceReadsNext() async throws {
        try await withVaporCaches(3) { instances, caches in
            try await caches[0].set("user", to: ["name": "ada"])
            for cache in caches { #expect(try await cache.get("user", as: [String: String].self) == ["name": "ada"]) }
            try await caches[1].set("user", to: ["name": "grace"])
            try await barrier(instances)
            for cache in caches {
                #expect(try await cache.get("user", as: [String: String].self) == ["name": "grace"])
            }
            try await caches[2].set("user", to: [String: String]?.none)
            try await barrier(instances)
            for cache in caches { #expect(try await cache.get("user", as: [String: String].self) == nil) }
        }
    }

    @Test func expiresIn_endsTheValueOnEveryInstance_andZeroRemovesIt() async throws {
        try await withVaporCaches(2) { instances, caches in
            try await caches[0].set("k", to: 1, expiresIn: .seconds(1))
            #expect(try await caches[1].get("k", as: Int.self) == 1)
            try await eventually("the value expires everywhere") {
                for cache in caches where try await cache.get("k", as: Int.self) != nil { return false }
                return true
            }
            try await caches[0].set("k", to: 2)
            #expect(try await sharedExpiry(of: "k", in: instances[0]) == nil)
            try await caches[1].set("k", to: 3, expiresIn: .seconds(0))
            try await barrier(instances)
            for cache in caches { #expect(try await cache.get("k", as: Int.self) == nil) }
        }
    }

    @Test func get_asAnotherType_throwsTheDecodingError() async throws {
        try await withVaporCaches(1) { _, caches in
            try await caches[0].set("k", to: "text")
            await #expect(throws: DecodingError.self) { try await caches[0].get("k", as: Int.self) }
            #expect(try await caches[0].get("k", as: String.self) == "text")
        }
    }

    @Test func theProvider_installsTheCache_andListensFromBootToShutdown() async throws {
        try await withByteInstances(2, listening: false) { instances in
            let near = instances[1].near
            let app = try await Application.make(.testing)
            do {
                app.caches.use(.theine(nearCache: near))
                #expect(app.cache is TheineVaporNearCache)
                #expect(!near.coherence.isListening)
                try await app.asyncBoot()
                try await instances[1].waitUntilListening()
                try await app.cache.set("k", to: 1)
                #expect(try await app.cache.get("k", as: Int.self) == 1)
                let other = TheineVaporNearCache(nearCache: instances[0].near, on: app.eventLoopGroup.next())
                try await other.set("k", to: 2)
                try await eventually("the listener drops the old copy") { !instances[1].local.containsQuietly("k") }
                #expect(try await app.cache.get("k", as: Int.self) == 2)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            #expect(!near.coherence.isListening)
        }
    }

    /// Runs `body` with `count` listening instances and a Vapor cache over each one's near cache.
    private func withVaporCaches(
        _ count: Int,
        _ body: ([Instance<[UInt8]>], [TheineVaporNearCache]) async throws -> Void
    ) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        try await withByteInstances(count) { instances in
            try await body(instances, instances.map { TheineVaporNearCache(nearCache: $0.near, on: loop) })
        }
    }
}
#endif
