@testable import Theine

/// The fuzz check of the `Cache` API: the input is a program, a cache's configuration followed by
/// operations, run against the exact model the tests use (``CacheModel``, in
/// Tests/TheineTests/CacheModel.swift, which this package links), each disagreement a crash.
///
/// The cache is closed (no background ticker) on a `ManualCacheClock` with a fixed admission seed,
/// so the input alone decides the run (with `SWIFT_DETERMINISTIC_HASHING=1`, which `scripts/fuzz`
/// sets). Built with `THEINE_INTERNAL_CHECKS`, the cache also checks its own invariants after every
/// mutation.
public enum CacheOperationsCheck {
    public static func check(_ input: UnsafeRawBufferPointer) {
        var program = FuzzInput(input)
        let configuration = CacheModel<FuzzInput>.Configuration(
            policy: EvictionPolicy.allPolicies[program.int(0...2)],
            shardCount: program.int(1...2),
            isWeighted: program.int(0...1) == 1,
            bound: program.int(1...40),
            idle: program.int(0...1) == 0 ? nil : .milliseconds(program.int(1...40) * 100),
            admissionSeed: 7,
            keyCount: 24
        )
        let run = CacheModel(configuration, choices: program) { fatalError($0) }
        var steps = 0
        while !run.choices.isAtEnd, steps < 2_000 {
            run.step()
            steps += 1
        }
        run.checkStats()
    }
}

extension FuzzInput: ModelChoices {}
