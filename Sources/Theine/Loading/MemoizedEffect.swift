/// Whether a ``Memoized`` function is synchronous or async: the `Effect` of its type, which decides
/// the calls it offers.
///
/// Never spelled in user code: the initializer picks it from the function it is given.
public enum MemoizedEffect {
    /// A synchronous function: called with or without `await` (blocking, from synchronous code).
    public enum Synchronous {}

    /// An async function: called with `await` only.
    public enum Asynchronous {}
}
