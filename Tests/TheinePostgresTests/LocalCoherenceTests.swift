#if Postgres
import Testing
@testable import TheinePostgres

/// The rules that keep a near cache's local level coherent, and its message format, without a
/// server.
struct LocalCoherenceTests {
    @Test func aMessage_readsItsOriginKeysAndVersions() {
        let hex = Array("é\nk".utf8).map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }.joined()
        let message = InvalidationMessage(payload: "ab12 345\n7 \(hex)\n9 *")
        #expect(
            message
                == InvalidationMessage(
                    origin: "ab12",
                    heardThrough: 345,
                    changes: [(7, .key("é\nk")), (9, .everything)]
                )
        )
    }

    @Test(arguments: [
        "", "\n1 6b", "o\n1 6b", "o x\n1 6b", " 5\n1 6b", "o 5 6\n1 6b", "o 5\n1", "o 5\nx 6b", "o 5\n1 6",
        "o 5\n1 zz", "o 5\n1 ff",
    ])
    func aMalformedMessage_isRejected(payload: String) {
        #expect(InvalidationMessage(payload: payload) == nil)
    }

    @Test func batches_keepEveryKeyInOrder_andFitOnePayload() {
        let keys =
            (0..<1_000).map { String(repeating: "k", count: $0 % 97 + 1) }
            + [String(repeating: "z", count: InvalidationMessage.maximumKeyBytes)]
        let batches = InvalidationMessage.batches(of: keys)
        #expect(Array(batches.joined()) == keys)
        for batch in batches {
            let payload = 40 + batch.reduce(0) { $0 + 22 + 2 * $1.utf8.count }
            #expect(payload < 8_000)
        }
    }

    @Test func aNotification_dropsOnlyAnOlderCopy() {
        let coherence = listening()
        put("k", version: 5, in: coherence)
        #expect(coherence.observe("k", version: 4, isOwn: false) == nil)
        #expect(coherence.observe("k", version: 5, isOwn: false) == nil)
        #expect(coherence.observe("k", version: 6, isOwn: false) == "k")
        // Dropped: the next message finds no copy.
        #expect(coherence.observe("k", version: 7, isOwn: false) == nil)
    }

    @Test func aValue_entersOnlyIfNoNewerVersionWasHeard() {
        let coherence = listening()
        let epoch = coherence.begin("k", key: "k")
        _ = coherence.observe("k", version: 10, isOwn: false)
        #expect(!coherence.admit("k", version: 9, epoch: epoch))
        #expect(coherence.admit("k", version: 10, epoch: epoch))
        _ = coherence.end("k")
    }

    @Test func anOperationBegunInAnEarlierEpoch_putsNothingIn() {
        let coherence = listening()
        let epoch = coherence.begin("k", key: "k")
        coherence.startEpoch()
        #expect(!coherence.admit("k", version: 1, epoch: epoch))
        _ = coherence.end("k")
    }

    @Test func aCopyOvertakenBetweenAdmissionAndWrite_isNoLongerCurrent() {
        let coherence = listening()
        let epoch = coherence.begin("k", key: "k")
        #expect(coherence.admit("k", version: 3, epoch: epoch))
        #expect(coherence.observe("k", version: 4, isOwn: false) == "k")
        #expect(!coherence.isStillCurrent("k", version: 3, epoch: epoch))
        _ = coherence.end("k")
    }

    @Test func anOwnMessage_duringTheOperation_isLeftToIt_andItsEndDropsAnOlderCopy() {
        let coherence = listening()
        put("k", version: 1, in: coherence)
        let epoch = coherence.begin("k", key: "k")
        // Its own change (version 2) is heard before the statement's reply.
        #expect(coherence.observe("k", version: 2, isOwn: true) == nil)
        // The operation fails to put its value in (here, its epoch ended): the old copy must go.
        coherence.startEpoch()
        #expect(!coherence.admit("k", version: 2, epoch: epoch))
        #expect(coherence.end("k") == nil)  // the epoch's end already reset the copy
        put("k", version: 3, in: coherence)
        let second = coherence.begin("k", key: "k")
        #expect(coherence.observe("k", version: 4, isOwn: true) == nil)
        _ = second
        #expect(coherence.end("k") == "k")
    }

    @Test func withoutListening_theLocalLevelIsTrustedForTheMaximumStalenessOnly() async throws {
        let never = LocalCoherence<String>(maximumStaleness: .seconds(60))
        #expect(!never.isLocalLevelTrusted())  // never listened
        let strict = LocalCoherence<String>(maximumStaleness: .zero)
        strict.startedListening {}
        #expect(strict.isLocalLevelTrusted())
        strict.stoppedListening()
        #expect(!strict.isLocalLevelTrusted())
        let lenient = LocalCoherence<String>(maximumStaleness: .milliseconds(100))
        lenient.startedListening {}
        lenient.stoppedListening()
        #expect(lenient.isLocalLevelTrusted())
        try await Task.sleep(for: .milliseconds(150))
        #expect(!lenient.isLocalLevelTrusted())
    }

    @Test func trimming_keepsCopiesAndOperationsInFlight() {
        let coherence = listening()
        put("cached", version: 1, in: coherence)
        put("evicted", version: 1, in: coherence)
        _ = coherence.begin("loading", key: "loading")
        coherence.trim(keepingAtMost: 0) { $0 == "cached" }
        #expect(coherence.observe("cached", version: 2, isOwn: false) == "cached")
        #expect(coherence.observe("evicted", version: 2, isOwn: false) == nil)
        let epoch = coherence.epoch
        #expect(coherence.admit("loading", version: 1, epoch: epoch))
    }

    private func listening() -> LocalCoherence<String> {
        let coherence = LocalCoherence<String>(maximumStaleness: .zero)
        coherence.startedListening {}
        return coherence
    }

    private func put(_ key: String, version: Int64, in coherence: LocalCoherence<String>) {
        let epoch = coherence.begin(key, key: key)
        #expect(coherence.admit(key, version: version, epoch: epoch))
        _ = coherence.end(key)
    }
}
#endif
