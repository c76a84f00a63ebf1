import Testing
import Theine
import TheineSimulation

struct ReportTests {
    static let report = Report(
        trace: "arc-OLTP",
        results: [
            ReplayResult(policy: .lru, capacity: 250, requestCount: 10_000, hitCount: 1_647),
            ReplayResult(policy: .lru, capacity: 2_000, requestCount: 10_000, hitCount: 4_247),
            ReplayResult(policy: .tinyLFU, capacity: 250, requestCount: 10_000, hitCount: 1),
            ReplayResult(policy: .tinyLFU, capacity: 2_000, requestCount: 10_000, hitCount: 10_000),
        ]
    )

    @Test func csvHeader_isTheAgreedColumns() {
        #expect(Report.csvHeader == "trace,policy,size,requests,hits,hit_ratio,byte_hit_ratio")
    }

    @Test func csv_writesOneRowPerResultWithFourDecimals() {
        let third = Report(
            trace: "a,b",
            results: [ReplayResult(policy: .lru, capacity: 3, requestCount: 3, hitCount: 1)]
        )
        #expect(
            Report.csv([Self.report, third]) == """
                trace,policy,size,requests,hits,hit_ratio,byte_hit_ratio
                arc-OLTP,lru,250,10000,1647,16.4700,16.4700
                arc-OLTP,lru,2000,10000,4247,42.4700,42.4700
                arc-OLTP,tinyLFU,250,10000,1,0.0100,0.0100
                arc-OLTP,tinyLFU,2000,10000,10000,100.0000,100.0000
                "a,b",lru,3,3,1,33.3333,33.3333

                """
        )
    }

    @Test func table_alignsPoliciesAgainstSizes() {
        #expect(
            Self.report.table() == """
                arc-OLTP: 10000 requests; hit ratio (%) by cache size (entries)
                policy     250    2000
                lru      16.47   42.47
                tinyLFU   0.01  100.00

                """
        )
    }

    @Test func weighted_tableAddsTheByteHitRatio_csvGivesIt() {
        let weighted = Report(
            trace: "sized",
            results: [
                ReplayResult(
                    policy: .library(.lru),
                    maximumWeight: 4_096,
                    requestCount: 8,
                    hitCount: 2,
                    requestedWeight: 550,
                    hitWeight: 160
                )
            ]
        )
        #expect(
            weighted.table() == """
                sized: 8 weighted requests; hit ratio (%) by cache size (weight)
                policy   4096
                lru     25.00
                sized: byte hit ratio (%) by cache size (weight)
                policy   4096
                lru     29.09

                """
        )
        #expect(weighted.csvRows() == ["sized,lru,4096,8,2,25.0000,29.0909"])
    }

    @Test func table_missingResult_showsDash() {
        let partial = Report(
            trace: "t",
            results: [
                ReplayResult(policy: .lru, capacity: 1, requestCount: 4, hitCount: 1),
                ReplayResult(policy: .tinyLFU, capacity: 2, requestCount: 4, hitCount: 2),
            ]
        )
        #expect(
            partial.table() == """
                t: 4 requests; hit ratio (%) by cache size (entries)
                policy       1      2
                lru      25.00      -
                tinyLFU      -  50.00

                """
        )
    }
}
