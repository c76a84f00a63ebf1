import ArgumentParser

/// `theine-bench hash-bits`: prints, for each line of standard input, the low bits of the line's
/// `hashValue` in this process, the bits a cache's table picks a bucket with.
///
/// Swift seeds its hashing per process (unless `SWIFT_DETERMINISTIC_HASHING` is set), so keys that
/// an attacker found to share these bits in one process spread over the buckets in the next: the
/// hash-flooding test (`HashSeedTests`) shows it with two runs of this command.
struct HashBitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-bits",
        abstract: "Print the low bits of each input line's String hashValue in this process."
    )

    @Option(help: "How many low bits of each hash value to print (1 to 32).")
    var bits = 16

    func validate() throws {
        guard (1...32).contains(bits) else { throw ValidationError("--bits must be 1 to 32, not \(bits)") }
    }

    func run() {
        let mask = (1 << bits) - 1
        while let line = readLine() {
            print(line.hashValue & mask)
        }
    }
}
