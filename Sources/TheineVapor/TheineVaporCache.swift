#if Vapor
import Foundation
import Theine
import Vapor

/// A Vapor `Cache` backed by a bounded, expiring Theine cache: what `app.caches.use(.theine(...))`
/// installs.
///
/// ```swift
/// try app.caches.use(.theine(capacity: 10_000))
///
/// app.get("users", ":id") { req async throws -> User in
///     let id = try req.parameters.require("id")
///     if let user = try await req.cache.get(id, as: User.self) { return user }
///     let user = try await loadUser(id, on: req.db)
///     try await req.cache.set(id, to: user, expiresIn: .minutes(5))
///     return user
/// }
/// ```
///
/// Unlike Vapor's memory cache, it never holds more than its capacity (the eviction policy picks
/// what leaves), and expired entries leave in the background even if nobody reads them.
///
/// Values are stored as they are, not encoded, as Vapor's memory cache stores them. A value read
/// back as the type it was stored as is returned at once; read as another `Decodable` type, it is
/// converted through JSON, as a cache that serializes its values would convert it, and a value that
/// does not convert throws the `DecodingError` (Vapor's memory cache returns `nil` there).
///
/// Every call does its work at once on the caller's thread (O(1), besides a JSON conversion); the
/// futures it returns are already completed, on the cache's event loop. The async forms (`get(_:as:) async throws`, …) are
/// Vapor's, over these.
public struct TheineVaporCache: Vapor.Cache, Sendable {
    /// The Theine cache that holds the entries: keys are the Vapor cache's keys, values are stored
    /// as they were given.
    public typealias Storage = Theine.Cache<String, any Encodable & Sendable>

    /// The Theine cache that holds the entries, shared by every `TheineVaporCache` made from it: for
    /// its statistics (`Cache.stats()`, `TheineMetrics`), its `Cache.count` or
    /// `Cache.removeAll()`.
    public let storage: Storage

    /// The event loop the returned futures complete on.
    public let eventLoop: any EventLoop

    /// Creates a Vapor cache over `storage` whose futures complete on `eventLoop`.
    ///
    /// Several `TheineVaporCache`s over one storage (one per request, say) share its entries.
    public init(storage: Storage, on eventLoop: any EventLoop) {
        self.storage = storage
        self.eventLoop = eventLoop
    }

    /// The value stored for `key`, as a `T`; `nil` if there is none or it has expired.
    ///
    /// The future fails with a `DecodingError` (or an `EncodingError`) when the value was stored as
    /// another type and does not convert to `T` through JSON.
    ///
    /// - Complexity: O(1) for a value stored as `T`; a JSON round trip otherwise.
    public func get<T>(_ key: String, as type: T.Type) -> EventLoopFuture<T?> where T: Decodable & Sendable {
        eventLoop.makeCompletedFuture { try value(for: key, as: type) }
    }

    /// Stores `value` for `key` with no expiry, replacing any value stored for it; `nil` removes it.
    ///
    /// - Complexity: amortized O(1); a new key may evict another entry.
    public func set<T>(_ key: String, to value: T?) -> EventLoopFuture<Void> where T: Encodable & Sendable {
        set(key, to: value, expiresIn: nil)
    }

    /// Stores `value` for `key` to live for `expirationTime`, replacing any value stored for it;
    /// `nil` removes it.
    ///
    /// An expiration time of zero or less stores nothing and removes `key`'s entry; one too long to
    /// count in seconds (`.days(.max)`) never expires. With `expirationTime` `nil` the entry does not
    /// expire.
    ///
    /// - Complexity: amortized O(1); a new key may evict another entry.
    public func set<T>(
        _ key: String,
        to value: T?,
        expiresIn expirationTime: CacheExpirationTime?
    ) -> EventLoopFuture<Void> where T: Encodable & Sendable {
        if let value {
            storage.set(key, value, ttl: expirationTime?.timeToLive)
        } else {
            storage.remove(key)
        }
        return eventLoop.makeSucceededVoidFuture()
    }

    /// The same cache, completing its futures on `request`'s event loop.
    public func `for`(_ request: Request) -> TheineVaporCache {
        TheineVaporCache(storage: storage, on: request.eventLoop)
    }

    /// The value for `key` as a `T`, converted through JSON when it was stored as another type.
    private func value<T: Decodable>(for key: String, as type: T.Type) throws -> T? {
        guard let stored = storage.get(key) else { return nil }
        if let value = stored as? T { return value }
        return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(stored))
    }
}
#endif
