import ArgumentParser

/// The values of a comma-separated option called `name`, each read by `parse`.
///
/// - Throws: a `ValidationError` naming the option and the part that `parse` cannot read.
func parseList<T>(_ text: String, name: String, _ parse: (String) -> T?) throws -> [T] {
    try text.split(separator: ",").map { part in
        guard let value = parse(String(part)) else { throw ValidationError("\(name): cannot read '\(part)'") }
        return value
    }
}
