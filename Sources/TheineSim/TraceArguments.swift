import ArgumentParser

/// Which `--trace` each trace option (`--format`, `--key-column`, `--weight-column`, `--repeat`,
/// `--key-offset`) belongs to, from the order of the command line's arguments.
///
/// ArgumentParser collects each repeated option into its own array and forgets how the arrays
/// interleave; this walk over the raw arguments restores it. An option belongs to the nearest
/// `--trace` before it. `--format`, `--key-column` and `--weight-column` given before the first
/// `--trace` apply to every trace that gives none of its own; `--repeat` and `--key-offset` must follow a trace.
struct TraceArguments {
    /// The options that modify a trace.
    enum Modifier: String, CaseIterable {
        case format = "--format"
        case keyColumn = "--key-column"
        case weightColumn = "--weight-column"
        case repeatCount = "--repeat"
        case keyOffset = "--key-offset"
    }

    /// For each modifier, the index of the trace that each of its occurrences belongs to, in order;
    /// `nil` for an occurrence before the first `--trace` (a default for every trace).
    private(set) var owners: [Modifier: [Int?]] = [:]
    /// The number of `--trace` options.
    private(set) var traceCount = 0

    /// Walks `arguments` (without the command's name), up to a lone `--`.
    ///
    /// - Throws: a `ValidationError` when `--repeat` or `--key-offset` comes before any `--trace`,
    ///   or a trace has one modifier twice.
    init(_ arguments: [String]) throws {
        for argument in arguments {
            if argument == "--" { break }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if name == "--trace" {
                traceCount += 1
                continue
            }
            guard let modifier = Modifier(rawValue: name) else { continue }
            let owner = traceCount == 0 ? nil : traceCount - 1
            if owner == nil, modifier == .repeatCount || modifier == .keyOffset {
                throw ValidationError("\(modifier.rawValue) applies to the --trace before it: put it after one")
            }
            if owners[modifier, default: []].contains(owner) {
                let whose = owner.map { "trace \($0 + 1)" } ?? "every trace"
                throw ValidationError("\(modifier.rawValue) is given twice for \(whose)")
            }
            owners[modifier, default: []].append(owner)
        }
    }

    /// The value of `modifier` for trace `index`: its own, else the default given before the first
    /// trace, else `nil`.
    ///
    /// - Parameter values: ArgumentParser's values of `modifier`, in command-line order.
    /// - Throws: a `ValidationError` if the walk found a different number of them (an option
    ///   spelled in a way the walk does not know), rather than guess which trace a value is for.
    func value<Value>(of modifier: Modifier, forTrace index: Int, in values: [Value]) throws -> Value? {
        let owners = owners[modifier] ?? []
        guard owners.count == values.count else {
            throw ValidationError(
                "cannot tell which --trace each \(modifier.rawValue) belongs to: write it as '\(modifier.rawValue) VALUE' after its --trace"
            )
        }
        return owners.firstIndex(of: index).map { values[$0] } ?? owners.firstIndex(of: nil).map { values[$0] }
    }
}
