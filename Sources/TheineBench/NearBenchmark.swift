#if Postgres
import ArgumentParser
import Foundation
import PostgresNIO
import Theine
import TheinePostgres

/// The near cache on a real PostgreSQL server: how long a change on one instance takes to drop
/// another's copy, how many writes go through, and what a local hit costs against `Cache.get`.
struct NearBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near",
        abstract: """
            Measure the near cache on PostgreSQL (trait Postgres): invalidation delay between two \
            instances (p50, p99), writes per second, and a local hit against Cache.get.
            """
    )

    @Option(help: "The server's port on 127.0.0.1 (user theine, database postgres); default $THEINE_PG_PORT.")
    var port: Int?

    @Option(help: "Changes timed for the invalidation delay.")
    var changes = 2_000

    @Option(help: "Hits per timed round (median of 5 rounds).")
    var hits = 2_000_000

    @Option(help: "Seconds of each write-throughput row.")
    var seconds = 3

    mutating func run() async throws {
        let port = try BenchServer.port(port)
        let name = "bench_\(UInt64.random(in: 0 ... .max) % 1_000_000_000)"
        let (invalidations, recordInvalidation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let writerClient = PostgresClient(configuration: BenchServer.clientConfiguration(port: port))
        let readerClient = PostgresClient(configuration: BenchServer.clientConfiguration(port: port))
        let writer = try NearCache<Int, Int>(name: name, local: Cache(capacity: 100_000), client: writerClient)
        let reader = try NearCache<Int, Int>(
            name: name,
            local: Cache(capacity: 100_000) { _, _, cause in
                if cause == .invalidated { recordInvalidation.yield(.now) }
            },
            client: readerClient
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await writerClient.run() }
            group.addTask { await readerClient.run() }
            group.addTask { try await writer.run() }
            group.addTask { try await reader.run() }
            defer { group.cancelAll() }
            while !(writer.stats().resynchronizationCount > 0 && reader.stats().resynchronizationCount > 0) {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await measureHits(writer)
            try await measureInvalidationDelay(writer: writer, reader: reader, invalidations: invalidations)
            try await measureWrites(writer)
            try await writer.removeAll()
        }
    }

    /// A local hit of `NearCache.get` (an async call) against `Cache.get` on the same cache.
    private func measureHits(_ near: NearCache<Int, Int>) async throws {
        for key in 0..<1_000 { try await near.set(key, key) }
        let stopwatch = Stopwatch(rounds: 5)
        let plain = stopwatch.nanosecondsPerOperation(operations: hits) {
            var sum = 0
            for index in 0..<hits { sum &+= near.local.get(index % 1_000) ?? 0 }
            blackHole(sum)
        }
        var failure: (any Error)?
        let viaNear = await stopwatch.nanosecondsPerAsyncOperation(operations: hits) {
            var sum = 0
            do {
                for index in 0..<hits { sum &+= try await near.get(index % 1_000) ?? 0 }
            } catch {
                failure = error
            }
            blackHole(sum)
        }
        if let failure { throw failure }
        print("local hit, 1,000 keys, median of 5 rounds of \(hits)")
        print("  Cache.get            \(fixed(plain, digits: 1).leftPadded(to: 8)) ns")
        print(
            "  NearCache.get        \(fixed(viaNear, digits: 1).leftPadded(to: 8)) ns   \(fixed(viaNear / plain, digits: 2))x"
        )
    }

    /// From just before the writer sends a change until the reader's local copy is dropped
    /// (its removal listener hears `.invalidated`), and until the writer's call returns.
    private func measureInvalidationDelay(
        writer: NearCache<Int, Int>,
        reader: NearCache<Int, Int>,
        invalidations: AsyncStream<ContinuousClock.Instant>
    ) async throws {
        var heard = invalidations.makeAsyncIterator()
        var delays: [Double] = []
        var replies: [Double] = []
        for change in 0..<changes {
            let key = 10_000 + change % 100
            if try await reader.get(key) == nil {
                try await writer.set(key, change)
                _ = try await reader.get(key)
            }
            let start = ContinuousClock.now
            try await writer.set(key, change + 1)
            replies.append((ContinuousClock.now - start).nanoseconds / 1e6)
            guard let dropped = await heard.next() else { return }
            delays.append((dropped - start).nanoseconds / 1e6)
        }
        delays.sort()
        replies.sort()
        func quantile(_ sorted: [Double], _ q: Double) -> String {
            fixed(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))], digits: 3)
        }
        print("invalidation delay over \(changes) changes (ms from the writer's call to the reader's copy dropped)")
        print("  p50 \(quantile(delays, 0.5))   p99 \(quantile(delays, 0.99))   max \(quantile(delays, 1))")
        print("  the writer's call: p50 \(quantile(replies, 0.5))   p99 \(quantile(replies, 0.99))")
    }

    /// Writes per second through `NearCache.set`, from one task and from 16.
    private func measureWrites(_ near: NearCache<Int, Int>) async throws {
        for tasks in [1, 16] {
            let deadline = ContinuousClock.now + .seconds(seconds)
            let written = try await withThrowingTaskGroup(of: Int.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var count = 0
                        while ContinuousClock.now < deadline {
                            try await near.set(20_000 + task * 1_000 + count % 1_000, count)
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            print(
                "writes through NearCache.set, \(tasks) task\(tasks == 1 ? "" : "s"): \(written / seconds) per second"
            )
        }
    }
}
#endif
