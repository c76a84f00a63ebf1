import Testing
import TheineSimulation

struct TraceFormatTests {
    @Test(arguments: [
        ("arc-OLTP.lis.zst", TraceFormat.arc),
        ("traces/P1.lis", .arc),
        ("lirs-loop.trace.gz", .lirs),
        ("/tmp/multi1.trace", .lirs),
        ("requests.keys.gz", .keys),
        ("log.csv.zst", .csv),
    ])
    func guess_textTraceName_returnsFormat(fileName: String, format: TraceFormat) {
        #expect(TraceFormat.guess(fromFileName: fileName) == format)
    }

    @Test(arguments: [
        "corda-vaultservice.bin.gz", "cache2k-web07.bin.xz", "keys.txt", "-", "traces.lis/keys.bin", "lis",
    ])
    func guess_binaryOrUnknownName_returnsNil(fileName: String) {
        #expect(TraceFormat.guess(fromFileName: fileName) == nil)
    }

    @Test(arguments: [
        ("arc-OLTP.lis.zst", "arc-OLTP"),
        ("lirs-loop.trace.gz", "lirs-loop"),
        ("corda-vaultservice.bin.gz", "corda-vaultservice"),
        ("cache2k-web07.bin.xz", "cache2k-web07"),
        ("/work/shared/traces/arc-P2.lis.zst", "arc-P2"),
        ("keys.csv", "keys"),
        ("plain", "plain"),
        ("archive.tar.gz", "archive.tar"),
        (".gz", ".gz"),
        ("-", "stdin"),
    ])
    func traceName_stripsDirectoryCompressionAndFormat(path: String, name: String) {
        #expect(TraceFormat.traceName(ofPath: path) == name)
    }

    /// Found by the fuzzer (`scripts/fuzz trace-file-name`): a combining mark after a `/` joined
    /// it into one character, so the directory became part of the trace's name. Separators are
    /// found among Unicode scalars, as the file system sees them; a scalar that joins the next
    /// character (U+0600) hid `.gz` in the same way.
    @Test func aCombiningMarkAfterASlash_keepsTheDirectoryOutOfTheName() {
        #expect(TraceFormat.traceName(ofPath: "traces/\u{0730}") == "\u{0730}")
        #expect(TraceFormat.traceName(ofPath: "traces/\u{0301}arc-P2.lis") == "\u{0301}arc-P2")
        #expect(TraceFormat.guess(fromFileName: "traces/\u{0301}.lis") == .arc)
        #expect(TraceFormat.guess(fromFileName: "x.\u{0301}lis") == nil)
        #expect(TraceFormat.traceName(ofPath: "x\u{0600}.trace.gz") == "x\u{0600}")
        #expect(TraceFormat.guess(fromFileName: "x\u{0600}.trace.gz") == .lirs)
    }
}
