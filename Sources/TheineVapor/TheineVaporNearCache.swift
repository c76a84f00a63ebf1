#if Vapor && Postgres
import Foundation
import Synchronization
import TheinePostgres
import Vapor

/// A Vapor `Cache` backed by a ``/TheinePostgres/NearCache``: what
/// `app.caches.use(.theine(nearCache:))` installs, for an app that runs as several instances.
///
/// ```swift
/// let client = PostgresClient(configuration: configuration)           // run it, as the app's other uses do
/// let shared = try NearCache<String, [UInt8]>(
///     name: "vapor", local: Theine.Cache(capacity: 10_000), client: client,
///     key: { $0 }, codec: BytesNearCacheCodec())
/// app.caches.use(.theine(nearCache: shared))
/// ```
///
/// A value set on one instance is what every instance reads next: the others drop their local
/// copy when the write commits (the near cache's rules). Values travel as JSON, as Vapor's Redis
/// cache stores them: each read decodes the local copy's JSON into the type asked for, and a value
/// that does not decode as that type throws the `DecodingError`.
///
/// Every call is one call of the near cache (a local hit, or a query); the futures complete on
/// the cache's event loop.
public struct TheineVaporNearCache: Vapor.Cache, Sendable {
    /// The near cache that holds the entries, values as JSON bytes: for its statistics
    /// (``/TheinePostgres/NearCache/stats()``) or a ``/TheinePostgres/NearCache/removeAll()``.
    public let nearCache: NearCache<String, [UInt8]>

    /// The event loop the returned futures complete on.
    public let eventLoop: any EventLoop

    /// Creates a Vapor cache over `nearCache` whose futures complete on `eventLoop`.
    public init(nearCache: NearCache<String, [UInt8]>, on eventLoop: any EventLoop) {
        self.nearCache = nearCache
        self.eventLoop = eventLoop
    }

    /// The value stored for `key` by any instance, as a `T`; `nil` if there is none or it has
    /// expired.
    ///
    /// The future fails with a `DecodingError` when the stored JSON does not decode as `T`, and
    /// with the near cache's error when PostgreSQL fails.
    public func get<T>(_ key: String, as type: T.Type) -> EventLoopFuture<T?> where T: Decodable & Sendable {
        eventLoop.makeFutureWithTask {
            guard let bytes = try await nearCache.get(key) else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        }
    }

    /// Stores `value` for `key` with no expiry, replacing any value stored for it; `nil` removes it.
    public func set<T>(_ key: String, to value: T?) -> EventLoopFuture<Void> where T: Encodable & Sendable {
        set(key, to: value, expiresIn: nil)
    }

    /// Stores `value` for `key` to live for `expirationTime` (`nil`: no expiry), replacing any
    /// value stored for it on every instance; `nil` removes it. An expiration time of zero or less
    /// removes `key`'s entry; one too long to count in seconds never expires.
    public func set<T>(
        _ key: String,
        to value: T?,
        expiresIn expirationTime: CacheExpirationTime?
    ) -> EventLoopFuture<Void> where T: Encodable & Sendable {
        eventLoop.makeFutureWithTask {
            guard let value else { return try await nearCache.remove(key) }
            try await nearCache.set(key, Array(JSONEncoder().encode(value)), ttl: expirationTime?.timeToLive)
        }
    }

    /// The same cache, completing its futures on `request`'s event loop.
    public func `for`(_ request: Request) -> TheineVaporNearCache {
        TheineVaporNearCache(nearCache: nearCache, on: request.eventLoop)
    }
}

extension Application.Caches.Provider {
    /// A cache shared by every instance of the app through `nearCache`
    /// (``TheineVaporNearCache``), which listens for the other instances' changes from the
    /// application's boot to its shutdown.
    ///
    /// The near cache's `PostgresClient` must run meanwhile (`client.run()`, as for the app's
    /// other uses of it). Do not also run the near cache yourself: one listener an instance.
    public static func theine(nearCache: NearCache<String, [UInt8]>) -> Self {
        .init { application in
            application.caches.use { application in
                TheineVaporNearCache(nearCache: nearCache, on: application.eventLoopGroup.next())
            }
            application.lifecycle.use(NearCacheListener(nearCache: nearCache))
        }
    }
}

/// Runs a near cache's listener from the application's boot to its shutdown.
final class NearCacheListener: LifecycleHandler {
    private let nearCache: NearCache<String, [UInt8]>
    private let listener = Mutex<Task<Void, Never>?>(nil)

    init(nearCache: NearCache<String, [UInt8]>) {
        self.nearCache = nearCache
    }

    func didBoot(_ application: Application) throws {
        let task = Task { [nearCache] in
            do {
                try await nearCache.run()
            } catch {
                application.logger.error("near cache \(nearCache.name) stopped: \(String(reflecting: error))")
            }
        }
        listener.withLock { $0 = task }
    }

    func shutdown(_ application: Application) {
        listener.withLock { $0 }?.cancel()
    }

    func shutdownAsync(_ application: Application) async {
        let task = listener.withLock { $0 }
        task?.cancel()
        await task?.value
    }
}
#endif
