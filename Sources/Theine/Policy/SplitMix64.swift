/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// a small, fast, seedable generator.
///
/// W-TinyLFU draws its occasional random admissions from it, so a seed makes hit ratios
/// reproducible; its output function is also the key-hash mixer (``mixed(_:)``).
@usableFromInline
package struct SplitMix64: RandomNumberGenerator {
    @usableFromInline var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    @inlinable
    package init(seed: UInt64) {
        state = seed
    }

    @inlinable
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mixed(state)
    }

    /// A bijective 64-bit finalizer: every input bit affects every output bit.
    @inlinable @inline(__always)
    package static func mixed(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The hash a policy sees for a key whose `hashValue` is `hashValue`: mixed again so that a weak
/// user hash (one that hashes only a few bits) still spreads over the frequency sketch.
///
/// `hashValue` is seeded per process by the standard library, so sketch collisions, and with them
/// hit ratios, vary slightly between runs unless `SWIFT_DETERMINISTIC_HASHING=1` is set.
@inlinable @inline(__always)
func policyHash(ofHashValue hashValue: Int) -> UInt64 {
    SplitMix64.mixed(UInt64(bitPattern: Int64(hashValue)))
}
