#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file the benchmark could not write.
struct FileWriteError: Error, CustomStringConvertible {
    let path: String
    let code: Int32

    var description: String { "cannot write \(path): \(String(cString: strerror(code)))" }
}

/// Writes `contents` to the file at `path`, replacing it.
func writeTextFile(_ path: String, contents: String) throws {
    guard let file = fopen(path, "w") else { throw FileWriteError(path: path, code: errno) }
    defer { fclose(file) }
    guard fputs(contents, file) >= 0 else { throw FileWriteError(path: path, code: errno) }
}
