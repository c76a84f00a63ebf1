#if Postgres
/// The payload of one notification on a near cache's channel: who sent it, how far it shows the
/// log was heard, and which keys changed at which versions (or that everything did).
///
/// Text, as `NOTIFY` requires: the sender's id and the `xmin` of its statement's snapshot on the
/// first line (`ORIGIN XMIN`), then one line for each key, `VERSION HEX` with the key's UTF-8 in
/// hex, or `VERSION *` for a `removeAll`. The database writes the lines itself (the version comes
/// from its sequence in the same statement), so this type only reads them; ``maximumKeyBytes`` is
/// what fits.
struct InvalidationMessage: Equatable {
    /// A changed key (its text), or every key.
    enum Target: Equatable {
        case key(String)
        case everything
    }

    /// The sending instance's id (``NearCache`` makes one at random).
    var origin: String
    /// Every transaction with a smaller id had ended when the change began: a listener that hears
    /// this message has heard all their changes.
    var heardThrough: Int64
    /// What changed, in the order written, each with the version it changed to.
    var changes: [(version: Int64, target: Target)]

    /// PostgreSQL's limit on a payload is 8,000 bytes; this leaves room for the first line and one
    /// version, with the key in hex.
    static let maximumKeyBytes = 3_950

    init(origin: String, heardThrough: Int64, changes: [(version: Int64, target: Target)]) {
        self.origin = origin
        self.heardThrough = heardThrough
        self.changes = changes
    }

    /// `keys` (each at most ``maximumKeyBytes`` of UTF-8) in order, in groups whose message fits
    /// one payload: a line of at most 20 digits of version, a space, the key in hex and a newline
    /// for each, after a first line of at most 40 bytes.
    static func batches(of keys: [String]) -> [[String]] {
        let budget = 7_900 - 40
        var batches: [[String]] = []
        var batch: [String] = []
        var used = 0
        for key in keys {
            let line = 22 + 2 * key.utf8.count
            if used + line > budget, !batch.isEmpty {
                batches.append(batch)
                batch = []
                used = 0
            }
            batch.append(key)
            used += line
        }
        if !batch.isEmpty { batches.append(batch) }
        return batches
    }

    /// Reads `payload`; `nil` if it is not a near cache's message.
    init?(payload: String) {
        var lines = payload.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let header = lines.popFirst() else { return nil }
        let fields = header.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[0].isEmpty, let heardThrough = Int64(fields[1]) else { return nil }
        var changes: [(version: Int64, target: Target)] = []
        for line in lines {
            guard let space = line.firstIndex(of: " "), let version = Int64(line[..<space]) else { return nil }
            let text = line[line.index(after: space)...]
            if text == "*" {
                changes.append((version, .everything))
            } else {
                guard let key = Self.decodeHex(text) else { return nil }
                changes.append((version, .key(key)))
            }
        }
        self.origin = String(fields[0])
        self.heardThrough = heardThrough
        self.changes = changes
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.origin == rhs.origin
            && lhs.changes.elementsEqual(rhs.changes) { $0.version == $1.version && $0.target == $1.target }
    }

    /// The UTF-8 text whose bytes `hex` spells, or `nil`.
    private static func decodeHex(_ hex: Substring) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
#endif
