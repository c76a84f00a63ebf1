/// What a ``Theine/Cache`` of `Int` keys and values may do, sequentially, for the linearizability
/// tests: a map of a few keys, with capacity enough that nothing is evicted and no TTL.
///
/// The loading `get` is nondeterministic, as its rules allow: on a miss it returns its own
/// loader's value and stores it, or returns it without storing it (a write or removal of the key
/// during the load wins); or it returns a value that another caller's loader produced for the key
/// (it joined that load), storing nothing itself (the loading caller stores it).
struct CacheSpecification: SequentialSpecification {
    enum Operation: Equatable {
        case get(key: Int, returned: Int?)
        case set(key: Int, value: Int)
        case setIfAbsent(key: Int, value: Int, returned: Bool)
        case remove(key: Int, returned: Int?)
        /// A loading `get` whose loader, had it run, would have returned `loaded`.
        case loadingGet(key: Int, loaded: Int, returned: Int)
    }

    let keyCount: Int
    /// For each key, the values that loaders which ran produced.
    let loadedValues: [Set<Int>]

    var initialState: [Int?] { Array(repeating: nil, count: keyCount) }

    func successors(of state: [Int?], after operation: Operation) -> [[Int?]] {
        switch operation {
        case .get(let key, let returned):
            return state[key] == returned ? [state] : []
        case .set(let key, let value):
            return [replacing(key, with: value, in: state)]
        case .setIfAbsent(let key, let value, let returned):
            switch (state[key], returned) {
            case (nil, true): return [replacing(key, with: value, in: state)]
            case (.some, false): return [state]
            default: return []
            }
        case .remove(let key, let returned):
            return state[key] == returned ? [replacing(key, with: nil, in: state)] : []
        case .loadingGet(let key, let loaded, let returned):
            if let present = state[key] { return present == returned ? [state] : [] }
            if returned == loaded { return [replacing(key, with: loaded, in: state), state] }
            return loadedValues[key].contains(returned) ? [state] : []
        }
    }

    private func replacing(_ key: Int, with value: Int?, in state: [Int?]) -> [Int?] {
        var state = state
        state[key] = value
        return state
    }
}
