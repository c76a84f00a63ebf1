import ArgumentParser

/// `theine-bench`: measures the cache's operations in a release build, as a user's program calls
/// them (through the public API of the `Theine` module).
@main
struct TheineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theine-bench",
        abstract: "Measure the cost of cache operations.",
        subcommands: subcommands,
        defaultSubcommand: ThroughputBenchmark.self
    )

    /// Every subcommand; `near` and `near-processes` only with the trait `Postgres`.
    private static var subcommands: [any ParsableCommand.Type] {
        var commands: [any ParsableCommand.Type] = [
            ThroughputBenchmark.self, ExpirationBenchmark.self, MemoizedBenchmark.self, LineTransferBenchmark.self,
            UpdateBenchmark.self, SnapshotPauseBenchmark.self, SoakBenchmark.self, RefreshBenchmark.self,
            LoadingHitBenchmark.self, HashBitsCommand.self,
        ]
        #if Postgres
        commands.append(NearBenchmark.self)
        commands.append(NearProcessesCheck.self)
        #endif
        return commands
    }
}
