import Testing

@testable import Theine

struct TimeToLiveTests {
    @Test func nil_neverExpires() {
        #expect(TimeToLive(nil) == .forever)
    }

    @Test(arguments: [Duration.zero, .nanoseconds(-1), .seconds(Int64.min)])
    func zeroOrLess_isExpired(ttl: Duration) {
        #expect(TimeToLive(ttl) == .expired)
    }

    @Test func overAHundredYears_neverExpires() {
        #expect(TimeToLive(TimeToLive.longest) == .nanoseconds(3_155_760_000 * 1_000_000_000))
        #expect(TimeToLive(TimeToLive.longest + .nanoseconds(1)) == .forever)
        #expect(TimeToLive(.seconds(Int64.max)) == .forever)
    }

    @Test func fractionsOfANanosecond_roundDownToWholeNanosecondsButNotToZero() {
        #expect(TimeToLive(.nanoseconds(1) / 3) == .nanoseconds(1))
        #expect(TimeToLive(.nanoseconds(5) + .nanoseconds(1) / 2) == .nanoseconds(5))
        #expect(TimeToLive(.milliseconds(1_500)) == .nanoseconds(1_500_000_000))
    }

    @Test func nanosecondsClamped_saturatesAtInt64Bounds() {
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
        #expect(Duration.seconds(Int64.min).nanosecondsClamped == .min)
        #expect(Duration.seconds(-2).nanosecondsClamped == -2_000_000_000)
        #expect(Duration.nanoseconds(Int64.max).nanosecondsClamped == .max)
    }
}
