import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line on standard error that shows how far a long read or replay has got (percent, requests a
/// second), rewritten in place; silent when standard error is not a terminal, and until a task has
/// run for a second, so short runs and logs stay clean.
final class ProgressLine {
    /// Whether standard error is a terminal.
    private let isEnabled = isatty(STDERR_FILENO) == 1
    private var label = ""
    private var start = Date()
    private var lastUpdate = Date.distantPast
    private var isShown = false

    /// Starts a new task named `label` (such as `reading arc-P2`).
    func begin(_ label: String) {
        self.label = label
        start = Date()
        lastUpdate = .distantPast
    }

    /// Shows `requests` done so far and, when known, the `fraction` of the task done; at most
    /// four times a second.
    func update(requests: Int, fraction: Double?) {
        guard isEnabled else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= 1, now.timeIntervalSince(lastUpdate) >= 0.25 else { return }
        lastUpdate = now
        var text = "\r\u{1B}[K\(label):"
        if let fraction { text += String(format: " %.0f%%,", 100 * fraction) }
        text += String(
            format: " %.1f M requests, %.1f M requests/s",
            Double(requests) / 1e6,
            Double(requests) / elapsed / 1e6
        )
        FileHandle.standardError.write(Data(text.utf8))
        isShown = true
    }

    /// Erases the line, if it is shown.
    func clear() {
        guard isShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        isShown = false
    }
}
