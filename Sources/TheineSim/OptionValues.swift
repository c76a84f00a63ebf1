import ArgumentParser
import Foundation
import Theine
import TheineSimulation

extension TraceFormat: ExpressibleByArgument {}

/// The cache sizes of `--sizes`: entry counts or percentages of the distinct keys, separated by
/// commas.
///
/// - Throws: a `ValidationError` naming the first entry that is neither.
@Sendable
func parseSizes(_ text: String) throws -> [CacheSize] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { (entry: Substring) in
        do {
            return try CacheSize(parsing: entry)
        } catch {
            throw ValidationError(String(describing: error))
        }
    }
}

/// The policies of `--policies`: policy names, separated by commas.
///
/// - Throws: a `ValidationError` for the first unknown name, listing the known ones.
@Sendable
func parsePolicies(_ text: String) throws -> [SimulatedPolicy] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { (name: Substring) in
        do {
            return try SimulatedPolicy(name: name.trimmingCharacters(in: .whitespaces))
        } catch {
            throw ValidationError(String(describing: error))
        }
    }
}

/// The key offset of `--key-offset`: a decimal `UInt64`, or a power of two written `2^N` (N < 64).
///
/// - Throws: a `ValidationError` when it is neither.
@Sendable
func parseKeyOffset(_ text: String) throws -> UInt64 {
    if text.hasPrefix("2^"), let exponent = Int(text.dropFirst(2)), (0..<64).contains(exponent) {
        return 1 << UInt64(exponent)
    }
    guard let offset = UInt64(text) else {
        throw ValidationError("'\(text)' is not a key offset: give a whole number below 2^64, or 2^N")
    }
    return offset
}

/// The count of `--repeat` and `--key-column`: a whole number, at least 1.
///
/// - Throws: a `ValidationError` otherwise.
@Sendable
func parsePositiveCount(_ text: String) throws -> Int {
    guard let count = Int(text), count >= 1 else {
        throw ValidationError("'\(text)' must be a whole number, at least 1")
    }
    return count
}
