import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a trace's bytes come from: standard input (`-`), a file, or a decompressor reading a
/// compressed file (`.gz`, `.xz`, `.zst`), delivered in chunks of up to ``chunkSize`` bytes.
struct TraceInput {
    /// The most bytes one read delivers.
    static let chunkSize = 1 << 20

    /// The path to read, or `-` for standard input.
    let path: String
    /// The trace's name in error messages.
    let file: String

    /// Reads the input to its end, passing each chunk of bytes to `body` (valid only during the
    /// call).
    ///
    /// A decompressor is stopped when `body` throws; once it has written everything, its exit
    /// status is checked, so a corrupt compressed file is an error even after its good part.
    ///
    /// - Parameters:
    ///   - progress: called after each chunk with the fraction of the file read so far, in
    ///     `0...1`, when the file's size is known (not for standard input or a pipe). For a
    ///     compressed file it is the decompressor's position in the file, which it shares.
    ///   - body: called with each chunk.
    /// - Throws: ``TraceError/unreadable(file:reason:)``,
    ///   ``TraceError/decompressorFailed(file:command:detail:)``, or what `body` throws.
    func forEachChunk(
        progress: (_ fractionRead: Double) -> Void = { _ in },
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if path == "-" {
            try readChunks(from: STDIN_FILENO, body)
            return
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TraceError.unreadable(file: file, reason: Self.lastSystemError()) }
        defer { close(descriptor) }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : 0
        func bodyReportingProgress(_ chunk: UnsafeRawBufferPointer) throws {
            try body(chunk)
            let position = lseek(descriptor, 0, SEEK_CUR)
            if size > 0, position >= 0 { progress(min(1, Double(position) / Double(size))) }
        }
        if let compression = TraceCompression(fileName: path) {
            try readDecompressed(descriptor, with: compression, bodyReportingProgress)
        } else {
            try readChunks(from: descriptor, bodyReportingProgress)
        }
    }

    /// Runs `compression`'s decompressor with the open file `descriptor` as its standard input and
    /// reads its standard output.
    private func readDecompressed(
        _ descriptor: Int32,
        with compression: TraceCompression,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let commandLine = compression.command.joined(separator: " ")
        func failure(_ detail: String) -> TraceError {
            .decompressorFailed(file: file, command: commandLine, detail: detail)
        }
        let name = compression.command[0]
        guard let executable = Self.executablePath(named: name) else {
            throw failure(
                "\(name) is not installed (not found in PATH); install it, or decompress the trace yourself "
                    + "and pipe it in with '--trace -'"
            )
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(compression.command.dropFirst())
        process.standardInput = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw failure("could not start \(executable): \(error)")
        }
        do {
            try readChunks(from: output.fileHandleForReading.fileDescriptor, body)
        } catch {
            // The decompressor's next write fails once nobody reads, which ends it. (A signal might
            // not: a child spawned from a worker thread inherits that thread's blocked signals.)
            try? output.fileHandleForReading.close()
            process.waitUntilExit()
            throw error
        }
        // The decompressor has closed its output; what it wrote to standard error is short.
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how =
                process.terminationReason == .exit
                ? "exit status \(process.terminationStatus)" : "killed by signal \(process.terminationStatus)"
            throw failure(message.isEmpty ? how : "\(how): \(message)")
        }
    }

    /// Reads `descriptor` to its end in chunks of up to ``chunkSize`` bytes.
    private func readChunks(from descriptor: Int32, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let byteCount = read(descriptor, buffer.baseAddress, buffer.count)
            if byteCount > 0 {
                try body(UnsafeRawBufferPointer(rebasing: buffer[..<byteCount]))
            } else if byteCount == 0 {
                return
            } else if errno != EINTR {
                throw TraceError.unreadable(file: file, reason: Self.lastSystemError())
            }
        }
    }

    /// The full path of the executable `name` in the directories of `PATH`, or `nil`.
    private static func executablePath(named name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":")
            .map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The system's description of `errno`.
    private static func lastSystemError() -> String {
        String(cString: strerror(errno))
    }
}
