// swift-tools-version: 6.1
import PackageDescription

// package-benchmark suites for Theine's single-thread hot paths, with malloc counting. A package of
// its own, so that neither the library's users nor its default and sanitizer builds ever build
// package-benchmark. Run from this folder: `swift package benchmark`.
let package = Package(
    name: "TheineBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Theine", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CacheHotPaths",
            dependencies: [
                .product(name: "Theine", package: "Theine"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CacheHotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
