#if Macros
import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@Memoized(capacity:ttl:refreshAfter:staleIfError:expireAfterAccess:policy:)`: the function keeps its name and signature; its body becomes
/// a call of a `Memoized` value, which runs the original body, moved to a private peer, on a miss.
///
/// ```swift
/// @Memoized(capacity: 100)
/// func square(_ x: Int) -> Int { x * x }
/// ```
/// expands to
/// ```swift
/// func square(_ x: Int) -> Int {
///     return __memoized_square(x)
/// }
/// private func __uncached_square(_ x: Int) -> Int { x * x }
/// private let __memoized_square = Theine.Memoized(capacity: 100) { (x: Int) -> Int in
///     return __uncached_square(x)
/// }
/// ```
/// In a type the cache is a `private static let`; for an instance method the key's first part is
/// `self`, so that two instances never share a result.
public struct MemoizedMacro: PeerMacro, BodyMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        let function = try MemoizedFunction(declaration, in: context)
        return [function.uncachedDeclaration, function.cacheDeclaration(arguments: node.arguments)]
    }

    /// Where the function cannot be memoized, the peer role has said why; the body stays as it
    /// is, so that the diagnostics are the only errors.
    public static func expansion(
        of node: AttributeSyntax,
        providingBodyFor declaration: some DeclSyntaxProtocol & WithOptionalCodeBlockSyntax,
        in context: some MacroExpansionContext
    ) throws -> [CodeBlockItemSyntax] {
        guard let function = try? MemoizedFunction(declaration, in: context) else {
            return Array(declaration.body?.statements ?? [])
        }
        return [function.memoizedCall]
    }
}

extension MemoizedFunction {
    var cacheName: String { "__memoized_\(baseName)" }
    var uncachedName: String { "__uncached_\(baseName)" }

    /// The body's one statement: the call of the cache, `self` first for an instance method.
    var memoizedCall: CodeBlockItemSyntax {
        let arguments = parameters.map(\.name)
        let call =
            switch scope {
            case .file, .staticMethod: "\(cacheName)(\(arguments.joined(separator: ", ")))"
            case .instanceMethod(let type): "\(type).\(cacheName)(\((["self"] + arguments).joined(separator: ", ")))"
            }
        return "return \(raw: callEffects)\(raw: call)"
    }

    /// The original function under a private name, without its attributes and default arguments.
    var uncachedDeclaration: DeclSyntax {
        let kept = declaration.modifiers.filter { ["static", "class", "nonisolated"].contains($0.name.text) }
        let modifiers = (["private"] + kept.map(\.name.text)).joined(separator: " ")
        let parameterList = declaration.signature.parameterClause.parameters.map {
            $0.with(\.defaultValue, nil).with(\.trailingComma, nil).trimmed.description
        }
        let effects = effectsSpelling.isEmpty ? "" : " \(effectsSpelling)"
        let returns = declaration.signature.returnClause.map { " \($0.trimmed)" } ?? ""
        let signature = "(\(parameterList.joined(separator: ", ")))\(effects)\(returns)"
        return """
            \(raw: modifiers) func \(raw: uncachedName)\(raw: signature) {
            \(raw: statementsAtColumnZero)
            }
            """
    }

    /// The body's statements with the function's own indentation taken off every line, to be
    /// indented again where the peer goes.
    private var statementsAtColumnZero: String {
        let leading = body.statements.first?.leadingTrivia.pieces ?? []
        let lastLine = leading.reversed().prefix { if case .newlines = $0 { false } else { true } }
        let indentation = Trivia(pieces: lastLine.reversed()).description
        return body.statements.trimmedDescription.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                let stripped = line.hasPrefix(indentation) ? line.dropFirst(indentation.count) : line
                return "    " + stripped
            }
            .joined(separator: "\n")
    }

    /// The `Memoized` value: a private global, or a private static property in a type, built
    /// with the attribute's arguments and a closure that calls the original function.
    func cacheDeclaration(arguments: AttributeSyntax.Arguments?) -> DeclSyntax {
        let given = arguments?.as(LabeledExprListSyntax.self) ?? []
        // Memoized's initializer takes them in this order, whatever the attribute's.
        let initArguments = ["capacity", "policy", "ttl", "refreshAfter", "staleIfError", "expireAfterAccess"]
            .compactMap {
                label -> String? in
                guard let argument = given.first(where: { $0.label?.text == label }) else { return nil }
                return "\(label): \(argument.expression.trimmedDescription)"
            }
        var closureParameters = parameters.map { "\($0.name): \($0.type)" }
        var callee = uncachedName
        let isStatic: Bool
        switch scope {
        case .file:
            isStatic = false
        case .staticMethod:
            isStatic = true
        case .instanceMethod(let type):
            isStatic = true
            closureParameters.insert("__self: \(type)", at: 0)
            callee = "__self.\(uncachedName)"
        }
        let callArguments = parameters.map { parameter in
            parameter.label.map { "\($0): \(parameter.name)" } ?? parameter.name
        }
        let effects = effectsSpelling.isEmpty ? "" : " \(effectsSpelling)"
        let declaration = "private \(isStatic ? "static " : "")let \(cacheName)"
        let initializer = "Theine.Memoized(\(initArguments.joined(separator: ", ")))"
        let signature = "(\(closureParameters.joined(separator: ", ")))\(effects) -> \(returnType)"
        return """
            \(raw: declaration) = \(raw: initializer) { \(raw: signature) in
                return \(raw: callEffects)\(raw: callee)(\(raw: callArguments.joined(separator: ", ")))
            }
            """
    }
}
#endif
