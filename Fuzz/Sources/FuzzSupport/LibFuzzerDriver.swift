#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's entry point when the program has its own `main`: parses libFuzzer's options from
/// the command line, then calls `check` with each input it generates (or with each file named).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ check: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The check of the running fuzz target, set once by ``runFuzzer(_:)`` before libFuzzer starts.
/// A C callback cannot capture it, so it lives here.
nonisolated(unsafe) private var currentCheck: ((UnsafeRawBufferPointer) -> Void)?

/// Runs libFuzzer with this process's command line (`-max_total_time=N`, corpus folders, or the
/// files of inputs to replay), calling `check` on every input, and exits with libFuzzer's status.
///
/// A check reports a finding by trapping (`precondition`): libFuzzer saves the input that
/// caused it. A check must depend on nothing but its input, so that the input alone reproduces it.
public func runFuzzer(_ check: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    currentCheck = check
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        currentCheck?(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
}
