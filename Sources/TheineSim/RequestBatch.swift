import TheineSimulation

/// The requests of a streamed trace gathered until a ``ReplayGrid`` batch is full: their keys and,
/// for a weighted trace, their weights.
struct RequestBatch {
    /// Whether the weights are kept (the grid is weighted).
    let isWeighted: Bool
    private var keys: [UInt64] = []
    private var weights: [UInt32] = []

    init(isWeighted: Bool) {
        self.isWeighted = isWeighted
        keys.reserveCapacity(ReplayGrid.batchSize)
        if isWeighted { weights.reserveCapacity(ReplayGrid.batchSize) }
    }

    /// Whether the batch holds ``ReplayGrid/batchSize`` requests.
    var isFull: Bool { keys.count == ReplayGrid.batchSize }

    /// Adds a request.
    mutating func append(_ key: UInt64, _ weight: UInt32) {
        keys.append(key)
        if isWeighted { weights.append(weight) }
    }

    /// Replays the requests through `grid` and empties the batch.
    mutating func replay(through grid: ReplayGrid) {
        if isWeighted {
            grid.replay(keys: keys, weights: weights)
        } else {
            grid.replay(keys)
        }
        keys.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
    }
}
