#if Postgres
import ArgumentParser
import Foundation
import PostgresNIO
import Synchronization
import Theine
import TheinePostgres

/// The near cache's rules across processes, as an app's instances run: each instance is a process
/// of its own with its own client, and they share one near cache on a real server.
///
/// The instances pass a turn around (`set` of the key `turn` by the round's owner; the others read
/// it until it reaches the round), so each round checks that every other instance dropped its
/// local copy of the previous turn: a copy that was not dropped is read on forever, and the wait
/// times out. In each round every instance also calls `setIfAbsent` of the round's key, and the
/// loading `get` of another, whose loader sleeps 5 ms so that the misses overlap. The parent checks
/// the rules on the workers' reports: one `setIfAbsent` succeeded a round, and every instance reads
/// its value; the loader ran once a round across all instances, and every load returned its value.
struct NearProcessesCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near-processes",
        abstract: """
            Check the near cache's rules across processes (trait Postgres): invalidation, \
            setIfAbsent and the one load a key across instances, each a process of its own.
            """
    )

    @Option(help: "The server's port on 127.0.0.1 (user theine, database postgres); default $THEINE_PG_PORT.")
    var port: Int?

    @Option(help: "Instances, each a process of its own.")
    var processes = 3

    @Option(help: "Rounds of the turn.")
    var rounds = 100

    @Option(help: .hidden)
    var worker: Int?

    @Option(help: .hidden)
    var name: String?

    func validate() throws {
        guard processes >= 2 else { throw ValidationError("--processes must be at least 2: \(processes)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1: \(rounds)") }
    }

    mutating func run() async throws {
        let port = try BenchServer.port(port)
        if let worker, let name {
            let report = try await Self.runInstance(worker, of: processes, name: name, rounds: rounds, port: port)
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return
        }
        let name = "processes_\(UInt64.random(in: 0 ... .max) % 1_000_000_000)"
        let start = ContinuousClock.now
        let reports = try startInstances(name: name, port: port)
        let failures = Self.failures(in: reports, rounds: rounds)
        for failure in failures { print("FAILED: \(failure)") }
        let loads = reports.map(\.loads).reduce(0, +)
        print(
            """
            \(processes) processes, \(rounds) rounds, \(start.duration(to: .now)): every instance saw each \
            turn; setIfAbsent won \(reports.map(\.wins.count).reduce(0, +)) times; loader ran \(loads) times
            """
        )
        if !failures.isEmpty { throw ExitCode.failure }
    }

    /// What one instance saw.
    struct Report: Codable {
        /// The rounds whose `setIfAbsent` this instance won.
        var wins: [Int] = []
        /// The instance whose value each round's `setIfAbsent` key held, read after the rounds.
        var winners: [Int] = []
        /// How many times this instance's loader ran.
        var loads = 0
        /// Loads that returned another round's value.
        var wrongLoads = 0
    }

    /// Starts an instance process of this program for each instance, and reads their reports.
    private func startInstances(name: String, port: Int) throws -> [Report] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let children = try (0..<processes).map { index in
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "near-processes", "--worker", "\(index)", "--name", name, "--port", "\(port)",
                "--processes", "\(processes)", "--rounds", "\(rounds)",
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        return try children.enumerated().map { index, child in
            let (process, output) = child
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CheckFailed(description: "instance \(index) failed (status \(process.terminationStatus))")
            }
            return try JSONDecoder().decode(Report.self, from: data)
        }
    }

    /// The rules the reports break, in words.
    static func failures(in reports: [Report], rounds: Int) -> [String] {
        var failures: [String] = []
        for round in 1...rounds {
            let winners = reports.indices.filter { reports[$0].wins.contains(round) }
            guard winners.count == 1 else {
                failures.append("round \(round): setIfAbsent succeeded on instances \(winners)")
                continue
            }
            for (index, report) in reports.enumerated() where report.winners[round - 1] != winners[0] {
                failures.append(
                    "round \(round): instance \(index) reads instance \(report.winners[round - 1])'s value, not \(winners[0])'s"
                )
            }
        }
        let loads = reports.map(\.loads).reduce(0, +)
        if loads != rounds { failures.append("the loader ran \(loads) times for \(rounds) keys") }
        let wrongLoads = reports.map(\.wrongLoads).reduce(0, +)
        if wrongLoads > 0 { failures.append("\(wrongLoads) loads returned another round's value") }
        return failures
    }

    /// One instance: waits until every instance listens, plays the rounds, and reports.
    private static func runInstance(
        _ index: Int,
        of count: Int,
        name: String,
        rounds: Int,
        port: Int
    ) async throws -> Report {
        let client = PostgresClient(configuration: BenchServer.clientConfiguration(port: port))
        let near = try NearCache<String, Int>(name: name, local: Cache(capacity: 10_000), client: client)
        let loads = Atomic(0)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { try await near.run() }
            defer { group.cancelAll() }
            try await waitUntil("instance \(index) listens") { near.stats().resynchronizationCount > 0 }
            try await near.set("ready-\(index)", 1)
            for other in 0..<count {
                try await waitUntil("instance \(other) is ready") { try await near.get("ready-\(other)") != nil }
            }
            var report = Report()
            for round in 1...rounds {
                if round % count == index {
                    try await near.set("turn", round)
                } else {
                    try await waitUntil("instance \(index) sees turn \(round)") {
                        try await near.get("turn") ?? 0 >= round
                    }
                }
                if try await near.setIfAbsent("once-\(round)", index) { report.wins.append(round) }
                let loaded = try await near.get("load-\(round)") { _ in
                    loads.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(5))
                    return round
                }
                if loaded != round { report.wrongLoads += 1 }
            }
            for round in 1...rounds { report.winners.append(try await near.get("once-\(round)") ?? -1) }
            report.loads = loads.load(ordering: .relaxed)
            return report
        }
    }

    /// A rule broken, in words.
    struct CheckFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Polls `condition` every millisecond for up to 10 seconds; throws naming `what` otherwise.
    private static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw CheckFailed(description: "timed out: \(what)") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
#endif
