@testable import TheineSimulation

/// The fuzz check of the trace decoders: any bytes decode to requests or to a ``TraceError`` that
/// names a line of the input, the same whether the bytes arrive whole or in chunks, and a decoder
/// that skips malformed lines keeps every request a strict one gave before its error.
public enum TraceDecoderCheck {
    /// The most requests a check collects from one input: an ARC line may stand for 2^24 requests,
    /// and the decoder must stop as soon as the consumer does.
    static let requestLimit = 1 << 16

    /// The file name the decoders put in their errors.
    static let file = "fuzz-input"

    /// One request as a decoder emits it.
    struct Request: Equatable {
        var key: UInt64
        var weight: UInt32
    }

    /// Everything a decoder made of one input.
    struct Outcome: Equatable {
        var requests: [Request] = []
        var error: TraceError?
        var skippedLineCount = 0
        var reachedLimit = false
    }

    /// Thrown by the consumer once it has ``requestLimit`` requests.
    struct RequestLimitReached: Error {}

    /// Checks `format`'s decoder on `input`. For CSV, the first byte chooses the key and weight
    /// columns and the rest is the trace.
    public static func check(_ input: UnsafeRawBufferPointer, format: TraceFormat) {
        var reader = FuzzInput(input)
        let makeDecoder: (_ skipsMalformedLines: Bool) -> any TraceDecoder
        var hasWeights = false
        switch format {
        case .lirs: makeDecoder = { TextTraceDecoder(file: file, layout: .lirs, skipsMalformedLines: $0) }
        case .arc: makeDecoder = { TextTraceDecoder(file: file, layout: .arc, skipsMalformedLines: $0) }
        case .keys: makeDecoder = { TextTraceDecoder(file: file, layout: .keys, skipsMalformedLines: $0) }
        case .csv:
            let choice = reader.int(0...11)
            let weightColumn = [nil, 1, 2, 3][choice / 3]
            hasWeights = weightColumn != nil
            let layout = TextTraceDecoder.Layout.csv(keyColumn: 1 + choice % 3, weightColumn: weightColumn)
            makeDecoder = { TextTraceDecoder(file: file, layout: layout, skipsMalformedLines: $0) }
        case .u32be: makeDecoder = { _ in BinaryTraceDecoder<UInt32>(file: file) }
        case .u64be: makeDecoder = { _ in BinaryTraceDecoder<UInt64>(file: file) }
        }
        let trace = reader.rest
        let whole = decode(trace, with: makeDecoder(false), chunkSizes: [max(trace.count, 1)])
        let chunked = decode(trace, with: makeDecoder(false), chunkSizes: chunkSizes(for: trace))
        require(whole == chunked, "chunk boundaries changed the outcome: \(whole) whole, \(chunked) in chunks")

        if let keySize = format.keySize {
            checkBinary(trace, keySize: keySize, outcome: whole)
        } else {
            checkText(
                trace,
                outcome: whole,
                skipping: decode(trace, with: makeDecoder(true), chunkSizes: [trace.count])
            )
        }
        if !hasWeights {
            require(whole.requests.allSatisfy { $0.weight == 1 }, "a trace without weights gave a weight other than 1")
        }
    }

    /// A binary trace is its keys, big-endian, back to back; a length that is not a multiple of the
    /// key size is `truncated`, with the length.
    static func checkBinary(_ trace: UnsafeRawBufferPointer, keySize: Int, outcome: Outcome) {
        let wholeKeys = trace.count / keySize
        let expected = (0..<min(wholeKeys, requestLimit)).map { index in
            Request(key: trace[index * keySize..<(index + 1) * keySize].reduce(0) { $0 << 8 | UInt64($1) }, weight: 1)
        }
        require(outcome.requests == expected, "the keys are not the input's big-endian numbers")
        guard !outcome.reachedLimit else { return }
        if trace.count % keySize == 0 {
            require(outcome.error == nil, "a whole number of keys threw \(String(describing: outcome.error))")
        } else {
            require(
                outcome.error == .truncated(file: file, byteCount: trace.count, keySize: keySize),
                "a partial key gave \(String(describing: outcome.error))"
            )
        }
    }

    /// A text trace's error names one of its lines; skipping malformed lines never throws, counts
    /// at most every line, and keeps every request decoded before the strict decoder's error.
    static func checkText(_ trace: UnsafeRawBufferPointer, outcome: Outcome, skipping: Outcome) {
        let lineCount = trace.count { $0 == UInt8(ascii: "\n") } + 1
        switch outcome.error {
        case nil:
            guard !outcome.reachedLimit else { break }
            require(skipping == outcome, "skipping changed a trace without malformed lines")
        case .malformedLine(let file, let line, let text, _):
            require(file == Self.file, "the error names the file \(file)")
            require((1...lineCount).contains(line), "the error names line \(line) of \(lineCount)")
            require(text.count <= TextTraceDecoder.quotedLineLength + 1, "the error quotes \(text.count) characters")
            require(skipping.reachedLimit || skipping.skippedLineCount >= 1, "a malformed line was not skipped")
        case let error?:
            fatalError("a text decoder threw \(error)")
        }
        require(skipping.error == nil, "a decoder skipping malformed lines threw \(String(describing: skipping.error))")
        require(skipping.skippedLineCount <= lineCount, "\(skipping.skippedLineCount) lines skipped of \(lineCount)")
        require(
            skipping.requests.starts(with: outcome.requests) || outcome.requests.starts(with: skipping.requests),
            "skipping malformed lines changed the requests before the first one"
        )
    }

    /// Decodes `trace` handing it to `decoder` in chunks of the given sizes (the last repeated),
    /// then finishes.
    static func decode(_ trace: UnsafeRawBufferPointer, with decoder: any TraceDecoder, chunkSizes: [Int]) -> Outcome {
        var decoder = decoder
        var outcome = Outcome()
        func emit(_ key: UInt64, _ weight: UInt32) throws {
            guard outcome.requests.count < requestLimit else { throw RequestLimitReached() }
            outcome.requests.append(Request(key: key, weight: weight))
        }
        do {
            var offset = 0
            var sizes = chunkSizes.makeIterator()
            var size = chunkSizes[0]
            repeat {
                size = sizes.next() ?? size
                let end = min(offset + size, trace.count)
                try decoder.decode(UnsafeRawBufferPointer(rebasing: trace[offset..<end]), emit: emit)
                offset = end
            } while offset < trace.count
            try decoder.finish(emit: emit)
        } catch is RequestLimitReached {
            outcome.reachedLimit = true
        } catch let error as TraceError {
            outcome.error = error
        } catch {
            fatalError("a decoder threw \(error), which is not a TraceError")
        }
        outcome.skippedLineCount = decoder.skippedLineCount
        return outcome
    }

    /// Chunk sizes of 1 to 16 bytes that depend on the input alone.
    static func chunkSizes(for trace: UnsafeRawBufferPointer) -> [Int] {
        var state = trace.reduce(UInt64(trace.count)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return (0..<64).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 1 + Int(state >> 60)
        }
    }
}
