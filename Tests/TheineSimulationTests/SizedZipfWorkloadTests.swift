import Foundation
import Testing
import Theine
import TheineSimulation

struct SizedZipfWorkloadTests {
    static let zipf = ZipfWorkload(itemCount: 10_000, exponent: 1.0)

    /// Spearman's rank correlation between popularity (rank 0 highest) and size, ties averaged.
    static func popularitySizeCorrelation(_ sizes: [UInt32]) -> Double {
        let count = sizes.count
        let order = sizes.indices.sorted { sizes[$0] < sizes[$1] }
        var sizeRanks = [Double](repeating: 0, count: count)
        var start = 0
        while start < count {
            var end = start
            while end + 1 < count, sizes[order[end + 1]] == sizes[order[start]] { end += 1 }
            for position in start...end { sizeRanks[order[position]] = Double(start + end) / 2 }
            start = end + 1
        }
        let popularity = (0..<count).map { Double(count - 1 - $0) }
        func centered(_ values: [Double]) -> [Double] {
            let mean = values.reduce(0, +) / Double(values.count)
            return values.map { $0 - mean }
        }
        let (x, y) = (centered(popularity), centered(sizeRanks))
        let covariance = zip(x, y).map(*).reduce(0, +)
        return covariance / (x.map { $0 * $0 }.reduce(0, +) * y.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }

    @Test func requests_areTheZipfKeys_eachWeighingItsItemsSize() {
        let sized = SizedZipfWorkload(zipf: Self.zipf, sizeCorrelation: 0.3)
        let requests = sized.requests(count: 50_000, seed: 5)
        #expect(requests.keys == Self.zipf.requests(count: 50_000, seed: 5))
        let sizes = sized.sizes(seed: 5)
        let sizeOfKey = Dictionary(uniqueKeysWithValues: sizes.indices.map { (Self.zipf.key(ofRank: $0), sizes[$0]) })
        #expect(zip(requests.keys, requests.weights!).allSatisfy { sizeOfKey[$0] == $1 })
        #expect(requests == sized.requests(count: 50_000, seed: 5))
        #expect(requests.weights != sized.requests(count: 50_000, seed: 6).weights)
    }

    @Test func sizes_areHeavyTailedBetweenTheBounds() {
        let sizes = SizedZipfWorkload(zipf: Self.zipf).sizes(seed: UInt64.random(in: 0 ... .max)).sorted()
        #expect(sizes.first! >= 1_024 && sizes.last! <= 1 << 20)
        // Pareto, index 1.2, from 1 KiB: the median is 1 KiB × 2^(1/1.2) ≈ 1,825; one item in 100
        // is above 1 KiB × 100^(1/1.2) ≈ 47 KiB, and one in 4,000 reaches the 1 MiB cut.
        let median = sizes[sizes.count / 2]
        #expect((1_700...1_950).contains(median), "median \(median)")
        let aboveOnePercentile = sizes.filter { $0 > 47 << 10 }.count
        #expect((60...140).contains(aboveOnePercentile), "\(aboveOnePercentile) above 47 KiB")
    }

    @Test func sizeCorrelation_tiesSizeToPopularity() {
        let seed = UInt64.random(in: 0 ... .max)
        let sizes = [-1, -0.5, 0, 0.5, 1].map {
            SizedZipfWorkload(zipf: Self.zipf, sizeCorrelation: $0).sizes(seed: seed)
        }
        #expect(sizes[4] == sizes[4].sorted(by: >), "1: the more popular, the larger")
        #expect(sizes[0] == sizes[0].sorted(), "-1: the more popular, the smaller")
        let correlations = sizes.map(Self.popularitySizeCorrelation)
        #expect(abs(correlations[2]) < 0.05, "0: unrelated, got \(correlations[2])")
        #expect((0.35...0.65).contains(correlations[3]), "0.5: got \(correlations[3])")
        #expect((-0.65 ... -0.35).contains(correlations[1]), "-0.5: got \(correlations[1])")
        // Every draw keeps the same sizes: only their owners change.
        #expect(Set(sizes.map { $0.sorted() }).count == 1)
    }

    @Test func sizeCorrelation_popularItemsLarge_lowerTheHitRatioAtOneWeight() {
        let seed = UInt64.random(in: 0 ... .max)
        func hitRatio(_ correlation: Double) -> Double {
            let requests = SizedZipfWorkload(zipf: Self.zipf, sizeCorrelation: correlation)
                .requests(count: 100_000, seed: seed)
            let maximumWeight = requests.distinctWeight / 20
            return replay(requests, policies: [.library(.lru)], capacities: [maximumWeight], seed: seed)[0].hitRatio
        }
        // Small popular items: many fit. Large popular items: few do.
        #expect(hitRatio(-1) > hitRatio(0) + 5)
        #expect(hitRatio(0) > hitRatio(1) + 5)
    }
}
