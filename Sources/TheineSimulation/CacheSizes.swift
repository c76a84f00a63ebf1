import Foundation

/// Cache sizes for a simulation, chosen as fractions of a workload's distinct keys.
///
/// ```swift
/// CacheSizes.fractions([0.01, 0.05, 0.1, 0.25], of: 913_347)   // [9_100, 46_000, 91_000, 230_000]
/// ```
public enum CacheSizes {
    /// The sizes that ANCHORS.md uses for most traces: 1%, 5%, 10% and 25% of the distinct keys.
    public static let traceFractions = [0.01, 0.05, 0.1, 0.25]

    /// Each fraction of `itemCount`, rounded to two significant digits and at least 1, in the
    /// order given, without repeats.
    ///
    /// - Parameters:
    ///   - fractions: positive fractions, such as 0.01 for 1%.
    ///   - itemCount: the number of distinct keys in the workload.
    public static func fractions(_ fractions: [Double], of itemCount: Int) -> [Int] {
        var sizes: [Int] = []
        for fraction in fractions {
            let size = roundedToTwoSignificantDigits(fraction * Double(itemCount))
            if !sizes.contains(size) { sizes.append(size) }
        }
        return sizes
    }

    /// `value` rounded to two significant digits, and at least 1.
    private static func roundedToTwoSignificantDigits(_ value: Double) -> Int {
        guard value >= 1 else { return 1 }
        let unit = pow(10, (log10(value)).rounded(.down) - 1)
        return max(1, Int((value / unit).rounded() * unit))
    }
}
