#if Hummingbird && Postgres
import Foundation
import Hummingbird
import TheinePostgres

/// A Hummingbird `PersistDriver` backed by a ``/TheinePostgres/NearCache``: sessions and other
/// persisted values that every instance of the app sees, served from each instance's local level.
///
/// ```swift
/// let client = PostgresClient(configuration: configuration)
/// let persist = try NearCachePersistDriver(
///     NearCache(name: "persist", local: Cache(capacity: 10_000), client: client,
///               key: { $0 }, codec: BytesNearCacheCodec()))
/// let app = Application(router: router, services: [client, persist])
/// ```
///
/// It keeps `PersistDriver`'s contract across instances: ``create(key:value:expires:)`` throws
/// `PersistError.duplicate` for a key that holds a live value on any instance (the shared level
/// decides, atomically: of concurrent creates of one key on several instances, exactly one
/// succeeds); ``set(key:value:expires:)`` without `expires` keeps the expiry of the value it
/// replaces, whichever instance stored it; ``get(key:as:)`` returns `nil` for a missing or expired
/// key and throws `PersistError.invalidConversion` for a value stored as another type.
///
/// Values travel as JSON (each read decodes the local copy). The driver is the near cache's
/// service: add the driver to the app's services and not the near cache (its ``run()`` runs the
/// near cache's listener); the client runs beside it.
public struct NearCachePersistDriver: PersistDriver {
    /// The near cache that holds the values, as JSON bytes: for its statistics
    /// (``/TheinePostgres/NearCache/stats()``).
    public let nearCache: NearCache<String, [UInt8]>

    /// Creates a driver over `nearCache`, which must keep its values in PostgreSQL
    /// (`sharedStore`): `create`'s check and `set`'s kept expiry are the shared level's.
    public init(_ nearCache: NearCache<String, [UInt8]>) {
        precondition(nearCache.sharedStore, "nearCache.sharedStore must be true for a persist driver: false")
        self.nearCache = nearCache
    }

    /// Stores `value` for `key` if no instance holds a live value for it, to expire after
    /// `expires`. An `expires` of zero or less stores nothing, but still fails on a key that holds
    /// a live value.
    ///
    /// - Throws: `PersistError.duplicate` if `key` holds a live value; the near cache's error if
    ///   PostgreSQL fails.
    public func create(key: String, value: some Codable & Sendable, expires: Duration?) async throws {
        let bytes = try Array(JSONEncoder().encode(value))
        if let expires, expires <= .zero {
            guard try await nearCache.get(key) == nil else { throw PersistError.duplicate }
            return
        }
        guard try await nearCache.setIfAbsent(key, bytes, ttl: expires) else { throw PersistError.duplicate }
    }

    /// Stores `value` for `key` on every instance, replacing any value, to expire after `expires`;
    /// without `expires`, with the expiry of the live value it replaces (none if none).
    public func set(key: String, value: some Codable & Sendable, expires: Duration?) async throws {
        let bytes = try Array(JSONEncoder().encode(value))
        if let expires {
            try await nearCache.set(key, bytes, ttl: expires)
        } else {
            try await nearCache.setKeepingExpiry(key, bytes)
        }
    }

    /// The value stored for `key`; `nil` if there is none or it has expired.
    ///
    /// - Throws: `PersistError.invalidConversion` if the value does not decode as an `Object`.
    public func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        guard let bytes = try await nearCache.get(key) else { return nil }
        do {
            return try JSONDecoder().decode(Object.self, from: Data(bytes))
        } catch {
            throw PersistError.invalidConversion
        }
    }

    /// Removes the value stored for `key` on every instance, if any.
    public func remove(key: String) async throws {
        try await nearCache.remove(key)
    }

    /// Runs the near cache's listener (``/TheinePostgres/NearCache/run()``) until the service group
    /// shuts down.
    public func run() async throws {
        try await nearCache.run()
    }
}
#endif
