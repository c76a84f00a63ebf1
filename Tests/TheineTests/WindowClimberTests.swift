import Testing

@testable import Theine

struct WindowClimberTests {
    @Test func tie_staysAndKeepsStep() {
        var climber = WindowClimber(capacity: 1_000)
        #expect(climber.step == 62)
        #expect(climber.adjustment(largerWindowHits: 10, smallerWindowHits: 10, sampledRequests: 100) == 0)
        #expect(climber.step == 62)
    }

    @Test func largerWindowHitsMore_growsByStepThenDecays() {
        var climber = WindowClimber(capacity: 1_000)
        #expect(climber.adjustment(largerWindowHits: 101, smallerWindowHits: 100, sampledRequests: 1_000) == 62)
        #expect(climber.step == 61)  // 62.5 × 0.98
        #expect(climber.adjustment(largerWindowHits: 100, smallerWindowHits: 101, sampledRequests: 1_000) == -61)
        #expect(climber.step == 60)  // 61.25 × 0.98
    }

    @Test func differenceOfFivePercent_restartsStep() {
        var climber = WindowClimber(capacity: 1_000)
        for _ in 0..<20 { _ = climber.adjustment(largerWindowHits: 1, smallerWindowHits: 0, sampledRequests: 1_000) }
        #expect(climber.step < 45)
        #expect(climber.adjustment(largerWindowHits: 0, smallerWindowHits: 50, sampledRequests: 1_000) < 0)
        #expect(climber.step == 62)
    }

    @Test func smallCapacity_stepsAtLeastOneEntry() {
        var climber = WindowClimber(capacity: 4)
        #expect(climber.step == 1)
        #expect(climber.adjustment(largerWindowHits: 0, smallerWindowHits: 1, sampledRequests: 100) == -1)
    }
}

struct WindowProbeTests {
    @Test func copy_isIndependentAndEqual() {
        var probe = WindowProbe(capacity: 64, windowMaximum: 4, seed: 1)
        for hash in (0..<200).map({ SplitMix64.mixed(UInt64($0 % 80)) }) { probe.access(hash) }
        var copy = probe.copy()
        #expect(copy.hits == probe.hits)
        let replay = (0..<300).map { SplitMix64.mixed(UInt64($0 % 90)) }
        for hash in replay {
            probe.access(hash)
            copy.access(hash)
        }
        #expect(copy.hits == probe.hits)  // same state, same requests, same hits
        copy.resetHits()
        #expect(copy.hits == 0 && probe.hits > 0)
    }

    @Test func resizeWindow_takesFromProtected() {
        let probe = WindowProbe(capacity: 100, windowMaximum: 30, seed: 1)
        #expect(probe.windowMaximum == 30)
        probe.resizeWindow(to: 500)
        #expect(probe.windowMaximum == 100)
        probe.resizeWindow(to: 0)
        #expect(probe.windowMaximum == 1)
    }
}
