#if Postgres
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Theine

extension NearCache {
    /// Listens for other instances' changes until the task is cancelled or the service group
    /// shuts down gracefully; meanwhile, every 30 seconds, deletes expired shared rows (in batches
    /// of 1,000).
    ///
    /// Holds one of the client's connections for `LISTEN` (`PostgresClient` has none of its own).
    /// If the connection fails, the local level stops answering (after `maximumStaleness`), and the
    /// listener connects again after 50 ms, doubling to at most 5 s while it keeps failing. Each
    /// time listening begins, the local level is cleared, since changes may have been missed.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.pruneExpiredRows() }
                await self.listen()
                group.cancelAll()
            }
        }
    }

    private func listen() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                try await schema.prepare(self)
                try await client.withConnection { connection in
                    try await connection.listen(on: shared.channel) { notifications in
                        coherence.startedListening { local.invalidateAll() }
                        counters.resynchronizations.add(1, ordering: .relaxed)
                        for try await notification in notifications {
                            receive(notification.payload)
                        }
                    }
                }
                delay = .milliseconds(50)
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

    /// Applies one notification: each key's local copy goes if older than the change.
    func receive(_ payload: String) {
        guard let message = InvalidationMessage(payload: payload) else {
            logger.warning("near cache \(name) ignored a message it cannot read: \(payload.prefix(100))")
            return
        }
        let isOwn = message.origin == shared.origin
        for (version, target) in message.changes {
            _ = counters.newestVersionHeard.max(version, ordering: .relaxed)
            switch target {
            case .everything:
                // This instance clears itself when its own `removeAll` returns.
                guard !isOwn else { continue }
                coherence.startEpoch()
                local.invalidateAll()
            case .key(let text):
                if let key = coherence.observe(text, version: version, isOwn: isOwn) { local.invalidate(key) }
            }
            if !isOwn { counters.invalidationsReceived.add(1, ordering: .relaxed) }
        }
    }

    /// The newest version any message brought; for tests that wait until a change was heard.
    var newestVersionHeard: Int64 { counters.newestVersionHeard.load(ordering: .relaxed) }

    private func pruneExpiredRows() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(30))
            do {
                while try await shared.pruneExpired(batch: 1_000, on: client) == 1_000, !Task.isCancelled {}
            } catch {
                if !Task.isCancelled { logger.debug("near cache \(name) could not prune its table: \(error)") }
            }
        }
    }
}
#endif
