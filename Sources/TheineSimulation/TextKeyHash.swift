/// The 64-bit key of a text key: FNV-1a (Fowler, Noll, Vo) over its UTF-8 bytes.
///
/// ```swift
/// TextKeyHash.key(of: Array("user:42".utf8))   // the same value in every process and on every machine
/// ```
///
/// Fixed, unlike Swift's per-process seeded `Hasher`, so a text trace replays to the same keys every
/// time. Distinct texts collide with probability about n² / 2^65 for n distinct keys (under 10^-7
/// for a million keys), which changes a hit ratio by nothing measurable.
public enum TextKeyHash {
    private static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The FNV-1a hash of `bytes`.
    ///
    /// - Complexity: O(bytes.count).
    public static func key(of bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = offsetBasis
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* prime
        }
        return hash
    }
}
