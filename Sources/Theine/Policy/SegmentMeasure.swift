/// What a policy's segments are measured in: entries (every entry counts 1) or the entries'
/// weights (``SlotWeights``).
///
/// A policy's helpers take the measure as a generic parameter, so that each is specialized twice:
/// the count-bounded specialization reads no weight and tests no optional, and costs what it cost
/// before caches had weights.
protocol SegmentMeasure {
    /// Whether every entry counts 1, so that a segment's size is its list's count.
    static var countsEntries: Bool { get }

    /// What the entry in `slot` counts for.
    func weight(of slot: SlotIndex) -> Int
}

/// The measure of a count-bounded policy: every entry counts 1.
struct EntryCount: SegmentMeasure {
    static var countsEntries: Bool { true }

    @inline(__always)
    func weight(of slot: SlotIndex) -> Int { 1 }
}

extension SlotWeights: SegmentMeasure {
    static var countsEntries: Bool { false }
}
