/// A sequential specification: the states an object may be in, and what each operation, with the
/// result it returned, may do to a state.
protocol SequentialSpecification {
    associatedtype State: Hashable
    associatedtype Operation

    /// The state before any operation.
    var initialState: State { get }

    /// The states `operation` may leave `state` in, having returned what it recorded; empty if it
    /// could not have returned that from `state`. More than one for a nondeterministic operation.
    func successors(of state: State, after operation: Operation) -> [State]
}

/// One operation of a concurrent history: what it was and returned, and when it was invoked and
/// when it returned, on one clock that every thread reads (distinct ticks).
struct TimedOperation<Operation> {
    var operation: Operation
    var invoked: Int
    var returned: Int

    /// Whether the two operations' intervals overlap.
    func overlaps(_ other: Self) -> Bool {
        invoked < other.returned && other.invoked < returned
    }
}

/// Decides whether a concurrent history is linearizable: whether its operations can be put in one
/// order that respects real time (an operation that returned before another was invoked comes
/// first) and in which each returns what it did under the sequential specification.
///
/// Wing and Gong's search, with Lowe's memoization ("Testing for linearizability", 2017): walk the
/// invocations and returns in time order; at an invocation, try to linearize that operation next
/// (take it out of the history, apply it to the state); reaching a return whose operation was not
/// linearized means a choice made earlier was wrong, so undo the last one and try the next
/// candidate. A configuration (the set of operations linearized, the state) already met is not
/// explored twice, which makes the search polynomial for most histories met in practice.
struct LinearizabilityChecker<Specification: SequentialSpecification> {
    let specification: Specification

    /// An event of the history's linked list: an invocation or a return.
    private struct Event {
        var operation: Int
        var isInvocation: Bool
        /// The invocation's return event, or the return's invocation.
        var match: Int
        var previous: Int
        var next: Int
    }

    /// A linearized operation, to undo: its invocation event, the state before it, and which of
    /// its successor states was chosen.
    private struct Choice {
        var invocation: Int
        var stateBefore: Specification.State
        var successors: [Specification.State]
        var chosen: Int
    }

    private struct Configuration: Hashable {
        var linearized: [UInt64]
        var state: Specification.State
    }

    /// Whether `history` is linearizable. - Complexity: exponential in the worst case, bounded by
    /// the configurations met (each explored once).
    func isLinearizable(_ history: [TimedOperation<Specification.Operation>]) -> Bool {
        var events = Self.events(of: history)
        let head = events.count - 1
        var linearized = [UInt64](repeating: 0, count: (history.count + 63) / 64)
        var seen = Set<Configuration>()
        var choices: [Choice] = []
        var state = specification.initialState
        var cursor = events[head].next

        /// Linearizes the operation of `invocation` through the first successor from `first` on
        /// that leads to a configuration not met before; `false` if none does.
        func linearize(_ invocation: Int, successors: [Specification.State], from first: Int) -> Bool {
            let operation = events[invocation].operation
            for index in successors.indices where index >= first {
                var next = linearized
                next[operation / 64] |= 1 << UInt64(operation % 64)
                guard seen.insert(Configuration(linearized: next, state: successors[index])).inserted else { continue }
                choices.append(
                    Choice(invocation: invocation, stateBefore: state, successors: successors, chosen: index)
                )
                linearized = next
                state = successors[index]
                Self.lift(invocation, in: &events)
                cursor = events[head].next
                return true
            }
            return false
        }

        while events[head].next != head {
            let event = events[cursor]
            if event.isInvocation {
                let successors = specification.successors(of: state, after: history[event.operation].operation)
                if !linearize(cursor, successors: successors, from: 0) { cursor = event.next }
            } else {
                // An operation returned without being linearized: undo the last choice.
                guard let last = choices.popLast() else { return false }
                let operation = events[last.invocation].operation
                Self.unlift(last.invocation, in: &events)
                state = last.stateBefore
                linearized[operation / 64] &= ~(1 << UInt64(operation % 64))
                if !linearize(last.invocation, successors: last.successors, from: last.chosen + 1) {
                    cursor = events[last.invocation].next
                }
            }
        }
        return true
    }

    /// The history's events in time order as a doubly linked list whose head (the last element)
    /// is a sentinel.
    private static func events(of history: [TimedOperation<Specification.Operation>]) -> [Event] {
        var times: [(time: Int, operation: Int, isInvocation: Bool)] = []
        for (index, timed) in history.enumerated() {
            precondition(
                timed.invoked < timed.returned,
                "operation \(index) returned at \(timed.returned), not after its invocation at \(timed.invoked)"
            )
            times.append((timed.invoked, index, true))
            times.append((timed.returned, index, false))
        }
        times.sort { $0.time < $1.time }
        var position = [Int](repeating: 0, count: 2 * history.count)
        for (index, time) in times.enumerated() { position[2 * time.operation + (time.isInvocation ? 0 : 1)] = index }
        let head = times.count
        var events = times.enumerated().map { index, time in
            Event(
                operation: time.operation,
                isInvocation: time.isInvocation,
                match: position[2 * time.operation + (time.isInvocation ? 1 : 0)],
                previous: index == 0 ? head : index - 1,
                next: index + 1
            )
        }
        events.append(
            Event(operation: -1, isInvocation: false, match: -1, previous: head - 1, next: head == 0 ? head : 0)
        )
        if head > 0 { events[head - 1].next = head }
        return events
    }

    /// Takes an operation's invocation and return out of the list.
    private static func lift(_ invocation: Int, in events: inout [Event]) {
        for event in [invocation, events[invocation].match] {
            events[events[event].previous].next = events[event].next
            events[events[event].next].previous = events[event].previous
        }
    }

    /// Puts back what ``lift(_:in:)`` took out, in the reverse order.
    private static func unlift(_ invocation: Int, in events: inout [Event]) {
        for event in [events[invocation].match, invocation] {
            events[events[event].previous].next = event
            events[events[event].next].previous = event
        }
    }
}
