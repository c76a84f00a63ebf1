import Theine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cache of `Int` keys and values as the benchmark drives it: Theine, or a peer a Swift user
/// might pick instead.
protocol BenchmarkedCache: AnyObject, Sendable {
    func get(_ key: Int) -> Int?
    func set(_ key: Int, _ value: Int)
}

/// Theine's `Cache`, called through its public API.
final class TheineCache: BenchmarkedCache {
    let cache: Cache<Int, Int>

    /// A cache with a removal listener that does nothing if `listens`, else none; if `weighted`,
    /// bounded by weight (`capacity`, every entry weighing 1, in as many shards as the
    /// count-bounded cache) rather than by count.
    init(capacity: Int, policy: EvictionPolicy, shardCount: Int?, listens: Bool = false, weighted: Bool = false) {
        let doNothing: @Sendable (Int, Int, RemovalCause) -> Void = { _, _, _ in }
        let onRemoval = listens ? doNothing : nil
        let counted = Cache<Int, Int>(capacity: capacity, policy: policy, shardCount: shardCount, onRemoval: onRemoval)
        cache =
            weighted
            ? Cache(
                maximumWeight: capacity,
                weigher: { _, _ in 1 },
                policy: policy,
                shardCount: counted.shardCount,
                onRemoval: onRemoval
            )
            : counted
    }

    @inline(__always) func get(_ key: Int) -> Int? { cache.get(key) }
    @inline(__always) func set(_ key: Int, _ value: Int) { cache.set(key, value) }
}

/// The floor: a `Dictionary` behind a pthread mutex, unbounded (it never evicts).
final class LockedDictionary: BenchmarkedCache, @unchecked Sendable {
    private let mutex = PthreadMutex()
    // Unchecked: the mutex guards it, and the run-time exclusivity check of a class's `var` (two
    // runtime calls an access, measured in the design notes' third step) would make the floor
    // slower than a Dictionary and a lock are.
    @exclusivity(unchecked) private var storage: [Int: Int] = [:]

    init(capacity: Int) {
        storage.reserveCapacity(capacity)
    }

    func get(_ key: Int) -> Int? {
        mutex.withLock { storage[key] }
    }

    func set(_ key: Int, _ value: Int) {
        mutex.withLock { storage[key] = value }
    }
}

/// The LRU cache a Swift user writes in an afternoon: a dictionary of nodes and a doubly linked
/// list of class instances, behind one mutex.
final class LockedLinkedLRU: BenchmarkedCache, @unchecked Sendable {
    private final class Node {
        let key: Int
        var value: Int
        unowned(unsafe) var previous: Node?
        var next: Node?

        init(key: Int, value: Int) {
            self.key = key
            self.value = value
        }
    }

    private let mutex = PthreadMutex()
    private let capacity: Int
    @exclusivity(unchecked) private var nodes: [Int: Node] = [:]
    /// Least recently used end.
    @exclusivity(unchecked) private var head: Node?
    /// Most recently used end.
    private unowned(unsafe) var tail: Node?

    init(capacity: Int) {
        self.capacity = capacity
        nodes.reserveCapacity(capacity)
    }

    func get(_ key: Int) -> Int? {
        mutex.withLock {
            guard let node = nodes[key] else { return nil }
            moveToTail(node)
            return node.value
        }
    }

    func set(_ key: Int, _ value: Int) {
        mutex.withLock {
            if let node = nodes[key] {
                node.value = value
                moveToTail(node)
                return
            }
            let node = Node(key: key, value: value)
            nodes[key] = node
            append(node)
            if nodes.count > capacity, let oldest = head {
                unlink(oldest)
                nodes[oldest.key] = nil
            }
        }
    }

    private func append(_ node: Node) {
        node.previous = tail
        node.next = nil
        if let tail { tail.next = node } else { head = node }
        tail = node
    }

    private func unlink(_ node: Node) {
        if let previous = node.previous { previous.next = node.next } else { head = node.next }
        if let next = node.next { next.previous = node.previous } else { tail = node.previous }
        node.previous = nil
        node.next = nil
    }

    private func moveToTail(_ node: Node) {
        guard node !== tail else { return }
        unlink(node)
        append(node)
    }
}

/// A pthread mutex with a stable address, for the peers.
final class PthreadMutex: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
