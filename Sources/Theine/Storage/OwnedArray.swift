/// A growable array of trivial elements in memory it owns, for per-slot and per-node metadata
/// written on a cache hit, and for the slots a weighted write evicts.
///
/// A Swift `Array` stored in a class property checks on every write that its buffer is uniquely
/// referenced (a runtime call) and checks the index; this array does neither: indices are checked
/// by `assert`, in debug builds only, and there is no buffer to share. Elements are
/// `BitwiseCopyable`, so growth moves them with a copy and nothing needs deinitializing.
///
/// The type is noncopyable: it owns its elements, which are freed when the value is destroyed or
/// replaced.
///
/// - Complexity: reading or writing an element O(1), with no uniqueness check, no bounds check in
///   release builds and no reference counting; ``append(_:)`` amortized O(1): the storage doubles
///   when full.
struct OwnedArray<Element: BitwiseCopyable>: ~Copyable {
    // Memory: `elements` points to `allocatedCount` elements, allocated by this value and freed by
    // its `deinit` (or by `append` when it moves them to a larger allocation); the first `count`
    // are initialized.

    private static var initialAllocatedCount: Int { 16 }

    private var elements: UnsafeMutablePointer<Element>
    private var allocatedCount: Int

    /// The number of elements.
    private(set) var count = 0

    /// Creates an empty array.
    init() {
        allocatedCount = Self.initialAllocatedCount
        elements = .allocate(capacity: allocatedCount)
    }

    deinit {
        elements.deallocate()
    }

    /// The element at `index`, which must be below ``count``; written in place.
    ///
    /// - Complexity: O(1).
    subscript(index: Int) -> Element {
        @inline(__always)
        unsafeAddress {
            assert(index >= 0 && index < count, "index \(index) beyond \(count) elements")
            return UnsafePointer(elements + index)
        }
        @inline(__always)
        unsafeMutableAddress {
            assert(index >= 0 && index < count, "index \(index) beyond \(count) elements")
            return elements + index
        }
    }

    /// An independent copy of the elements.
    ///
    /// - Complexity: O(count).
    func copy() -> OwnedArray {
        OwnedArray(copying: self)
    }

    private init(copying other: borrowing OwnedArray) {
        allocatedCount = other.allocatedCount
        elements = .allocate(capacity: allocatedCount)
        elements.initialize(from: other.elements, count: other.count)
        count = other.count
    }

    /// Adds `element` at the end.
    ///
    /// - Complexity: amortized O(1).
    mutating func append(_ element: Element) {
        if count == allocatedCount {
            let moved = UnsafeMutablePointer<Element>.allocate(capacity: 2 * allocatedCount)
            moved.moveInitialize(from: elements, count: count)
            elements.deallocate()
            elements = moved
            allocatedCount *= 2
        }
        (elements + count).initialize(to: element)
        count += 1
    }

    /// Removes the last `k` elements (at most ``count``), keeping the storage.
    ///
    /// - Complexity: O(1).
    mutating func removeLast(_ k: Int) {
        assert(k >= 0 && k <= count, "removing \(k) of \(count) elements")
        count -= k
    }

    /// Removes every element, keeping the storage.
    ///
    /// - Complexity: O(1).
    mutating func removeAll() {
        count = 0
    }
}
