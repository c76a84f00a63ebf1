import Testing
import TheineSimulation

struct CacheSizesTests {
    @Test(arguments: [
        (913_347, [9_100, 46_000, 91_000, 230_000]),  // arc-P2 in ANCHORS.md
        (90_468, [900, 4_500, 9_000, 23_000]),  // corda-vaultservice
        (20_484, [200, 1_000, 2_000, 5_100]),  // cache2k-web07
    ])
    func fractions_traceFractions_matchTheAnchorSizes(itemCount: Int, sizes: [Int]) {
        #expect(CacheSizes.fractions(CacheSizes.traceFractions, of: itemCount) == sizes)
    }

    @Test func fractions_tinyWorkload_givesDistinctSizesOfAtLeastOne() {
        #expect(CacheSizes.fractions([0.001, 0.01, 0.1, 0.5], of: 30) == [1, 3, 15])
    }
}
