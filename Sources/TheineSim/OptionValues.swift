import ArgumentParser
import Foundation
import Theine
import TheineSimulation

extension TraceFormat: ExpressibleByArgument {}

/// The cache sizes of `--sizes`: positive entry counts, separated by commas.
///
/// - Throws: a `ValidationError` naming the first entry that is not a positive whole number.
@Sendable
func parseSizes(_ text: String) throws -> [Int] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { entry in
        let trimmed = entry.trimmingCharacters(in: .whitespaces)
        guard let size = Int(trimmed), size > 0 else {
            throw ValidationError("'\(trimmed)' is not a cache size: sizes are whole numbers of entries, at least 1")
        }
        guard size <= Cache<UInt64, UInt64>.maximumCapacity else {
            throw ValidationError("\(size) is larger than the largest cache, \(Cache<UInt64, UInt64>.maximumCapacity)")
        }
        return size
    }
}

/// The eviction policies of `--policies`: policy names, separated by commas.
///
/// - Throws: the `CacheError` of the first unknown name, which lists the known ones.
@Sendable
func parsePolicies(_ text: String) throws -> [EvictionPolicy] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { name in
        try EvictionPolicy(name: name.trimmingCharacters(in: .whitespaces))
    }
}
