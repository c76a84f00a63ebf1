/// Decodes a text trace, line by line: LIRS (one key a line), ARC (`start count ignore seq`), text
/// keys (one a line) or CSV.
///
/// Lines end with `\n`; a `\r` before it, spaces and tabs are whitespace. Blank lines are skipped
/// in every layout, and so are LIRS `*` marker lines and the CSV header (line 1). Numbers are
/// unsigned decimals that fit in 64 bits; anything else is a
/// ``TraceError/malformedLine(file:line:text:problem:)`` naming the line, or, when malformed lines
/// are skipped, counted in ``skippedLineCount``.
struct TextTraceDecoder: TraceDecoder {
    /// How a line of the trace is laid out.
    enum Layout {
        /// One decimal key a line (or a `*` marker).
        case lirs
        /// `start count ignore seq`: `count` requests for `start`, `start + 1`, … `start + count - 1`.
        case arc
        /// One key a line, any text, hashed by ``TextKeyHash``.
        case keys
        /// Comma-separated records after a header line; the key is the text of field `keyColumn`
        /// (1-based), hashed by ``TextKeyHash``, and the weight the unsigned decimal in field
        /// `weightColumn` (below 2^32), or 1 without one.
        case csv(keyColumn: Int, weightColumn: Int?)
    }

    /// The most requests one ARC line may stand for. Real traces use at most a few hundred; a
    /// larger count is a corrupt field, and expanding it would exhaust memory.
    static let maximumRunLength: UInt64 = 1 << 24

    /// The most characters of an offending line an error message quotes.
    static let quotedLineLength = 80

    /// The trace's name in error messages.
    let file: String
    let layout: Layout
    /// Whether a malformed line is counted and skipped instead of thrown.
    let skipsMalformedLines: Bool

    /// The number of malformed lines skipped so far.
    private(set) var skippedLineCount = 0
    /// The number of lines completed so far (the 1-based number of the last one).
    private var lineNumber = 0
    /// The start of a line that the previous chunk did not finish.
    private var pendingLine: [UInt8] = []

    init(file: String, layout: Layout, skipsMalformedLines: Bool = false) {
        self.file = file
        self.layout = layout
        self.skipsMalformedLines = skipsMalformedLines
    }

    mutating func decode(_ chunk: UnsafeRawBufferPointer, emit: TraceRequestHandler) throws {
        var lineStart = 0
        for index in chunk.indices where chunk[index] == UInt8(ascii: "\n") {
            lineNumber += 1
            let line = UnsafeRawBufferPointer(rebasing: chunk[lineStart..<index])
            if pendingLine.isEmpty {
                try parseOrSkip(line, emit: emit)
            } else {
                pendingLine.append(contentsOf: line)
                let completed = pendingLine
                pendingLine.removeAll(keepingCapacity: true)
                try completed.withUnsafeBytes { try parseOrSkip($0, emit: emit) }
            }
            lineStart = index + 1
        }
        pendingLine.append(contentsOf: chunk[lineStart...])
    }

    mutating func finish(emit: TraceRequestHandler) throws {
        guard !pendingLine.isEmpty else { return }
        lineNumber += 1
        let completed = pendingLine
        pendingLine.removeAll()
        try completed.withUnsafeBytes { try parseOrSkip($0, emit: emit) }
    }

    /// Parses line number ``lineNumber``, or counts it in ``skippedLineCount`` if it is malformed
    /// and ``skipsMalformedLines`` is set. A malformed line emits no key: it is checked whole first.
    private mutating func parseOrSkip(_ line: UnsafeRawBufferPointer, emit: TraceRequestHandler) throws {
        guard skipsMalformedLines else { return try parse(line, emit: emit) }
        do {
            try parse(line, emit: emit)
        } catch let error as TraceError {
            guard case .malformedLine(let file, let number, _, _) = error, file == self.file, number == lineNumber
            else {
                throw error
            }
            skippedLineCount += 1
        }
    }

    /// Parses line number ``lineNumber``, without its `\n`.
    private func parse(_ line: UnsafeRawBufferPointer, emit: TraceRequestHandler) throws {
        var fields = FieldScanner(line)
        guard let first = fields.next() else { return }
        switch layout {
        case .keys:
            var last = first
            while let field = fields.next() { last = field }
            try emit(TextKeyHash.key(of: line[first.lowerBound..<last.upperBound]), 1)
        case .csv(let keyColumn, let weightColumn):
            guard lineNumber > 1 else { return }  // the header
            let key = TextKeyHash.key(of: try csvField(keyColumn, of: line))
            guard let weightColumn else { return try emit(key, 1) }
            let weightText = try csvField(weightColumn, of: line).trimmingSpaces()
            let weight = try weightText.withUnsafeBytes { text in
                try number(text, text.indices, named: "weight", line: line)
            }
            guard let narrowWeight = UInt32(exactly: weight) else {
                throw malformed(line, "weight \(weight) does not fit in 32 bits")
            }
            try emit(key, narrowWeight)
        case .lirs:
            if first.count == 1, line[first.lowerBound] == UInt8(ascii: "*"), fields.next() == nil { return }
            let key = try number(line, first, named: "key")
            guard fields.next() == nil else { throw malformed(line, "expected one key a line") }
            try emit(key, 1)
        case .arc:
            let second = fields.next()
            let third = fields.next()
            let fourth = fields.next()
            let fifth = fields.next()
            guard let second, third != nil, fourth != nil, fifth == nil else {
                throw malformed(line, "expected 4 fields 'start count ignore seq'")
            }
            let start = try number(line, first, named: "start")
            let count = try number(line, second, named: "count")
            guard count >= 1 else { throw malformed(line, "count must be at least 1") }
            guard count <= Self.maximumRunLength else {
                throw malformed(line, "count exceeds \(Self.maximumRunLength) requests on one line")
            }
            let (last, overflow) = start.addingReportingOverflow(count - 1)
            guard !overflow else { throw malformed(line, "keys start ... start + count - 1 exceed 2^64 - 1") }
            for key in start...last {
                try emit(key, 1)
            }
        }
    }

    /// The text of field `column` (1-based) of the CSV record `line`, quotes removed.
    private func csvField(_ column: Int, of line: UnsafeRawBufferPointer) throws -> [UInt8] {
        var fieldCount = 1
        var field: [UInt8] = []
        var position = 0
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        while true {
            field.removeAll(keepingCapacity: true)
            if position < line.count, line[position] == quote {
                position += 1
                while true {
                    guard position < line.count else {
                        throw malformed(line, "field \(fieldCount) has no closing quote")
                    }
                    if line[position] == quote {
                        if position + 1 < line.count, line[position + 1] == quote {
                            field.append(quote)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    field.append(line[position])
                    position += 1
                }
                guard position == line.count || line[position] == comma || line[position] == UInt8(ascii: "\r") else {
                    throw malformed(line, "field \(fieldCount) has text after its closing quote")
                }
            } else {
                while position < line.count, line[position] != comma {
                    field.append(line[position])
                    position += 1
                }
                if field.last == UInt8(ascii: "\r") { field.removeLast() }
            }
            if fieldCount == column { return field }
            guard position < line.count, line[position] == comma else {
                throw malformed(line, "expected at least \(column) fields, found \(fieldCount)")
            }
            position += 1
            fieldCount += 1
        }
    }

    /// The unsigned decimal in `text[field]`; `name` names the field in the error if it is not one,
    /// which quotes `line` (`text` itself by default).
    private func number(
        _ text: UnsafeRawBufferPointer,
        _ field: Range<Int>,
        named name: String,
        line: UnsafeRawBufferPointer? = nil
    ) throws -> UInt64 {
        let line = line ?? text
        guard !field.isEmpty else { throw malformed(line, "\(name) is empty") }
        var value: UInt64 = 0
        for byte in text[field] {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else {
                let magnitude = text[field].dropFirst()
                let isNegative =
                    text[field.lowerBound] == UInt8(ascii: "-") && !magnitude.isEmpty
                    && magnitude.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                throw malformed(line, isNegative ? "\(name) is negative" : "\(name) is not a decimal number")
            }
            let (shifted, overflowByTen) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowByDigit) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflowByTen, !overflowByDigit else { throw malformed(line, "\(name) does not fit in 64 bits") }
            value = sum
        }
        return value
    }

    /// The error for the current line, quoting it with control characters escaped (`\u{1B}`) and
    /// invalid UTF-8 shown as U+FFFD.
    private func malformed(_ line: UnsafeRawBufferPointer, _ problem: String) -> TraceError {
        var text = String(decoding: line, as: UTF8.self)
        while text.last?.isWhitespace == true { text.removeLast() }
        text = text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined()
        if text.count > Self.quotedLineLength { text = text.prefix(Self.quotedLineLength) + "…" }
        return .malformedLine(file: file, line: lineNumber, text: text, problem: problem)
    }
}

/// The whitespace-separated fields of a line, as byte ranges, without allocating.
private struct FieldScanner {
    let line: UnsafeRawBufferPointer
    var position = 0

    init(_ line: UnsafeRawBufferPointer) {
        self.line = line
    }

    /// The next field's range, or `nil` at the end of the line.
    mutating func next() -> Range<Int>? {
        while position < line.count, Self.isWhitespace(line[position]) { position += 1 }
        guard position < line.count else { return nil }
        let start = position
        while position < line.count, !Self.isWhitespace(line[position]) { position += 1 }
        return start..<position
    }

    /// Space, tab, carriage return, vertical tab or form feed.
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || (9...13).contains(byte)
    }
}

extension [UInt8] {
    /// The bytes without the spaces at either end.
    fileprivate func trimmingSpaces() -> ArraySlice<UInt8> {
        let space = UInt8(ascii: " ")
        guard let first = firstIndex(where: { $0 != space }), let last = lastIndex(where: { $0 != space }) else {
            return []
        }
        return self[first...last]
    }
}
