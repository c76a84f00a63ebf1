// Stand-ins for what the README's and the articles' examples take as given (a `User`, a
// `database`, an `app`), so that scripts/snippets can type-check every example. Type-checked
// only, never run: each value is `given()`.
@_exported import Foundation
@_exported import Hummingbird
@_exported import Logging
@_exported import PostgresNIO
@_exported import ServiceLifecycle
@_exported import Theine
@_exported import TheineHummingbird
@_exported import TheineMacros
@_exported import TheineMetrics
@_exported import TheinePostgres
@_exported import TheineVapor
import Vapor

/// A value an example takes as given; never evaluated.
public func given<T>() -> T { fatalError("a stand-in for the examples: never run") }

// MARK: The app's types

public struct User: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String
}
public struct Session: Codable, Sendable {
    public var userID: Int
}
public struct Page: Sendable {}
public struct Block: Sendable {}
public struct Statement: Sendable {}
public struct Profile: Sendable {}
public struct Rates: Sendable {}
public struct Item: Sendable {
    public var isStale: Bool
}
public struct Money: Sendable {
    public static let zero = Money()
}
public struct Payment: Sendable {}
public final class Connection: Sendable {
    public func close() {}
}
public final class EventCounter: Sendable {
    public func increment() {}
}
public struct Settings: Sendable {
    public var policy: String
    public var size: Int
    public var shards: Int?
    public var cacheSize: Int
    public var cacheBytes: Int
}

// MARK: The app's services

public struct Database: Sendable {
    public func user(_ id: Int) async throws -> User { given() }
    public func user(_ id: Int, in region: String) async throws -> User { given() }
    public func user(named name: String) async throws -> User { given() }
    public func users(ids: [Int]) async throws -> [Int: User] { given() }
}
public struct Catalog: Sendable {
    public func price(_ sku: String) async throws -> Int { given() }
    public func price(_ sku: String, _ region: String) async throws -> Int { given() }
}
public struct Exchange: Sendable {
    public func rates(_ currency: String) async throws -> Rates { given() }
}
public struct Bank: Sendable {
    public func rate(_ currency: String) async throws -> Double { given() }
}
public struct ProfileService: Sendable {
    public func fetch(_ id: Int) async throws -> Profile { given() }
}
public struct Store: Sendable {
    public func read(_ name: String) throws -> Data { given() }
}
public struct AvatarStorage: Sendable {
    public func avatar(_ id: Int) async throws -> Data { given() }
}
public struct Ledger: Sendable {
    public func statement(of account: Int, month: Int) throws -> Statement { given() }
}
public func render(_ url: URL) throws -> Page { given() }
public func render(_ urls: [URL]) throws -> [URL: Page] { given() }
public func loadUser(_ id: String) async throws -> User { given() }
public func apply(_ payments: [Payment], to balance: Money) async throws -> Money { given() }

public let database: Database = given()
public let catalog: Catalog = given()
public let exchange: Exchange = given()
public let bank: Bank = given()
public let profileService: ProfileService = given()
public let store: Store = given()
public let storage: AvatarStorage = given()
public let ledger: Ledger = given()
public let settings: Settings = given()
public let evictedConnections: EventCounter = given()

// MARK: Caches and values the examples use

public let users: Theine.Cache<Int, User> = given()
public let pages: Theine.Cache<URL, Page> = given()
public let sessions: Theine.Cache<String, Session> = given()
public let quotes: Theine.Cache<String, Rates> = given()
public let profiles: Theine.Cache<Int, Profile> = given()
public let flags: Theine.Cache<String, Data> = given()
public let limits: Theine.Cache<String, Int> = given()
public let balances: Theine.Cache<String, Money> = given()
public let cache: Theine.Cache<String, Item> = given()

public let alice: User = given()
public let bob: User = given()
public let user: User = given()
public let session: Session = given()
public let grant: Session = given()
public let token: String = given()
public let apiKey: String = given()
public let address: String = given()
public let account: String = given()
public let name: String = given()
public let id: Int = given()
public let ids: [Int] = given()
public let url: URL = given()
public let urls: [URL] = given()
public let pending: [Payment] = given()

// MARK: Server

public let app: Vapor.Application = given()
nonisolated(unsafe) public let router: Hummingbird.Router<BasicRequestContext> = given()
public let client: PostgresClient = given()
public let configuration: PostgresClient.Configuration = given()
public let logger: Logger = given()
public let shared: NearCache<String, [UInt8]> = given()

extension User: Content {}
