// swift-tools-version: 6.1
import PackageDescription

// The fuzz targets (scripts/fuzz builds and runs them): a package of their own, so that the
// library's products and builds never carry libFuzzer. `Theine` and `TheineSimulation` are the
// library's own sources (Sources/Theine and Sources/TheineSimulation are links to them), built here
// with coverage for libFuzzer, AddressSanitizer, `-enable-testing` (the checks reach the trace
// decoders and `checkInvariants()`) and THEINE_INTERNAL_CHECKS (every mutation verifies the
// cache's invariants). FuzzSupport/CacheModel.swift links the tests' model of the cache
// (Tests/TheineTests/CacheModel.swift). Each target is an executable whose `main` hands its check
// to libFuzzer (FuzzSupport/LibFuzzerDriver.swift); lld links them (gold fails on libFuzzer's
// objects).
let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-enable-testing"])]
let fuzzerLinked: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

/// The fuzz targets: the executable's name (`scripts/fuzz TARGET`) and its source folder.
let fuzzTargets: [(name: String, folder: String)] = [
    ("trace-lirs", "TraceLIRS"),
    ("trace-arc", "TraceARC"),
    ("trace-keys", "TraceKeys"),
    ("trace-csv", "TraceCSV"),
    ("trace-u32be", "TraceU32BE"),
    ("trace-u64be", "TraceU64BE"),
    ("trace-file-name", "TraceFileName"),
    ("cache-operations", "CacheOperations"),
]

let package = Package(
    name: "TheineFuzz",
    platforms: [.macOS(.v15)],
    products: fuzzTargets.map { .executable(name: $0.name, targets: [$0.folder]) },
    targets: [
        .target(name: "Theine", swiftSettings: instrumented + [.define("THEINE_INTERNAL_CHECKS")]),
        .target(name: "TheineSimulation", dependencies: ["Theine"], swiftSettings: instrumented),
        // FuzzSupport defines it too: the model it shares with the tests then leaves the invariants
        // to the cache, which checks them after every mutation.
        .target(
            name: "FuzzSupport",
            dependencies: ["Theine", "TheineSimulation"],
            swiftSettings: instrumented + [.define("THEINE_INTERNAL_CHECKS")]
        ),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: target.folder,
                dependencies: ["FuzzSupport", "TheineSimulation"],
                swiftSettings: instrumented,
                linkerSettings: fuzzerLinked
            )
        }
)
