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

    @Test func resolve_lirsPercentages_matchTheAnchorSizes() throws {
        let sizes = try ["10%", "20%", " 30% ", "50%"].map(CacheSize.init(parsing:))
        #expect(sizes == [.fraction(0.1), .fraction(0.2), .fraction(0.3), .fraction(0.5)])
        #expect(CacheSize.resolve(sizes, distinctKeyCount: 9_939) == [990, 2_000, 3_000, 5_000])  // lirs-2_pools
        #expect(CacheSize.resolve(sizes, distinctKeyCount: 2_529) == [250, 510, 760, 1_300])  // lirs-gli
    }

    @Test func resolve_entriesAndPercentages_keepsOrderWithoutRepeats() throws {
        let sizes = try ["250", "1%", "250"].map(CacheSize.init(parsing:))
        #expect(CacheSize.resolve(sizes, distinctKeyCount: 25_000) == [250])
    }

    @Test(arguments: ["0", "-3", "0%", "-1%", "x", "", "1.5", "%", "nan%"])
    func parsing_notAPositiveSize_throwsNamingIt(text: String) {
        #expect(throws: InvalidCacheSizeError.self) { try CacheSize(parsing: text) }
    }

    @Test func parsing_zero_saysWhatSizesAre() {
        let error = #expect(throws: InvalidCacheSizeError.self) { try CacheSize(parsing: "0") }
        #expect(
            error?.description
                == "'0' is not a cache size: sizes are whole numbers of entries (at least 1) or percentages such as 5%"
        )
    }
}
