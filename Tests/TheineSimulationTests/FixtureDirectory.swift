import Foundation

/// A fresh temporary directory for one test's trace files, with helpers to write and compress them.
///
/// ```swift
/// try withFixtureDirectory { fixtures in
///     let path = try fixtures.compress(fixtures.write("keys.trace", "1\n2\n"), with: "zstd")
///     …
/// }
/// ```
struct FixtureDirectory {
    /// The directory's path.
    let path: String

    /// Writes `text` (UTF-8) to the file `name`; returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to the file `name`; returns its path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let filePath = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }

    /// Compresses the file at `filePath` with the command-line `tool` (`gzip`, `xz` or `zstd`),
    /// keeping the original; returns the compressed file's path.
    func compress(_ filePath: String, with tool: String) throws -> String {
        let extensions = ["gzip": "gz", "xz": "xz", "zstd": "zst"]
        guard let fileExtension = extensions[tool] else { throw TestSetupError("no such compressor: \(tool)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, "-q", "-k", "-f", filePath]
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw TestSetupError("\(tool) failed on \(filePath) with status \(process.terminationStatus)")
        }
        return filePath + "." + fileExtension
    }
}

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withFixtureDirectory<Result>(_ body: (FixtureDirectory) throws -> Result) throws -> Result {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("theine-sim-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(FixtureDirectory(path: url.path))
}

/// A test fixture or resource that could not be prepared.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
