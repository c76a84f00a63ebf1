import Foundation
import Testing

/// Keys built to collide in `hashValue` are harmless because Swift seeds its hashing per process:
/// keys found to share their bucket bits in one process of `theine-bench hash-bits` spread over
/// the buckets in the next. With `SWIFT_DETERMINISTIC_HASHING` set (as CI sets it, for repeatable
/// hit ratios) they collide in every process, which is what the seed prevents.
struct HashSeedTests {
    /// The bucket bits: a table of 4,096 buckets.
    static let bits = 12
    /// How many colliding keys the attacker collects.
    static let collidingCount = 64

    /// The executable: in the build products folder, beside the test runner.
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("theine-bench").path

    /// Each key's bucket bits in a new process of `theine-bench hash-bits`, with or without a fixed
    /// hash seed.
    static func bucketBits(of keys: [String], deterministic: Bool) throws -> [Int] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["hash-bits", "--bits", "\(bits)"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_DETERMINISTIC_HASHING"] = deterministic ? "1" : nil
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Written from another thread: the child's output would fill its pipe before it read all.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(keys.map { $0 + "\n" }.joined().utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return printed.split(separator: "\n").compactMap { Int($0) }
    }

    /// The keys of the fullest bucket among `candidates` in one process: what an attacker who
    /// learned that process's hashing would send.
    static func collidingKeys(deterministic: Bool) throws -> [String] {
        let candidates = (0..<(collidingCount << bits)).map { "key-\($0)" }
        let bucketsOfCandidates = try bucketBits(of: candidates, deterministic: deterministic)
        try #require(bucketsOfCandidates.count == candidates.count)
        let buckets = Dictionary(grouping: candidates.indices, by: { bucketsOfCandidates[$0] })
        let fullest = try #require(buckets.values.max { $0.count < $1.count })
        return fullest.prefix(collidingCount).map { candidates[$0] }
    }

    @Test func keysCollidingInOneProcess_spreadInTheNext() throws {
        let keys = try Self.collidingKeys(deterministic: false)
        try #require(keys.count == Self.collidingCount)
        let nextProcess = try Self.bucketBits(of: keys, deterministic: false)
        // 64 keys in 4,096 buckets share about half a bucket by chance; a shared seed would put
        // them all in one.
        #expect(Set(nextProcess).count >= Self.collidingCount - 8, "\(Set(nextProcess).count) buckets")
    }

    @Test func withADeterministicSeed_theyCollideInEveryProcess() throws {
        let keys = try Self.collidingKeys(deterministic: true)
        let nextProcess = try Self.bucketBits(of: keys, deterministic: true)
        #expect(Set(nextProcess).count == 1)
    }
}
