// swift-tools-version: 6.1
import CompilerPluginSupport
import PackageDescription

// Build settings shared by every target (applied in the loop at the end).
//
// THEINE_INTERNAL_CHECKS: compiles `checkInvariants()` into every mutation of the storage and the
// policies. Off by default (it makes every operation O(n)); CI runs the invariant tests once with it:
// `swift test -Xswiftc -DTHEINE_INTERNAL_CHECKS`.
//
// Trait "Macros" (off by default): the `@Memoized` macro (product TheineMacros) on swift-syntax. Only
// the trait brings swift-syntax in, so the core, default and sanitizer builds never fetch or build it;
// without the trait the macro targets compile to nothing (their sources are under `#if Macros`).
// `swift build --traits Macros`, or in a dependent package:
// `.package(url: ..., from: ..., traits: ["Macros"])`.
//
// Traits (SE-0450), all off by default, turn on the server integrations: "Vapor" (TheineVapor),
// "Hummingbird" (TheineHummingbird), "Metrics" (TheineMetrics), "Postgres" (TheinePostgres, the near
// cache kept coherent through PostgreSQL, on postgres-nio and swift-service-lifecycle). Their packages are trait-guarded, so
// a build without the trait neither fetches nor builds them, and the targets compile empty. An app
// asks for one with `.package(url: "…/theine-swift", from: "…", traits: ["Vapor"])`; here,
// `swift build --traits Vapor,Hummingbird,Metrics,Postgres` (scripts/test does, in .build-traits).
// Platforms: Linux, and every Apple platform from the release that has the `Synchronization`
// module (its `Atomic` is in every read and write), the oldest each can take. CI builds and tests on
// Linux only; the Apple platforms are built from the same code paths (`#if canImport(Darwin)`) but not
// run here.
let package = Package(
    name: "Theine",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "Theine", targets: ["Theine"]),
        .executable(name: "theine-sim", targets: ["TheineSim"]),
        .executable(name: "theine-bench", targets: ["TheineBench"]),
        .library(name: "TheineMacros", targets: ["TheineMacros"]),
        .library(name: "TheineVapor", targets: ["TheineVapor"]),
        .library(name: "TheineHummingbird", targets: ["TheineHummingbird"]),
        .library(name: "TheineMetrics", targets: ["TheineMetrics"]),
        .library(name: "TheinePostgres", targets: ["TheinePostgres"]),
    ],
    traits: [
        .trait(name: "Macros", description: "The @Memoized macro (product TheineMacros), built on swift-syntax."),
        .trait(name: "Vapor", description: "TheineVapor: a Vapor cache provider, `app.caches.use(.theine(...))`."),
        .trait(name: "Hummingbird", description: "TheineHummingbird: a Hummingbird `PersistDriver`."),
        .trait(name: "Metrics", description: "TheineMetrics: cache statistics exported through swift-metrics."),
        .trait(
            name: "Postgres",
            description: "TheinePostgres: a near cache kept coherent across app instances through PostgreSQL."
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only with the trait "Macros" (see above): 600 and later carry the APIs the macro uses.
        .package(url: "https://github.com/swiftlang/swift-syntax", "600.0.0"..<"604.0.0"),
        // Only with the traits "Vapor", "Hummingbird" and "Metrics".
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Only with the trait "Postgres".
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The cache itself: nothing beyond the Swift toolchain.
        .target(name: "Theine"),
        // Trace readers, synthetic workloads and reports; replays traces through the public `Cache`.
        .target(name: "TheineSimulation", dependencies: ["Theine"]),
        // `theine-sim`: the command line over TheineSimulation.
        .executableTarget(
            name: "TheineSim",
            dependencies: [
                "TheineSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `theine-bench`: times the public API from outside the module, as a user's program would.
        .executableTarget(
            name: "TheineBench",
            dependencies: [
                "Theine",
                "CAllocationCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `theine-bench near`, only with the trait "Postgres".
                .target(name: "TheinePostgres", condition: .when(traits: ["Postgres"])),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Postgres"])),
            ]
        ),
        // `theine-ops`: one cache operation in a loop, for callgrind's instruction counts per operation.
        .executableTarget(name: "TheineOps", dependencies: ["Theine"]),
        // Reads glibc's allocation counters (mallinfo2, which Swift's Glibc module does not export):
        // for the memory tests and `theine-bench --memory`.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        // Server integrations: each compiles empty unless its trait is on (sources under `#if TRAIT`).
        .target(
            name: "TheineVapor",
            dependencies: [
                "Theine",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
                // `.theine(nearCache:)`, only with the traits "Vapor" and "Postgres".
                .target(name: "TheinePostgres", condition: .when(traits: ["Postgres"])),
            ]
        ),
        .target(
            name: "TheineHummingbird",
            dependencies: [
                "Theine",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                // `NearCachePersistDriver`, only with the traits "Hummingbird" and "Postgres".
                .target(name: "TheinePostgres", condition: .when(traits: ["Postgres"])),
            ]
        ),
        .target(
            name: "TheineMetrics",
            dependencies: [
                "Theine",
                .product(name: "CoreMetrics", package: "swift-metrics", condition: .when(traits: ["Metrics"])),
            ]
        ),
        .target(
            name: "TheinePostgres",
            dependencies: [
                "Theine",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Postgres"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["Postgres"])
                ),
            ]
        ),
        .testTarget(name: "TheineTests", dependencies: ["Theine", "TheineSimulation", "CAllocationCounter"]),
        .testTarget(name: "TheineSimulationTests", dependencies: ["TheineSimulation", "Theine"]),
        // `@Memoized`: the declaration users import (it re-exports Theine), and the compiler plugin
        // that expands it into a call of the core's `Memoized`.
        .target(name: "TheineMacros", dependencies: ["Theine", "TheineMacrosPlugin"]),
        .macro(
            name: "TheineMacrosPlugin",
            dependencies: [
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax", condition: .when(traits: ["Macros"])),
                .product(name: "SwiftDiagnostics", package: "swift-syntax", condition: .when(traits: ["Macros"])),
                .product(name: "SwiftSyntax", package: "swift-syntax", condition: .when(traits: ["Macros"])),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax", condition: .when(traits: ["Macros"])),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax", condition: .when(traits: ["Macros"])),
            ]
        ),
        // The macro's expansions and diagnostics, and memoized functions run for real.
        .testTarget(
            name: "TheineMacrosTests",
            dependencies: [
                "Theine",
                "TheineMacros",
                "TheineMacrosPlugin",
                .product(
                    name: "SwiftSyntaxMacrosGenericTestSupport",
                    package: "swift-syntax",
                    condition: .when(traits: ["Macros"])
                ),
            ]
        ),
        .testTarget(
            name: "TheineVaporTests",
            dependencies: [
                "TheineVapor",
                "Theine",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
                .product(name: "VaporTesting", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .testTarget(
            name: "TheineHummingbirdTests",
            dependencies: [
                "TheineHummingbird",
                "Theine",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
            ]
        ),
        .testTarget(
            name: "TheineMetricsTests",
            dependencies: [
                "TheineMetrics",
                "Theine",
                .product(name: "CoreMetrics", package: "swift-metrics", condition: .when(traits: ["Metrics"])),
                .product(name: "MetricsTestKit", package: "swift-metrics", condition: .when(traits: ["Metrics"])),
            ]
        ),
        // A real PostgreSQL server (scripts/postgres): three instances in one process; with the
        // traits "Vapor" and "Hummingbird" too, the integrations backed by a near cache.
        .testTarget(
            name: "TheinePostgresTests",
            dependencies: [
                "TheinePostgres",
                "Theine",
                .target(name: "TheineVapor", condition: .when(traits: ["Vapor"])),
                .target(name: "TheineHummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Postgres"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["Postgres"])
                ),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}

// The Swift Package Index sets SPI_GENERATE_DOCS when it builds the documentation (.spi.yml): every
// trait on, so that the integrations compile with their content, and swift-docc-plugin, which it adds
// itself only to a manifest that does not name it. Other builds, and apps that depend on Theine, see
// neither. (`scripts/docs` builds the same pages without this.)
if Context.environment["SPI_GENERATE_DOCS"] != nil {
    package.traits.insert(.default(enabledTraits: ["Macros", "Vapor", "Hummingbird", "Metrics", "Postgres"]))
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}
