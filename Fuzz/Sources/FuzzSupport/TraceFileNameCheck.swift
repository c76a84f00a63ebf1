@testable import TheineSimulation

/// The fuzz check of the format guesser: any file name gives a format or none and a trace name,
/// both decided by the name's last path component alone.
public enum TraceFileNameCheck {
    public static func check(_ input: UnsafeRawBufferPointer) {
        let path = String(decoding: input, as: UTF8.self)
        let format = TraceFormat.guess(fromFileName: path)
        let name = TraceFormat.traceName(ofPath: path)
        guard path != "-" else { return require(name == "stdin", "standard input is named \(name)") }
        require(!name.contains("/"), "the trace name \(name) has a directory")
        // Paths are compared as the file system sees them: by Unicode scalars.
        let scalars = path.unicodeScalars
        let lastComponent = scalars[(scalars.lastIndex(of: "/").map(scalars.index(after:)) ?? scalars.startIndex)...]
        require(
            lastComponent.starts(with: name.unicodeScalars),
            "the trace name \(name) does not start \(path)'s file name"
        )
        for directory in ["traces/", "/", "a.lis/"] {
            require(TraceFormat.guess(fromFileName: directory + path) == format, "a directory changed the format")
            require(TraceFormat.traceName(ofPath: directory + path) == name, "a directory changed the name")
        }
        if let format {
            require(format.keySize == nil, "a binary format was guessed from the name \(path)")
        }
    }
}
