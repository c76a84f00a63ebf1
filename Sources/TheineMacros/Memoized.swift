#if Macros
@_exported import Theine

/// Memoizes the function it is attached to: the function keeps its name, signature and effects,
/// and its results are cached by its arguments in a ``/Theine/Memoized`` value.
///
/// ```swift
/// import TheineMacros
///
/// @Memoized(capacity: 1_000, ttl: .seconds(60))
/// func price(of sku: String, in currency: String) async throws -> Int {
///     try await catalog.price(sku, currency)
/// }
/// ```
///
/// - The key is the arguments, so each must be `Hashable & Sendable`; for an instance method the
///   key starts with `self`, which must be `Hashable & Sendable` too: two instances never share a
///   result. Static methods and functions at file scope key on their arguments alone.
/// - The cache is a private peer declaration (`__memoized_price`, a global or a static property)
///   shared by every call, and the original body moves to a private `__uncached_price`.
/// - Synchronous functions stay synchronous: a call blocks while another thread computes the same
///   result (see the blocking call of ``/Theine/Memoized``). Async ones suspend instead.
/// - Not for generic functions, local functions, methods of generic types, actors' instance
///   methods, `mutating` methods, or `inout`, variadic, opaque (`some`), function, tuple or
///   existential parameters: each is a compile-time error that says why.
///
/// - Parameters:
///   - capacity: the most results kept, in `1...Cache.maximumCapacity`.
///   - ttl: how long a result is served; `nil` for ever.
///   - refreshAfter: how old a result may be before a call that finds it reruns the function in
///     the background, serving the old result meanwhile; `nil` for never.
///   - staleIfError: how long past its `ttl` a result is kept, unseen, to answer a call whose
///     function fails instead of the error (fail-safe); `nil` for not at all.
///   - expireAfterAccess: how long a result is kept without a call that uses it (sliding
///     expiration); `nil` for no such limit.
///   - policy: which results to keep when full; adaptive W-TinyLFU by default.
@attached(peer, names: prefixed(__memoized_), prefixed(__uncached_))
@attached(body)
public macro Memoized(
    capacity: Int,
    ttl: Duration? = nil,
    refreshAfter: Duration? = nil,
    staleIfError: Duration? = nil,
    expireAfterAccess: Duration? = nil,
    policy: EvictionPolicy = .tinyLFU
) = #externalMacro(module: "TheineMacrosPlugin", type: "MemoizedMacro")
#endif
