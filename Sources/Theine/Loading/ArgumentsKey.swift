/// The cache key a ``Memoized`` function makes from its arguments: the arguments themselves, as a
/// tuple, compared and hashed element by element.
///
/// No string formatting and no boxing: `ArgumentsKey<Int, String>` stores an `Int` and a `String`,
/// two keys are equal when every argument is, and the hash combines each argument's hash in order
/// (a key of one argument hashes as the argument does, as cheaply).
public struct ArgumentsKey<each Argument: Hashable & Sendable>: Hashable, Sendable {
    /// The arguments, in order.
    public let arguments: (repeat each Argument)

    /// The key of a call with these arguments.
    @inlinable
    public init(_ argument: repeat each Argument) {
        arguments = (repeat each argument)
    }

    /// - Complexity: O(arguments), each compared with its own `==`.
    @inlinable
    public static func == (lhs: ArgumentsKey, rhs: ArgumentsKey) -> Bool {
        for (left, right) in repeat (each lhs.arguments, each rhs.arguments) {
            guard left == right else { return false }
        }
        return true
    }

    /// - Complexity: O(arguments), each hashed with its own `hash(into:)`.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        for argument in repeat each arguments {
            hasher.combine(argument)
        }
    }

    // The hash `Dictionary` and `hashValue` use. One argument: its own, so that a key of one `Int`
    // hashes in one shot as the `Int` does, instead of through a full `Hasher` (a memoized hit
    // cost 1.5 times a direct `cache.get` with the `Hasher`). Several: the `Hasher` above.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        var count = 0
        for _ in repeat each arguments { count += 1 }
        if count == 1 {
            for argument in repeat each arguments { return argument._rawHashValue(seed: seed) }
        }
        var hasher = Hasher()
        hasher.combine(seed)
        hash(into: &hasher)
        return hasher.finalize()
    }
}
