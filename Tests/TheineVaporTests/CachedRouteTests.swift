#if Vapor
import Testing
import Theine
import TheineVapor
import Vapor
import VaporTesting

/// A real Vapor application whose route caches a slow computation in `req.cache`, driven over HTTP
/// through VaporTesting: hits, expiry and eviction seen in the responses.
struct CachedRouteTests {
    /// Squares numbers slowly, and counts how often it had to.
    actor SlowSquarer {
        private(set) var computations = 0

        func square(_ number: Int) async throws -> Int {
            computations += 1
            try await Task.sleep(for: .milliseconds(20))
            return number * number
        }
    }

    /// The application: `GET /square/:n` answers n², from the cache (`X-Cache: hit`) or computed
    /// and cached for a minute (`X-Cache: miss`), in a Theine cache of two entries under LRU.
    static func configure(_ app: Application, clock: ManualCacheClock, squarer: SlowSquarer) throws {
        try app.caches.use(.theine(capacity: 2, policy: .lru, clock: clock))
        app.get("square", ":n") { request async throws -> Response in
            let number = try request.parameters.require("n", as: Int.self)
            let key = "square:\(number)"
            if let square = try await request.cache.get(key, as: Int.self) {
                return Response(status: .ok, headers: ["X-Cache": "hit"], body: .init(string: String(square)))
            }
            let square = try await squarer.square(number)
            try await request.cache.set(key, to: square, expiresIn: .minutes(1))
            return Response(status: .ok, headers: ["X-Cache": "miss"], body: .init(string: String(square)))
        }
    }

    /// Requests `/square/number` and checks the answer and where it came from.
    static func expectSquare(
        of number: Int,
        from source: String,
        in app: Application,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await app.testing().test(.GET, "square/\(number)") { response in
            #expect(response.status == .ok, sourceLocation: sourceLocation)
            #expect(response.body.string == String(number * number), sourceLocation: sourceLocation)
            #expect(response.headers.first(name: "X-Cache") == source, sourceLocation: sourceLocation)
        }
    }

    @Test func square_requestedTwice_isComputedOnceThenHit() async throws {
        let (clock, squarer) = (ManualCacheClock(), SlowSquarer())
        try await withApp(configure: { try Self.configure($0, clock: clock, squarer: squarer) }) { app in
            try await Self.expectSquare(of: 7, from: "miss", in: app)
            try await Self.expectSquare(of: 7, from: "hit", in: app)
            try await Self.expectSquare(of: 7, from: "hit", in: app)
            #expect(await squarer.computations == 1)
        }
    }

    @Test func square_afterItsMinute_isComputedAgain() async throws {
        let (clock, squarer) = (ManualCacheClock(), SlowSquarer())
        try await withApp(configure: { try Self.configure($0, clock: clock, squarer: squarer) }) { app in
            try await Self.expectSquare(of: 3, from: "miss", in: app)
            clock.advance(by: .seconds(59))
            try await Self.expectSquare(of: 3, from: "hit", in: app)
            clock.advance(by: .seconds(1))
            try await Self.expectSquare(of: 3, from: "miss", in: app)
            #expect(await squarer.computations == 2)
        }
    }

    @Test func square_leastRecentlyUsed_isEvictedByAThirdNumber() async throws {
        let (clock, squarer) = (ManualCacheClock(), SlowSquarer())
        try await withApp(configure: { try Self.configure($0, clock: clock, squarer: squarer) }) { app in
            try await Self.expectSquare(of: 1, from: "miss", in: app)
            try await Self.expectSquare(of: 2, from: "miss", in: app)
            try await Self.expectSquare(of: 1, from: "hit", in: app)  // 2 is now the least recent
            try await Self.expectSquare(of: 3, from: "miss", in: app)  // evicts 2
            try await Self.expectSquare(of: 1, from: "hit", in: app)
            try await Self.expectSquare(of: 3, from: "hit", in: app)
            try await Self.expectSquare(of: 2, from: "miss", in: app)
            #expect(await squarer.computations == 4)
        }
    }
}
#endif
