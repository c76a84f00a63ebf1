/// A count-min sketch of 4-bit counters that estimates how often each key was seen recently.
///
/// W-TinyLFU admits a new entry only if the sketch says it is used more often than the entry it
/// would displace. Each key owns four counters (depth 4), all in one 64-byte block of eight
/// 64-bit words, so an increment or an estimate touches one cache line. The estimate is the
/// smallest of the four counters. Counters saturate at 15; after `sampleSize` increments (ten times
/// the cache's capacity) every counter is halved, so old popularity fades.
///
/// Memory follows the cache's entry count: the table starts at 64 words (512 bytes) and doubles as
/// entries arrive, up to the power of two at or above the capacity (about 8 bytes an entry).
/// Doubling keeps every estimate: a key's block index takes one more low bit of its hash, so block
/// `b` of the old table becomes blocks `b` and `b + oldBlockCount` of the new one, both copies of it.
///
/// The type is noncopyable: it owns its table, which ``copy()`` duplicates and `deinit` frees.
///
/// - Complexity: ``frequency(of:)`` and ``increment(_:)`` O(1), with no uniqueness check; the
///   periodic halving O(table size), amortized O(1) over the `sampleSize` increments that trigger it.
struct FrequencySketch: ~Copyable {
    // Implementation notes (references: [1] Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient
    // Cache Admission Policy", ACM ToS 2017, arXiv 1512.00727; [2] Cormode, Muthukrishnan, "An
    // improved data stream summary: the count-min sketch", 2005).
    //
    // A block is 8 words. Row `r` (0...3) of a key uses word `2r` or `2r + 1` of the block, chosen
    // by one bit of the key's counter hash, and one of the word's sixteen 4-bit counters, chosen by
    // four more bits. The block comes from the low bits of the 64-bit hash, the counter positions
    // from the high 32 bits, so the two choices are independent and growing the table (one more
    // block bit) never moves a key's counters within its block. The hash reaching the sketch is
    // already mixed by `policyHash(ofHashValue:)`, so a user's weak `hashValue` cannot cluster keys.
    //
    // Aging is the "reset" of [1]: halve every counter once `sampleSize` increments were counted.
    // Counters that were odd lose half a count each; the sample count is corrected by that loss
    // (divided by four, since every increment touched four counters) before it is halved too.
    //
    // Memory: `table` points to `wordCount` initialized words, allocated by this value aligned to
    // 64 bytes, so that each block is exactly one cache line; growth moves them to a new
    // allocation and frees the old one, `deinit` frees the last.

    private var table: UnsafeMutablePointer<UInt64>
    /// The number of 64-bit words in the table.
    private(set) var wordCount: Int
    private var blockMask: Int
    private var maximumWordCount: Int
    private var additions = 0

    /// The number of increments after which every counter is halved: 10 × capacity, or for a
    /// sketch that follows the entry count, 10 × the most entries seen (``growSample(forEntryCount:)``).
    private(set) var sampleSize: Int

    private static let initialWordCount = 64
    private static let blockAlignment = 64
    private static let lowBitOfEachCounter: UInt64 = 0x1111_1111_1111_1111
    private static let allButHighBitOfEachCounter: UInt64 = 0x7777_7777_7777_7777

    /// Creates an empty sketch for a cache of `capacity` entries; or, when `followsEntryCount`,
    /// for a cache bounded by a weight of `capacity`, whose table and sample follow the entry count.
    ///
    /// Both start with the same table for the same `capacity` (a weighted cache of unit weights
    /// holds as many entries), so that unit weights count exactly as entries do.
    init(capacity: Int, followsEntryCount: Bool = false) {
        let capped = min(max(capacity, 1), 1 << 30)
        let countBoundedWordCount = max(8, capped.roundedUpToPowerOfTwo)
        maximumWordCount = followsEntryCount ? 1 << 30 : countBoundedWordCount
        sampleSize = followsEntryCount ? 10 : 10 * capped
        wordCount = min(Self.initialWordCount, countBoundedWordCount)
        table = Self.allocateTable(wordCount: wordCount)
        table.initialize(repeating: 0, count: wordCount)
        blockMask = wordCount / 8 - 1
    }

    deinit {
        UnsafeMutableRawPointer(table).deallocate()
    }

    /// An independent copy of the sketch, counters and sample count included.
    ///
    /// - Complexity: O(table size).
    func copy() -> FrequencySketch {
        FrequencySketch(copying: self)
    }

    private init(copying other: borrowing FrequencySketch) {
        wordCount = other.wordCount
        table = Self.allocateTable(wordCount: wordCount)
        table.initialize(from: other.table, count: wordCount)
        blockMask = other.blockMask
        maximumWordCount = other.maximumWordCount
        additions = other.additions
        sampleSize = other.sampleSize
    }

    /// Uninitialized memory for `wordCount` words, aligned to a cache line.
    private static func allocateTable(wordCount: Int) -> UnsafeMutablePointer<UInt64> {
        UnsafeMutableRawPointer.allocate(byteCount: wordCount * MemoryLayout<UInt64>.stride, alignment: blockAlignment)
            .bindMemory(to: UInt64.self, capacity: wordCount)
    }

    /// Grows the table (doubling, keeping every estimate) until it has a word per entry for
    /// `entryCount` entries or reaches its maximum.
    ///
    /// - Complexity: amortized O(1) per entry added to the cache.
    mutating func ensureCapacity(forEntryCount entryCount: Int) {
        guard wordCount < entryCount, wordCount < maximumWordCount else { return }
        growTable(forEntryCount: entryCount)
    }

    /// Sizes a count-bounded sketch for a cache of `capacity` entries: the table may grow to a word
    /// per entry (it does not shrink: the counts it holds stay), and the aging sample is 10 ×
    /// `capacity`.
    mutating func resize(forCapacity capacity: Int) {
        let capped = min(max(capacity, 1), 1 << 30)
        maximumWordCount = max(8, capped.roundedUpToPowerOfTwo)
        sampleSize = 10 * capped
    }

    /// Raises the aging sample to 10 × `entryCount` if that is more: for a sketch that follows the
    /// entry count.
    mutating func growSample(forEntryCount entryCount: Int) {
        sampleSize = max(sampleSize, 10 * min(entryCount, 1 << 30))
    }

    private mutating func growTable(forEntryCount entryCount: Int) {
        var grownCount = wordCount
        while grownCount < entryCount && grownCount < maximumWordCount {
            grownCount *= 2
        }
        let grown = Self.allocateTable(wordCount: grownCount)
        for copyStart in stride(from: 0, to: grownCount, by: wordCount) {
            (grown + copyStart).initialize(from: table, count: wordCount)
        }
        UnsafeMutableRawPointer(table).deallocate()
        table = grown
        wordCount = grownCount
        blockMask = wordCount / 8 - 1
    }

    /// The estimated number of recent occurrences of the key with `hash`, 0...15.
    func frequency(of hash: UInt64) -> Int {
        let base = blockBase(of: hash)
        let counterHash = UInt32(truncatingIfNeeded: hash >> 32)
        var minimum: UInt64 = 15
        for row in 0..<4 {
            let (word, shift) = counterPosition(row: row, counterHash: counterHash, base: base)
            minimum = min(minimum, (table[word] >> shift) & 15)
        }
        return Int(minimum)
    }

    /// Reads the first word of the block of the key with `hash`: touching a batch of keys' blocks
    /// before counting them lets the processor fetch their cache lines in parallel.
    ///
    /// - Complexity: O(1): one load.
    func touch(_ hash: UInt64) -> UInt64 {
        table[blockBase(of: hash)]
    }

    /// Counts one occurrence of the key with `hash`, halving every counter when the sample is full.
    @inline(__always)
    mutating func increment(_ hash: UInt64) {
        let base = blockBase(of: hash)
        let counterHash = UInt32(truncatingIfNeeded: hash >> 32)
        var added = false
        for row in 0..<4 {
            let (word, shift) = counterPosition(row: row, counterHash: counterHash, base: base)
            let isBelowMaximum = (table[word] >> shift) & 15 != 15
            table[word] &+= UInt64(isBelowMaximum ? 1 : 0) << shift
            added = added || isBelowMaximum
        }
        if added {
            additions += 1
            if additions >= sampleSize { halveAllCounters() }
        }
    }

    @inline(__always)
    private func blockBase(of hash: UInt64) -> Int {
        (Int(truncatingIfNeeded: hash) & blockMask) << 3
    }

    @inline(__always)
    private func counterPosition(row: Int, counterHash: UInt32, base: Int) -> (word: Int, shift: UInt64) {
        let bits = counterHash >> UInt32(row << 3)
        let word = base + (row << 1) + Int(bits & 1)
        let shift = UInt64((bits >> 1) & 15) << 2
        return (word, shift)
    }

    @inline(never)
    private mutating func halveAllCounters() {
        var oddCounters = 0
        for index in 0..<wordCount {
            oddCounters += (table[index] & Self.lowBitOfEachCounter).nonzeroBitCount
            table[index] = (table[index] >> 1) & Self.allButHighBitOfEachCounter
        }
        additions = (additions - oddCounters / 4) / 2
    }
}

extension Int {
    /// The smallest power of two at or above `self` (1 for `self` ≤ 1).
    var roundedUpToPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }

    /// The largest power of two at or below `self` (1 for `self` ≤ 1).
    var roundedDownToPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - 1 - leadingZeroBitCount)
    }
}
