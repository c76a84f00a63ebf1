import Foundation
import Testing
import TheineSimulation

/// Runs the `theine-sim` executable that the test build made beside the test bundle.
struct CommandLineTests {
    /// What a run of `theine-sim` printed and how it exited.
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// The executable: in the build products folder, beside the test runner.
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("theine-sim").path

    static func run(_ arguments: [String], input: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaints = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: printed, errors: complaints)
    }

    @Test func keysFromStandardInput_printsTheTableWithOPT() throws {
        let run = try Self.run(["--trace", "-", "--format", "keys", "--sizes", "1,2"], input: "a\nb\na\nc\nb\na\n")
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("stdin: 6 requests"))
        let optRow = run.output.split(separator: "\n").first { $0.hasPrefix("opt ") }
        #expect(optRow?.split(separator: " ") == ["opt", "33.33", "50.00"])
    }

    @Test func badInput_exitsNonZeroWithTheMessage() throws {
        try withFixtureDirectory { fixtures in
            let bad = try fixtures.write("bad.trace", "1\n2\nthree\n")
            let malformed = try Self.run(["--trace", bad])
            #expect(malformed.status != 0)
            #expect(malformed.errors.contains("\(bad):3: key is not a decimal number: 'three'"))
            let skipped = try Self.run(["--trace", bad, "--skip-bad", "--sizes", "1"])
            #expect(skipped.status == 0)
            #expect(skipped.errors.contains("skipped 1 malformed lines"))
            let empty = try Self.run(["--trace", try fixtures.write("empty.keys", "")])
            #expect(empty.status != 0 && empty.errors.contains("the trace has no requests"))
            let missing = try Self.run(["--trace", fixtures.path + "/missing.trace"])
            #expect(missing.status != 0 && missing.errors.contains("cannot read the trace"))
            let zeroSize = try Self.run(["--trace", bad, "--sizes", "0"])
            #expect(zeroSize.status != 0 && zeroSize.errors.contains("'0' is not a cache size"))
            let misplaced = try Self.run(["--repeat", "2", "--trace", bad])
            #expect(misplaced.status != 0 && misplaced.errors.contains("--repeat applies to the --trace before it"))
        }
    }

    @Test func weightedCSV_printsTheByteHitRatio_andSaysWhyOPTIsLeftOut() throws {
        let trace = "key,size\na,100\nb,50\na,100\nc,30\nb,50\na,100\nb,60\nb,60\n"
        let arguments = ["--trace", "-", "--format", "csv", "--weight-column", "2", "--sizes", "150"]
        let run = try Self.run(arguments, input: trace)
        #expect(run.status == 0, "\(run.errors)")
        let lines = run.output.split(separator: "\n")
        #expect(lines.contains("stdin: 8 weighted requests; hit ratio (%) by cache size (weight)"))
        #expect(lines.contains("stdin: byte hit ratio (%) by cache size (weight)"))
        #expect(
            lines.filter { $0.hasPrefix("lru ") }.map { $0.split(separator: " ") } == [
                ["lru", "25.00"], ["lru", "29.09"],
            ]
        )
        #expect(!lines.contains { $0.hasPrefix("opt ") || $0.hasPrefix("arc ") })
        #expect(run.output.contains("not offered for weighted replays: opt: with sizes the optimum is NP-hard"))
        let onlyOPT = try Self.run(arguments + ["--policies", "opt"], input: trace)
        #expect(onlyOPT.status != 0 && onlyOPT.errors.contains("opt cannot replay weighted requests"))
    }

    @Test func weightOptions_misused_exitNonZeroWithTheMessage() throws {
        try withFixtureDirectory { fixtures in
            let lirs = try fixtures.write("keys.trace", "1\n2\n")
            let notCSV = try Self.run(["--trace", lirs, "--weight-column", "2"])
            #expect(notCSV.status != 0 && notCSV.errors.contains("--weight-column reads a csv trace's column"))
            let badWeight = try Self.run(
                ["--trace", "-", "--format", "csv", "--weight-column", "2", "--sizes", "9"],
                input: "key,size\na,-4\n"
            )
            #expect(badWeight.status != 0 && badWeight.errors.contains("<stdin>:2: weight is negative: 'a,-4'"))
            let outOfRange = try Self.run(["--workload", "zipf-sized", "--size-correlation", "-1.5"])
            #expect(outOfRange.status != 0 && outOfRange.errors.contains("--size-correlation must be in -1...1"))
            let unweighted = try Self.run(["--workload", "loop", "--size-correlation", "0.5"])
            #expect(unweighted.status != 0 && unweighted.errors.contains("weighted built-in workload: zipf-sized"))
        }
    }

    @Test func sizedWorkload_popularItemsLarge_lowerTheHitRatio() throws {
        let arguments = ["--workload", "zipf-sized", "--sizes", "1%", "--policies", "lru"]
        let unrelated = try Self.run(arguments)
        let popularLarge = try Self.run(arguments + ["--size-correlation", "1"])
        #expect(unrelated.status == 0 && popularLarge.status == 0, "\(unrelated.errors)\(popularLarge.errors)")
        #expect(unrelated.output.contains("zipf-sized: 250000 weighted requests"))
        func hitRatio(_ output: String) -> Double? {
            output.split(separator: "\n").first { $0.hasPrefix("lru ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        // At the same weight, fewer items fit when the popular ones are the largest.
        let unrelatedRatio = try #require(hitRatio(unrelated.output))
        let popularLargeRatio = try #require(hitRatio(popularLarge.output))
        #expect(unrelatedRatio > popularLargeRatio + 5)
    }

    @Test func workloadWithCSVAndSVG_writesBoth() throws {
        try withFixtureDirectory { fixtures in
            let csv = fixtures.path + "/loop.csv"
            let svg = fixtures.path + "/loop.svg"
            let run = try Self.run(["--workload", "loop", "--sizes", "100,20000", "--csv", csv, "--svg", svg])
            #expect(run.status == 0, "\(run.errors)")
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
            #expect(lines.first == "trace,policy,size,requests,hits,hit_ratio,byte_hit_ratio")
            #expect(lines.count == 1 + 2 * SimulatedPolicy.allPolicies.count)
            let names = try HitRatioChartTests.elementNames(try String(contentsOfFile: svg, encoding: .utf8))
            #expect(names.filter { $0 == "path" }.count == SimulatedPolicy.allPolicies.count)
        }
    }

    /// corda+loop of ANCHORS.md built from the command line's flags.
    @Test(.enabled(if: TraceCatalog.isEnabled, TraceCatalog.skipReason))
    func cordaPlusLoopFromFlags_hasTheAnchorsRequestCount() throws {
        let corda = TraceCatalog.directory + "/corda-vaultservice.bin.gz"
        let loop = TraceCatalog.directory + "/lirs-loop.trace.gz"
        try withFixtureDirectory { fixtures in
            let csv = fixtures.path + "/corda+loop.csv"
            let run = try Self.run([
                "--trace", corda, "--format", "u64be",
                "--trace", loop, "--repeat", "5", "--key-offset", "2^62",
                "--trace", corda, "--format=u64be",
                "--sizes", "512", "--policies", "lru", "--name", "corda+loop", "--csv", csv,
            ])
            #expect(run.status == 0, "\(run.errors)")
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
            #expect(lines.dropFirst().first?.hasPrefix("corda+loop,lru,512,2798904,90468,") == true)
        }
    }
}
