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

    /// Whether the two keys' arguments are equal, each to the one in the same position.
    ///
    /// - Complexity: O(arguments), each compared with its own `==`.
    @inlinable
    public static func == (lhs: ArgumentsKey, rhs: ArgumentsKey) -> Bool {
        var isEqual = true
        // A pack expansion's only statement form is `repeat` before an expression: an assignment here.
        // swift-format-ignore: NoAssignmentInExpressions
        repeat isEqual = isEqual && (each lhs.arguments) == (each rhs.arguments)
        return isEqual
    }

    /// Feeds each argument, in order, to `hasher`.
    ///
    /// - Complexity: O(arguments), each hashed with its own `hash(into:)`.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        repeat hasher.combine(each arguments)
    }

    // The hash `Dictionary` and `hashValue` use. One argument: its own, so that a key of one `Int`
    // hashes in one shot as the `Int` does, instead of through a full `Hasher`, which made a
    // memoized hit much dearer than a direct `cache.get` (design notes, memoization). Several: the
    // `Hasher` above.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        var count = 0
        // swift-format-ignore: NoAssignmentInExpressions
        repeat count += Self.one((each Argument).self)
        if count == 1 {
            var onlyHash = 0
            // swift-format-ignore: NoAssignmentInExpressions
            repeat onlyHash = (each arguments)._rawHashValue(seed: seed)
            return onlyHash
        }
        var hasher = Hasher()
        hasher.combine(seed)
        hash(into: &hasher)
        return hasher.finalize()
    }

    /// 1, for counting the arguments in a pack expansion.
    @inlinable @inline(__always)
    static func one<Element>(_: Element.Type) -> Int { 1 }
}
