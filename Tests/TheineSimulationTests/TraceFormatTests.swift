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
}
