// swift-tools-version: 6.1
import PackageDescription

// Build settings shared by every target (applied in the loop at the end).
//
// THEINE_INTERNAL_CHECKS: compiles `checkInvariants()` into every mutation of the storage and the
// policies. Off by default (it makes every operation O(n)); CI runs the invariant tests once with it:
// `swift test -Xswiftc -DTHEINE_INTERNAL_CHECKS`.
let package = Package(
    name: "Theine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Theine", targets: ["Theine"]),
        .executable(name: "theine-sim", targets: ["TheineSim"]),
        .executable(name: "theine-bench", targets: ["TheineBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
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
            ]
        ),
        // Reads glibc's allocation counters (mallinfo2, which Swift's Glibc module does not export):
        // for the memory tests and `theine-bench --memory`.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "TheineTests", dependencies: ["Theine", "TheineSimulation", "CAllocationCounter"]),
        .testTarget(name: "TheineSimulationTests", dependencies: ["TheineSimulation", "Theine"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
