import Testing

@testable import Theine

/// The timer wheel against a reference (a dictionary of deadlines) on seeded random schedules.
@Suite(.tags(.invariants))
struct TimerWheelTests {
    /// A delay from 1 ns to about 2^56 ns (2.3 years), uniform in its logarithm, so that every
    /// level and the overflow ring get deadlines.
    static func delay(using generator: inout SplitMix64) -> Int64 {
        let bits = Int64(generator.next() % 56) + 1
        return 1 + Int64(generator.next() % UInt64(1 << bits))
    }

    static func expectMatchesReference(
        _ wheel: TimerWheel,
        _ reference: [SlotIndex: Int64],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(wheel.scheduledCount == reference.count, sourceLocation: sourceLocation)
        for (slot, deadline) in reference {
            #expect(wheel.deadline(of: slot) == deadline, sourceLocation: sourceLocation)
        }
        wheel.checkInvariants { reference[$0] != nil }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomSchedules_expireExactlyTheDueDeadlines(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var now: Int64 = 987_654_321_987
        var wheel = TimerWheel(currentTime: now)
        var reference: [SlotIndex: Int64] = [:]
        var expired: [SlotIndex] = []
        let slotCount: SlotIndex = 300

        for _ in 0..<3_000 {
            switch generator.next() % 8 {
            case 0...3:
                let slot = SlotIndex(generator.next() % UInt64(slotCount))
                let deadline = now + Self.delay(using: &generator)
                wheel.schedule(slot, at: deadline)
                reference[slot] = deadline
            case 4:
                let slot = SlotIndex(generator.next() % UInt64(slotCount))
                wheel.cancel(slot)
                reference[slot] = nil
            case 5, 6:
                // Bucket-granular: everything due before the present bottom tick has gone, nothing
                // not yet due has.
                now += Self.delay(using: &generator) >> (generator.next() % 20)
                wheel.advance(to: now, expired: &expired)
                let presentTickStart = (now >> 30) << 30
                for slot in expired {
                    #expect(reference[slot].map { $0 <= now } == true, "slot \(slot) expired early or twice")
                    reference[slot] = nil
                }
                for (slot, deadline) in reference {
                    #expect(
                        deadline >= presentTickStart,
                        "slot \(slot) overdue since \(presentTickStart - deadline) ns"
                    )
                }
                expired.removeAll()
            default:
                // Exact: everything due has gone.
                now += Self.delay(using: &generator) >> (generator.next() % 20)
                wheel.expireAll(upTo: now, expired: &expired)
                let due = Set(reference.filter { $0.value <= now }.keys)
                #expect(Set(expired) == due)
                #expect(expired.count == due.count, "a slot expired twice")
                for slot in expired { reference[slot] = nil }
                expired.removeAll()
            }
            Self.expectMatchesReference(wheel, reference)
        }
    }

    @Test func deadlineInThePast_expiresOnTheNextAdvance() {
        var wheel = TimerWheel(currentTime: 10 << 30)
        var expired: [SlotIndex] = []
        wheel.schedule(0, at: 3)
        wheel.expireAll(upTo: 10 << 30, expired: &expired)
        #expect(expired == [0])
    }

    @Test func clockGoingBackwards_isIgnored_andExpiresNothingEarly() {
        var wheel = TimerWheel(currentTime: 100 << 30)
        var expired: [SlotIndex] = []
        wheel.schedule(0, at: (100 << 30) + 5)
        wheel.expireAll(upTo: 50 << 30, expired: &expired)
        #expect(expired.isEmpty)
        wheel.expireAll(upTo: (100 << 30) + 5, expired: &expired)
        #expect(expired == [0])
    }

    @Test func rescheduling_movesTheSlotWithoutDuplicatingIt() {
        var wheel = TimerWheel(currentTime: 0)
        var expired: [SlotIndex] = []
        wheel.schedule(7, at: 1 << 40)
        wheel.schedule(7, at: 5)
        wheel.schedule(7, at: 1 << 33)
        #expect(wheel.scheduledCount == 1)
        wheel.expireAll(upTo: 1 << 33, expired: &expired)
        #expect(expired == [7])
        #expect(wheel.isEmpty)
        wheel.checkInvariants { _ in false }
    }

    @Test func removeAll_forgetsEveryDeadline() {
        var wheel = TimerWheel(currentTime: 0)
        var expired: [SlotIndex] = []
        for slot in 0..<100 as Range<SlotIndex> { wheel.schedule(slot, at: Int64(slot) << 30) }
        wheel.removeAll()
        #expect(wheel.isEmpty)
        #expect(wheel.deadline(of: 5) == .max)
        wheel.expireAll(upTo: 1 << 40, expired: &expired)
        #expect(expired.isEmpty)
    }
}
