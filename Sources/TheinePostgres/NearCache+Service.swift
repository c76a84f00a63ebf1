#if Postgres
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Theine

extension NearCache {
    /// Listens for other instances' changes until the task is cancelled or the service group
    /// shuts down gracefully; meanwhile, every 30 seconds, deletes expired shared rows and log rows
    /// older than ten minutes (in batches of 1,000).
    ///
    /// Holds one of the client's connections for `LISTEN` (`PostgresClient` has none of its own).
    /// If the connection fails, the local level stops answering (after `maximumStaleness`), and the
    /// listener connects again after 50 ms, doubling to at most 5 s while it keeps failing. When
    /// it listens again, it reads back from the invalidation log the changes it missed and drops
    /// the older local copies; if the log was pruned past what it last heard (an outage of over
    /// ten minutes), or the first time, it clears the local level instead.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.pruneExpiredRows() }
                await self.listen()
                group.cancelAll()
            }
        }
    }

    /// How long the invalidation log keeps a change: the longest outage an instance can replay.
    static var logRetention: Duration { .seconds(600) }

    private func listen() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                try await shared.prepare()
                let heardThrough = counters.heardThrough.load(ordering: .relaxed)
                try await shared.listen(
                    replayingFrom: heardThrough,
                    caughtUp: { missed, horizon in
                        catchUp(missed: missed, horizon: horizon)
                        delay = .milliseconds(50)
                    },
                    receive: { receive($0) }
                )
            } catch {
                if !Task.isCancelled {
                    logger.warning("near cache \(name) stopped listening: \(String(reflecting: error))")
                }
            }
            coherence.stoppedListening()
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        coherence.stoppedListening()
    }

    /// Once listening: applies the changes missed since what was last heard, or clears the local
    /// level if they are not known, then trusts it.
    private func catchUp(missed: [(version: Int64, key: ByteBuffer?)]?, horizon: Int64) {
        if let missed {
            coherence.resumedListening {
                for (version, key) in missed {
                    apply(version, to: key.map { .key(String(buffer: $0)) } ?? .everything, isOwn: false)
                }
            }
            counters.replays.add(1, ordering: .relaxed)
        } else {
            coherence.startedListening { local.invalidateAll() }
            counters.resynchronizations.add(1, ordering: .relaxed)
        }
        _ = counters.heardThrough.max(horizon, ordering: .relaxed)
    }

    /// Applies one notification: each key's local copy goes if older than the change.
    func receive(_ payload: String) {
        guard let message = InvalidationMessage(payload: payload) else {
            logger.warning("near cache \(name) ignored a message it cannot read: \(payload.prefix(100))")
            return
        }
        let isOwn = message.origin == shared.origin
        for (version, target) in message.changes {
            apply(version, to: target, isOwn: isOwn)
            // Version 0: a load lease given up, which changed nothing.
            if !isOwn, version != 0 { counters.invalidationsReceived.add(1, ordering: .relaxed) }
        }
        _ = counters.heardThrough.max(message.heardThrough, ordering: .relaxed)
    }

    /// Applies one change, heard or read back from the log.
    private func apply(_ version: Int64, to target: InvalidationMessage.Target, isOwn: Bool) {
        _ = counters.newestVersionHeard.max(version, ordering: .relaxed)
        switch target {
        case .everything:
            waiters.wakeAll()
            // This instance clears itself when its own `removeAll` returns.
            guard !isOwn else { return }
            coherence.startEpoch()
            local.invalidateAll()
        case .key(let text):
            if let key = coherence.observe(text, version: version, isOwn: isOwn) { local.invalidate(key) }
            waiters.wake(text)
        }
    }

    /// The newest version any message brought; for tests that wait until a change was heard.
    var newestVersionHeard: Int64 { counters.newestVersionHeard.load(ordering: .relaxed) }

    private func pruneExpiredRows() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(30))
            do {
                while try await shared.pruneExpired(batch: 1_000) == 1_000, !Task.isCancelled {}
                while try await shared.pruneLog(olderThan: Self.logRetention, batch: 1_000) == 1_000,
                    !Task.isCancelled
                {}
            } catch {
                if !Task.isCancelled { logger.debug("near cache \(name) could not prune its table: \(error)") }
            }
        }
    }
}
#endif
