import Dispatch

/// A cache that the ``ExpirationTicker`` visits.
protocol ExpirationTickerClient: AnyObject, Sendable {
    /// Removes the client's expired entries.
    ///
    /// - Returns: `false` when the client wants no more visits (it was closed).
    func expireEntriesOnTick() -> Bool
}

/// The one background timer that removes expired entries from every cache, so that they leave even
/// when nobody reads them.
///
/// No cache has a thread of its own: a cache registers with the shared ticker when it stores its
/// first entry with a TTL. The ticker starts a Dispatch timer on its first registration, visits
/// each registered cache every ``interval``, and cancels the timer when no registered cache is
/// left. It holds caches weakly, so it never keeps a released cache alive; a closed cache asks to
/// be dropped at its next visit.
///
/// Lock order: the ticker's lock is never held while a cache is visited, and a cache registers
/// without holding its own lock.
@usableFromInline
package final class ExpirationTicker: Sendable {
    /// The ticker every cache uses.
    package static let shared = ExpirationTicker(interval: .milliseconds(500))

    /// The time between two visits of every cache.
    let interval: Duration

    private struct WeakClient {
        weak var client: (any ExpirationTickerClient)?
    }

    private struct State {
        var clients: [WeakClient] = []
        var timer: (any DispatchSourceTimer)?
    }

    private let state = LockedState(State())
    private let queue = DispatchQueue(label: "Theine.ExpirationTicker")

    /// Creates a ticker that visits its caches every `interval`. Caches use ``shared``; tests make
    /// their own to observe one in isolation.
    init(interval: Duration) {
        precondition(interval > .zero, "interval must be > .zero, got \(interval)")
        self.interval = interval
    }

    /// Adds `client` to the caches visited on every tick, starting the timer if it is stopped.
    func register(_ client: any ExpirationTickerClient) {
        state.withLock { state in
            state.clients.append(WeakClient(client: client))
            if state.timer == nil { state.timer = makeTimer() }
        }
    }

    /// Waits until a visit in progress, if any, has ended; for tests.
    package func waitForVisits() {
        queue.sync {}
    }

    /// Whether the timer is running: some registered cache is alive and open.
    var isRunning: Bool {
        state.withLock { $0.timer != nil }
    }

    private func makeTimer() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = Int(interval.nanosecondsClamped)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        return timer
    }

    /// Visits every live client; drops released and closed ones; stops when none is left.
    private func tick() {
        let live: [any ExpirationTickerClient] = state.withLock { state in
            let live = state.clients.compactMap(\.client)
            state.clients = live.map { WeakClient(client: $0) }
            if live.isEmpty { stopTimer(&state) }
            return live
        }
        let finished = live.filter { !$0.expireEntriesOnTick() }.map { ObjectIdentifier($0) }
        guard !finished.isEmpty else { return }
        state.withLock { state in
            state.clients.removeAll { weak in
                weak.client.map { finished.contains(ObjectIdentifier($0)) } ?? true
            }
            if state.clients.isEmpty { stopTimer(&state) }
        }
    }

    private func stopTimer(_ state: inout State) {
        state.timer?.cancel()
        state.timer = nil
    }
}
