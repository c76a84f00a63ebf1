#if Hummingbird
import Hummingbird
import HummingbirdTesting
import Testing
import Theine
import TheineHummingbird

/// A real Hummingbird application whose route caches a slow computation in a
/// `TheinePersistDriver`, driven through HummingbirdTesting's `.router`: hits, expiry and eviction
/// seen in the responses.
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

    static let cacheHeader = HTTPFields.Key("X-Cache")!

    /// The application: `GET /square/:n` answers n², from the driver (`X-Cache: hit`) or computed
    /// and stored for a minute (`X-Cache: miss`), in a driver of two entries under LRU.
    static func makeApplication(clock: ManualCacheClock, squarer: SlowSquarer) throws -> some ApplicationProtocol {
        let persist = try TheinePersistDriver(capacity: 2, policy: .lru, clock: clock)
        let router = Router()
        router.get("/square/:n") { _, context -> Response in
            let number = try context.parameters.require("n", as: Int.self)
            let key = "square:\(number)"
            if let square = try await persist.get(key: key, as: Int.self) {
                return response(square, source: "hit")
            }
            let square = try await squarer.square(number)
            try await persist.set(key: key, value: square, expires: .seconds(60))
            return response(square, source: "miss")
        }
        return Application(router: router, services: [persist])
    }

    static func response(_ square: Int, source: String) -> Response {
        Response(
            status: .ok,
            headers: [cacheHeader: source],
            body: ResponseBody(byteBuffer: ByteBuffer(string: String(square)))
        )
    }

    /// Requests `/square/number` and checks the answer and where it came from.
    static func expectSquare(
        of number: Int,
        from source: String,
        with client: some TestClientProtocol,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await client.execute(uri: "/square/\(number)", method: .get) { response in
            #expect(response.status == .ok, sourceLocation: sourceLocation)
            #expect(String(buffer: response.body) == String(number * number), sourceLocation: sourceLocation)
            #expect(response.headers[cacheHeader] == source, sourceLocation: sourceLocation)
        }
    }

    @Test func square_requestedTwice_isComputedOnceThenHit() async throws {
        let squarer = SlowSquarer()
        let app = try Self.makeApplication(clock: ManualCacheClock(), squarer: squarer)
        try await app.test(.router) { client in
            try await Self.expectSquare(of: 7, from: "miss", with: client)
            try await Self.expectSquare(of: 7, from: "hit", with: client)
            try await Self.expectSquare(of: 7, from: "hit", with: client)
        }
        #expect(await squarer.computations == 1)
    }

    @Test func square_afterItsMinute_isComputedAgain() async throws {
        let (clock, squarer) = (ManualCacheClock(), SlowSquarer())
        let app = try Self.makeApplication(clock: clock, squarer: squarer)
        try await app.test(.router) { client in
            try await Self.expectSquare(of: 3, from: "miss", with: client)
            clock.advance(by: .seconds(59))
            try await Self.expectSquare(of: 3, from: "hit", with: client)
            clock.advance(by: .seconds(1))
            try await Self.expectSquare(of: 3, from: "miss", with: client)
        }
        #expect(await squarer.computations == 2)
    }

    @Test func square_leastRecentlyUsed_isEvictedByAThirdNumber() async throws {
        let squarer = SlowSquarer()
        let app = try Self.makeApplication(clock: ManualCacheClock(), squarer: squarer)
        try await app.test(.router) { client in
            try await Self.expectSquare(of: 1, from: "miss", with: client)
            try await Self.expectSquare(of: 2, from: "miss", with: client)
            try await Self.expectSquare(of: 1, from: "hit", with: client)  // 2 is now the least recent
            try await Self.expectSquare(of: 3, from: "miss", with: client)  // evicts 2
            try await Self.expectSquare(of: 1, from: "hit", with: client)
            try await Self.expectSquare(of: 3, from: "hit", with: client)
            try await Self.expectSquare(of: 2, from: "miss", with: client)
        }
        #expect(await squarer.computations == 4)
    }
}
#endif
