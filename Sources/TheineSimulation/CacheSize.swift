import Foundation
import Theine

/// A cache size as a user gives it: a number of entries, or a percentage of the trace's distinct keys.
///
/// ```swift
/// let sizes = try ["250", "1%"].map(CacheSize.init(parsing:))   // [.entries(250), .fraction(0.01)]
/// CacheSize.resolve(sizes, distinctKeyCount: 186_880)           // [250, 1_900]
/// ```
public enum CacheSize: Sendable, Equatable {
    /// A number of entries, in `1...Cache.maximumCapacity`.
    case entries(Int)
    /// A fraction of the distinct keys (0.01 for 1%), positive; resolved by ``CacheSizes/fractions(_:of:)``.
    case fraction(Double)

    /// Whether the size depends on the trace's distinct keys, which are known only once it is read.
    public var needsDistinctKeyCount: Bool {
        if case .fraction = self { true } else { false }
    }

    /// Parses `250` (entries) or `1%`, `2.5%` (percent of the distinct keys); surrounding spaces are
    /// ignored.
    ///
    /// - Throws: ``InvalidCacheSizeError`` when the text is neither, or the size is not positive or
    ///   exceeds the largest cache.
    public init(parsing text: some StringProtocol) throws(InvalidCacheSizeError) {
        let entry = String(text).trimmingCharacters(in: .whitespaces)
        if entry.hasSuffix("%") {
            guard let percent = Double(entry.dropLast()), percent.isFinite, percent > 0 else {
                throw InvalidCacheSizeError(text: entry, problem: "a percentage of the distinct keys must be above 0")
            }
            self = .fraction(percent / 100)
            return
        }
        guard let size = Int(entry), size > 0 else {
            throw InvalidCacheSizeError(
                text: entry,
                problem: "sizes are whole numbers of entries (at least 1) or percentages such as 5%"
            )
        }
        guard size <= Cache<UInt64, UInt64>.maximumCapacity else {
            throw InvalidCacheSizeError(
                text: entry,
                problem: "larger than the largest cache, \(Cache<UInt64, UInt64>.maximumCapacity)"
            )
        }
        self = .entries(size)
    }

    /// The sizes in entries, in the order given without repeats; fractions of `distinctKeyCount`
    /// are rounded to two significant digits as ``CacheSizes/fractions(_:of:)`` does.
    public static func resolve(_ sizes: [CacheSize], distinctKeyCount: Int) -> [Int] {
        var entries: [Int] = []
        for size in sizes {
            let resolved =
                switch size {
                case .entries(let count): count
                case .fraction(let fraction): CacheSizes.fractions([fraction], of: distinctKeyCount)[0]
                }
            if !entries.contains(resolved) { entries.append(resolved) }
        }
        return entries
    }
}

/// A cache size that ``CacheSize/init(parsing:)`` cannot accept.
public struct InvalidCacheSizeError: Error, Equatable, CustomStringConvertible {
    /// The text given.
    public let text: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "'\(text)' is not a cache size: \(problem)" }
}
