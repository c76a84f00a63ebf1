#if Postgres
import ArgumentParser
import Foundation
import PostgresNIO

/// The PostgreSQL server that the near cache's commands use: `scripts/postgres start`'s, on
/// 127.0.0.1 (user `theine`, database `postgres`, trust authentication).
enum BenchServer {
    /// `port`, or `$THEINE_PG_PORT` without it; a usage error without either.
    static func port(_ port: Int?) throws -> Int {
        guard let port = port ?? ProcessInfo.processInfo.environment["THEINE_PG_PORT"].flatMap(Int.init) else {
            throw ValidationError("give --port, or start a server: eval \"$(scripts/postgres start)\"")
        }
        return port
    }

    /// A client configuration for the server on `port`, of up to 20 connections.
    static func clientConfiguration(port: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1",
            port: port,
            username: "theine",
            password: nil,
            database: "postgres",
            tls: .disable
        )
        configuration.options.maximumConnections = 20
        return configuration
    }
}
#endif
