#if Macros
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing
import TheineMacrosPlugin

/// Expands `@Memoized` in `source` and compares with `expandedSource`, the diagnostics and, where
/// given, the source after applying every fix-it; a mismatch is an issue at the caller's line.
private func assertMemoizedExpansion(
    _ source: String,
    expandedSource: String,
    diagnostics: [DiagnosticSpec] = [],
    fixedSource: String? = nil,
    fileID: StaticString = #fileID,
    filePath: StaticString = #filePath,
    line: UInt = #line,
    column: UInt = #column
) {
    assertMacroExpansion(
        source,
        expandedSource: expandedSource,
        diagnostics: diagnostics,
        macroSpecs: ["Memoized": MacroSpec(type: MemoizedMacro.self)],
        fixedSource: fixedSource,
        failureHandler: { failure in
            Issue.record(
                Comment(rawValue: failure.message),
                sourceLocation: SourceLocation(
                    fileID: failure.location.fileID,
                    filePath: failure.location.filePath,
                    line: failure.location.line,
                    column: failure.location.column
                )
            )
        },
        fileID: fileID,
        filePath: filePath,
        line: line,
        column: column
    )
}

/// The expansion of each supported form.
struct MemoizedMacroExpansionTests {
    @Test func freeFunction_synchronous() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 100)
            func square(_ x: Int) -> Int {
                x * x
            }
            """,
            expandedSource: """
                func square(_ x: Int) -> Int {
                    return __memoized_square(x)
                }

                private func __uncached_square(_ x: Int) -> Int {
                    x * x
                }

                private let __memoized_square = Theine.Memoized(capacity: 100) { (x: Int) -> Int in
                    return __uncached_square(x)
                }
                """
        )
    }

    @Test func freeFunction_asyncThrowing_withLabelsDefaultsAndEveryArgument() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 1_000, ttl: .seconds(60), policy: .lru)
            public func price(of sku: String, in currency: String = "EUR") async throws -> Int {
                try await catalog.price(sku, currency)
            }
            """,
            expandedSource: """
                public func price(of sku: String, in currency: String = "EUR") async throws -> Int {
                    return try await __memoized_price(sku, currency)
                }

                private func __uncached_price(of sku: String, in currency: String) async throws -> Int {
                    try await catalog.price(sku, currency)
                }

                private let __memoized_price = Theine.Memoized(capacity: 1_000, policy: .lru, ttl: .seconds(60)) { (sku: String, currency: String) async throws -> Int in
                    return try await __uncached_price(of: sku, in: currency)
                }
                """
        )
    }

    @Test func refreshAfterAndStaleIfError_arePassedAfterTheTTL_whateverTheAttributesOrder() {
        assertMemoizedExpansion(
            """
            @Memoized(staleIfError: .seconds(600), refreshAfter: .seconds(45), capacity: 10, ttl: .seconds(60))
            func rate(_ currency: String) async throws -> Int {
                try await exchange.rate(currency)
            }
            """,
            expandedSource: """
                func rate(_ currency: String) async throws -> Int {
                    return try await __memoized_rate(currency)
                }

                private func __uncached_rate(_ currency: String) async throws -> Int {
                    try await exchange.rate(currency)
                }

                private let __memoized_rate = Theine.Memoized(capacity: 10, ttl: .seconds(60), refreshAfter: .seconds(45), staleIfError: .seconds(600)) { (currency: String) async throws -> Int in
                    return try await __uncached_rate(currency)
                }
                """
        )
    }

    @Test func expireAfterAccess_isPassedAfterStaleIfError_whateverTheAttributesOrder() {
        assertMemoizedExpansion(
            """
            @Memoized(expireAfterAccess: .seconds(300), policy: .lru, capacity: 10)
            func profile(_ id: Int) async throws -> String {
                try await store.profile(id)
            }
            """,
            expandedSource: """
                func profile(_ id: Int) async throws -> String {
                    return try await __memoized_profile(id)
                }

                private func __uncached_profile(_ id: Int) async throws -> String {
                    try await store.profile(id)
                }

                private let __memoized_profile = Theine.Memoized(capacity: 10, policy: .lru, expireAfterAccess: .seconds(300)) { (id: Int) async throws -> String in
                    return try await __uncached_profile(id)
                }
                """
        )
    }

    @Test func freeFunction_typedThrows_noArguments() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 1)
            func configuration() throws(ConfigurationError) -> Configuration {
                try Configuration.load()
            }
            """,
            expandedSource: """
                func configuration() throws(ConfigurationError) -> Configuration {
                    return try __memoized_configuration()
                }

                private func __uncached_configuration() throws(ConfigurationError) -> Configuration {
                    try Configuration.load()
                }

                private let __memoized_configuration = Theine.Memoized(capacity: 1) { () throws(ConfigurationError) -> Configuration in
                    return try __uncached_configuration()
                }
                """
        )
    }

    @Test func staticMethod() {
        assertMemoizedExpansion(
            """
            enum Catalog {
                @Memoized(capacity: 10)
                static func price(of sku: String) async -> Int {
                    sku.count
                }
            }
            """,
            expandedSource: """
                enum Catalog {
                    static func price(of sku: String) async -> Int {
                        return await __memoized_price(sku)
                    }

                    private static func __uncached_price(of sku: String) async -> Int {
                        sku.count
                    }

                    private static let __memoized_price = Theine.Memoized(capacity: 10) { (sku: String) async -> Int in
                        return await __uncached_price(of: sku)
                    }
                }
                """
        )
    }

    @Test func instanceMethod_keysOnSelf() {
        assertMemoizedExpansion(
            """
            struct Rectangle: Hashable, Sendable {
                let width: Int
                @Memoized(capacity: 10)
                func area(scale: Int) -> Int {
                    width * width * scale
                }
            }
            """,
            expandedSource: """
                struct Rectangle: Hashable, Sendable {
                    let width: Int
                    func area(scale: Int) -> Int {
                        return Rectangle.__memoized_area(self, scale)
                    }

                    private func __uncached_area(scale: Int) -> Int {
                        width * width * scale
                    }

                    private static let __memoized_area = Theine.Memoized(capacity: 10) { (__self: Rectangle, scale: Int) -> Int in
                        return __self.__uncached_area(scale: scale)
                    }
                }
                """
        )
    }

    @Test func instanceMethod_inAnExtension() {
        assertMemoizedExpansion(
            """
            extension Rectangle {
                @Memoized(capacity: 10)
                func perimeter() async throws -> Int {
                    2 * width
                }
            }
            """,
            expandedSource: """
                extension Rectangle {
                    func perimeter() async throws -> Int {
                        return try await Rectangle.__memoized_perimeter(self)
                    }

                    private func __uncached_perimeter() async throws -> Int {
                        2 * width
                    }

                    private static let __memoized_perimeter = Theine.Memoized(capacity: 10) { (__self: Rectangle) async throws -> Int in
                        return try await __self.__uncached_perimeter()
                    }
                }
                """
        )
    }
}

/// Each diagnostic: what `@Memoized` cannot memoize, with its fix-it where there is one.
struct MemoizedMacroDiagnosticTests {
    @Test func inoutParameter_fixItRemovesInout() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func grow(_ x: inout Int) -> Int {
                x += 1
                return x
            }
            """,
            expandedSource: """
                func grow(_ x: inout Int) -> Int {
                    x += 1
                    return x
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize 'inout' parameter 'x': a cached result cannot write back to it",
                    line: 2,
                    column: 16,
                    fixIts: [FixItSpec(message: "remove 'inout'")]
                )
            ],
            fixedSource: """
                @Memoized(capacity: 10)
                func grow(_ x: Int) -> Int {
                    x += 1
                    return x
                }
                """
        )
    }

    @Test func variadicParameter_fixItTakesAnArray() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func sum(_ xs: Int...) -> Int {
                xs.reduce(0, +)
            }
            """,
            expandedSource: """
                func sum(_ xs: Int...) -> Int {
                    xs.reduce(0, +)
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize variadic parameter 'xs': the key takes each argument as one value",
                    line: 2,
                    column: 19,
                    fixIts: [FixItSpec(message: "take an array, '[Int]'")]
                )
            ],
            fixedSource: """
                @Memoized(capacity: 10)
                func sum(_ xs: [Int]) -> Int {
                    xs.reduce(0, +)
                }
                """
        )
    }

    @Test func anyHashableParameter_fixItUsesAnyHashable() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func describe(_ value: any Hashable) -> String {
                "\\(value)"
            }
            """,
            expandedSource: """
                func describe(_ value: any Hashable) -> String {
                    "\\(value)"
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' keys the cache by the arguments, and parameter 'value' of type 'any Hashable' cannot be 'Hashable' (an existential is not 'Hashable')",
                    line: 2,
                    column: 24,
                    fixIts: [FixItSpec(message: "use 'AnyHashable'")]
                )
            ],
            fixedSource: """
                @Memoized(capacity: 10)
                func describe(_ value: AnyHashable) -> String {
                    "\\(value)"
                }
                """
        )
    }

    @Test func unhashableParameters_functionTupleExistentialMetatype() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func run(_ f: @escaping (Int) -> Int, _ pair: (Int, Int), _ shape: any Shape, _ type: Int.Type) -> Int {
                f(pair.0)
            }
            """,
            expandedSource: """
                func run(_ f: @escaping (Int) -> Int, _ pair: (Int, Int), _ shape: any Shape, _ type: Int.Type) -> Int {
                    f(pair.0)
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' keys the cache by the arguments, and parameter 'f' of type '(Int) -> Int' cannot be 'Hashable' (a function type is not 'Hashable')",
                    line: 2,
                    column: 25
                ),
                DiagnosticSpec(
                    message:
                        "'@Memoized' keys the cache by the arguments, and parameter 'pair' of type '(Int, Int)' cannot be 'Hashable' (a tuple is not 'Hashable')",
                    line: 2,
                    column: 47
                ),
                DiagnosticSpec(
                    message:
                        "'@Memoized' keys the cache by the arguments, and parameter 'shape' of type 'any Shape' cannot be 'Hashable' (an existential is not 'Hashable')",
                    line: 2,
                    column: 68
                ),
                DiagnosticSpec(
                    message:
                        "'@Memoized' keys the cache by the arguments, and parameter 'type' of type 'Int.Type' cannot be 'Hashable' (a metatype is not 'Hashable'; key on 'ObjectIdentifier(type)')",
                    line: 2,
                    column: 87
                ),
            ]
        )
    }

    @Test func opaqueParameter() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func hash(_ value: some Hashable) -> Int {
                value.hashValue
            }
            """,
            expandedSource: """
                func hash(_ value: some Hashable) -> Int {
                    value.hashValue
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize parameter 'value' of opaque type 'some Hashable': the function is generic over it",
                    line: 2,
                    column: 20
                )
            ]
        )
    }

    @Test func genericFunction() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func identity<T: Hashable>(_ value: T) -> T {
                value
            }
            """,
            expandedSource: """
                func identity<T: Hashable>(_ value: T) -> T {
                    value
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize a generic function: one cache holds one type of key and of result; memoize a non-generic function that calls it",
                    line: 2,
                    column: 14
                )
            ]
        )
    }

    @Test func genericType() {
        assertMemoizedExpansion(
            """
            struct Box<Element> {
                @Memoized(capacity: 10)
                static func make(_ x: Int) -> Int {
                    x
                }
            }
            """,
            expandedSource: """
                struct Box<Element> {
                    static func make(_ x: Int) -> Int {
                        x
                    }
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize a method of generic type 'Box': its cache is a static stored property, which generic types cannot have",
                    line: 3,
                    column: 17
                )
            ]
        )
    }

    @Test func localFunction() {
        assertMemoizedExpansion(
            """
            func outer() {
                @Memoized(capacity: 10)
                func inner(_ x: Int) -> Int {
                    x
                }
            }
            """,
            expandedSource: """
                func outer() {
                    func inner(_ x: Int) -> Int {
                        x
                    }
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize a local function: its cache is a global or a static property; move the function to file or type scope",
                    line: 3,
                    column: 10
                )
            ]
        )
    }

    @Test func mutatingMethod() {
        assertMemoizedExpansion(
            """
            struct Counter: Hashable {
                var count = 0
                @Memoized(capacity: 10)
                mutating func next(_ step: Int) -> Int {
                    count += step
                    return count
                }
            }
            """,
            expandedSource: """
                struct Counter: Hashable {
                    var count = 0
                    mutating func next(_ step: Int) -> Int {
                        count += step
                        return count
                    }
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize a 'mutating' method: the key holds a copy of 'self', and a cached result cannot change it",
                    line: 4,
                    column: 19
                )
            ]
        )
    }

    @Test func actorInstanceMethod() {
        assertMemoizedExpansion(
            """
            actor Store {
                @Memoized(capacity: 10)
                func load(_ id: Int) async -> Int {
                    id
                }
            }
            """,
            expandedSource: """
                actor Store {
                    func load(_ id: Int) async -> Int {
                        id
                    }
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' cannot memoize an actor's instance method: the function runs outside the actor, on the cache's load",
                    line: 3,
                    column: 10
                )
            ]
        )
    }

    @Test func unnamedParameter() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            func constant(_: Int) -> Int {
                1
            }
            """,
            expandedSource: """
                func constant(_: Int) -> Int {
                    1
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message:
                        "'@Memoized' passes every argument to the function, and this parameter has no name; name it",
                    line: 2,
                    column: 15
                )
            ]
        )
    }

    @Test func notAFunction() {
        assertMemoizedExpansion(
            """
            @Memoized(capacity: 10)
            var total = 0
            """,
            expandedSource: """
                var total = 0
                """,
            diagnostics: [DiagnosticSpec(message: "'@Memoized' memoizes functions only", line: 1, column: 1)]
        )
    }

    @Test func requirementWithoutBody() {
        assertMemoizedExpansion(
            """
            protocol Pricing {
                @Memoized(capacity: 10)
                func price(of sku: String) -> Int
            }
            """,
            expandedSource: """
                protocol Pricing {
                    func price(of sku: String) -> Int
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "'@Memoized' needs the function's body, to run it on a miss",
                    line: 3,
                    column: 10
                )
            ]
        )
    }
}
#endif
