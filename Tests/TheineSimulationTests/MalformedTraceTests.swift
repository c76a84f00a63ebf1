import Testing
import TheineSimulation

struct MalformedTraceTests {
    /// A malformed trace and the error it must give: the line, the quoted text, the problem.
    struct Case: Sendable, CustomTestStringConvertible {
        let format: TraceFormat
        let contents: String
        let line: Int
        let text: String
        let problem: String

        var testDescription: String { "\(format): \(problem)" }
    }

    static let cases: [Case] = [
        Case(format: .lirs, contents: "1\n2\nabc\n", line: 3, text: "abc", problem: "key is not a decimal number"),
        Case(format: .lirs, contents: "1\n\n*\n-5\n", line: 4, text: "-5", problem: "key is negative"),
        Case(
            format: .lirs,
            contents: "*\n18446744073709551616\n",
            line: 2,
            text: "18446744073709551616",
            problem: "key does not fit in 64 bits"
        ),
        Case(format: .lirs, contents: "1\r\n2 3\r\n", line: 2, text: "2 3", problem: "expected one key a line"),
        Case(format: .lirs, contents: "1\n+2\n", line: 2, text: "+2", problem: "key is not a decimal number"),
        Case(
            format: .arc,
            contents: "1 1 0 0\n2 0 0 1\n",
            line: 2,
            text: "2 0 0 1",
            problem: "count must be at least 1"
        ),
        Case(
            format: .arc,
            contents: "1 1 0 0\n\n2 1 0\n",
            line: 3,
            text: "2 1 0",
            problem: "expected 4 fields 'start count ignore seq'"
        ),
        Case(
            format: .arc,
            contents: "1 1 0 0 5\n",
            line: 1,
            text: "1 1 0 0 5",
            problem: "expected 4 fields 'start count ignore seq'"
        ),
        Case(format: .arc, contents: "1 1 0 0\n-1 1 0 0\n", line: 2, text: "-1 1 0 0", problem: "start is negative"),
        Case(format: .arc, contents: "1 -2 0 0\n", line: 1, text: "1 -2 0 0", problem: "count is negative"),
        Case(format: .arc, contents: "1 x 0 0\n", line: 1, text: "1 x 0 0", problem: "count is not a decimal number"),
        Case(
            format: .arc,
            contents: "99999999999999999999 1 0 0\n",
            line: 1,
            text: "99999999999999999999 1 0 0",
            problem: "start does not fit in 64 bits"
        ),
        Case(
            format: .arc,
            contents: "18446744073709551615 2 0 0\n",
            line: 1,
            text: "18446744073709551615 2 0 0",
            problem: "keys start ... start + count - 1 exceed 2^64 - 1"
        ),
        Case(
            format: .arc,
            contents: "0 99999999999 0 0\n",
            line: 1,
            text: "0 99999999999 0 0",
            problem: "count exceeds 16777216 requests on one line"
        ),
        Case(
            format: .csv,
            contents: "a,b\n1,2\n3\n",
            line: 3,
            text: "3",
            problem: "expected at least 2 fields, found 1"
        ),
        Case(
            format: .csv,
            contents: "a,b\n1,\"2\n",
            line: 2,
            text: "1,\"2",
            problem: "field 2 has no closing quote"
        ),
        Case(
            format: .csv,
            contents: "a,b\n\n1,\"2\"x\n",
            line: 3,
            text: "1,\"2\"x",
            problem: "field 2 has text after its closing quote"
        ),
    ]

    @Test(arguments: cases)
    func readAll_malformedLine_throwsWithItsLineNumber(testCase: Case) throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("bad.\(testCase.format == .arc ? "lis" : "trace")", testCase.contents)
            let reader = TraceReader(path: path, format: testCase.format, keyColumn: 2)
            let expected = TraceError.malformedLine(
                file: path,
                line: testCase.line,
                text: testCase.text,
                problem: testCase.problem
            )
            #expect(throws: expected) { try reader.readAll() }
            #expect(expected.description == "\(path):\(testCase.line): \(testCase.problem): '\(testCase.text)'")
        }
    }

    @Test func malformedLine_longLine_isQuotedInPart() throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("bad.trace", String(repeating: "x", count: 500))
            let error = try #require(throws: TraceError.self) { try TraceReader(path: path, format: .lirs).readAll() }
            #expect(
                error.description == "\(path):1: key is not a decimal number: '\(String(repeating: "x", count: 80))…'"
            )
        }
    }

    @Test func malformedLine_controlCharacters_areEscaped() throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("bad.trace", bytes: [0x31, 0x0A, 0x1B, 0x5B, 0x31, 0x09, 0x78, 0xFF, 0x0A])
            #expect(
                throws: TraceError.malformedLine(
                    file: path,
                    line: 2,
                    text: "\\u{1B}[1\\tx\u{FFFD}",
                    problem: "key is not a decimal number"
                )
            ) {
                try TraceReader(path: path, format: .lirs).readAll()
            }
        }
    }

    @Test(arguments: [
        (TraceFormat.lirs, ""), (.lirs, "*\n\n*\n"), (.arc, "\n\n"), (.keys, " \n\t\n"), (.csv, "key\n\n"),
        (.u32be, ""), (.u64be, ""),
    ])
    func readAll_noRequests_throwsEmpty(format: TraceFormat, contents: String) throws {
        try withFixtureDirectory { fixtures in
            let path = try fixtures.write("empty", contents)
            #expect(throws: TraceError.empty(file: path)) { try TraceReader(path: path, format: format).readAll() }
            #expect(TraceError.empty(file: path).description == "\(path): the trace has no requests")
        }
    }

    @Test(arguments: ["missing.trace", "missing.trace.gz", "missing.lis.zst"])
    func readAll_missingFile_throwsUnreadable(name: String) throws {
        try withFixtureDirectory { fixtures in
            let path = fixtures.path + "/" + name
            let expected = TraceError.unreadable(file: path, reason: "No such file or directory")
            #expect(throws: expected) { try TraceReader(path: path, format: .lirs).readAll() }
            #expect(expected.description == "\(path): cannot read the trace: No such file or directory")
        }
    }

    @Test func readAll_directory_throwsUnreadable() throws {
        try withFixtureDirectory { fixtures in
            let error = try #require(throws: TraceError.self) {
                try TraceReader(path: fixtures.path, format: .lirs).readAll()
            }
            #expect(error == .unreadable(file: fixtures.path, reason: "Is a directory"))
        }
    }
}
