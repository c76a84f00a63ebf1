#if Macros
import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// A function that `@Memoized` can memoize, read off its declaration: where it lives, its
/// parameters and its effects. Reading it checks everything the macro cannot handle.
struct MemoizedFunction {
    /// Where the function lives, which decides where its cache lives and what the key holds.
    enum Scope {
        /// At file scope: the cache is a private global.
        case file
        /// A `static` or `class` method: the cache is a private static property.
        case staticMethod
        /// An instance method of `type`: the cache is a private static property, and `self` is
        /// the key's first part.
        case instanceMethod(type: TypeSyntax)
    }

    /// A parameter, as the function's body names it and as a call passes it.
    struct Parameter {
        let label: String?
        let name: String
        let type: TypeSyntax
    }

    let declaration: FunctionDeclSyntax
    let body: CodeBlockSyntax
    let scope: Scope
    let parameters: [Parameter]

    /// The function in `declaration`, or the diagnostics of what `@Memoized` cannot handle in it
    /// (thrown as a `DiagnosticsError`).
    init(_ declaration: some DeclSyntaxProtocol, in context: some MacroExpansionContext) throws {
        guard let function = declaration.as(FunctionDeclSyntax.self) else {
            let diagnostic = Diagnostic(node: declaration, message: MemoizedDiagnostic.notAFunction)
            throw DiagnosticsError(diagnostics: [diagnostic])
        }
        var diagnostics: [Diagnostic] = []
        let scope = Self.scope(of: function, in: context.lexicalContext, diagnostics: &diagnostics)
        if let generics = function.genericParameterClause {
            diagnostics.append(Diagnostic(node: generics, message: MemoizedDiagnostic.genericFunction))
        } else if let whereClause = function.genericWhereClause {
            diagnostics.append(Diagnostic(node: whereClause, message: MemoizedDiagnostic.genericFunction))
        }
        let parameters = function.signature.parameterClause.parameters.compactMap {
            Self.parameter($0, diagnostics: &diagnostics)
        }
        if function.body == nil {
            diagnostics.append(Diagnostic(node: function.name, message: MemoizedDiagnostic.noBody))
        }
        guard diagnostics.isEmpty, let scope, let body = function.body else {
            throw DiagnosticsError(diagnostics: diagnostics)
        }
        self.declaration = function
        self.body = body
        self.scope = scope
        self.parameters = parameters
    }

    /// The function's name without backticks, to prefix its peers' names with.
    var baseName: String {
        declaration.name.text.replacingBackticks()
    }

    var isAsync: Bool { declaration.signature.effectSpecifiers?.asyncSpecifier != nil }
    var throwsClause: ThrowsClauseSyntax? { declaration.signature.effectSpecifiers?.throwsClause }
    var returnType: TypeSyntax { declaration.signature.returnClause?.type.trimmed ?? "Void" }

    /// `try await ` as the function's effects need, before a call of it.
    var callEffects: String {
        (throwsClause == nil ? "" : "try ") + (isAsync ? "await " : "")
    }

    /// `async throws(E)` as the function has them, for a closure of the same effects.
    var effectsSpelling: String {
        [isAsync ? "async" : nil, throwsClause?.trimmedDescription].compactMap { $0 }.joined(separator: " ")
    }

    private static func scope(
        of function: FunctionDeclSyntax,
        in lexicalContext: [Syntax],
        diagnostics: inout [Diagnostic]
    ) -> Scope? {
        guard let innermost = lexicalContext.first else { return .file }
        if let generic = lexicalContext.lazy.compactMap(\.genericTypeName).first {
            diagnostics.append(Diagnostic(node: function.name, message: MemoizedDiagnostic.genericType(generic)))
            return nil
        }
        // A protocol's requirements have no body: that is the diagnostic.
        if innermost.is(ProtocolDeclSyntax.self) { return nil }
        guard let type = innermost.declaredType else {
            diagnostics.append(Diagnostic(node: function.name, message: MemoizedDiagnostic.localFunction))
            return nil
        }
        if function.modifiers.contains(where: { ["static", "class"].contains($0.name.text) }) {
            return .staticMethod
        }
        if innermost.is(ActorDeclSyntax.self) {
            diagnostics.append(Diagnostic(node: function.name, message: MemoizedDiagnostic.actorMethod))
            return nil
        }
        if let mutating = function.modifiers.first(where: { ["mutating", "consuming"].contains($0.name.text) }) {
            let message = MemoizedDiagnostic.mutatingMethod(mutating.name.text)
            diagnostics.append(Diagnostic(node: function.name, message: message))
            return nil
        }
        return .instanceMethod(type: type)
    }

    /// The parameter as the key and the call take it, or `nil` with its diagnostics.
    private static func parameter(_ parameter: FunctionParameterSyntax, diagnostics: inout [Diagnostic]) -> Parameter? {
        let nameToken = parameter.secondName ?? parameter.firstName
        let count = diagnostics.count
        if nameToken.tokenKind == .wildcard {
            diagnostics.append(Diagnostic(node: parameter, message: MemoizedDiagnostic.unnamedParameter))
        }
        let name = nameToken.text
        var type = parameter.type
        if let attributed = type.as(AttributedTypeSyntax.self) {
            if let inoutSpecifier = attributed.specifiers.first(where: {
                $0.as(SimpleTypeSpecifierSyntax.self)?.specifier.tokenKind == .keyword(.inout)
            }) {
                let remaining = attributed.specifiers.filter { $0.id != inoutSpecifier.id }
                let fixed: TypeSyntax =
                    remaining.isEmpty && attributed.attributes.isEmpty
                    ? attributed.baseType.with(\.leadingTrivia, attributed.leadingTrivia)
                    : TypeSyntax(attributed.with(\.specifiers, remaining))
                diagnostics.append(
                    Diagnostic(
                        node: inoutSpecifier,
                        message: MemoizedDiagnostic.inoutParameter(name),
                        fixIt: FixIt(
                            message: MemoizedFixIt(message: "remove 'inout'"),
                            changes: [.replace(oldNode: Syntax(attributed), newNode: Syntax(fixed))]
                        )
                    )
                )
            }
            type = attributed.baseType
        }
        if let ellipsis = parameter.ellipsis {
            let array = TypeSyntax(ArrayTypeSyntax(element: parameter.type.trimmed))
            diagnostics.append(
                Diagnostic(
                    node: ellipsis,
                    message: MemoizedDiagnostic.variadicParameter(name),
                    fixIt: FixIt(
                        message: MemoizedFixIt(message: "take an array, '\(array)'"),
                        changes: [
                            .replace(
                                oldNode: Syntax(parameter),
                                newNode: Syntax(
                                    parameter.with(\.ellipsis, nil)
                                        .with(\.type, array.with(\.trailingTrivia, parameter.type.trailingTrivia))
                                )
                            )
                        ]
                    )
                )
            )
        }
        if let diagnostic = unhashable(type, parameterName: name) {
            diagnostics.append(diagnostic)
        }
        guard diagnostics.count == count else { return nil }
        let label = parameter.firstName.tokenKind == .wildcard ? nil : parameter.firstName.text
        return Parameter(label: label, name: name, type: parameter.type.trimmed)
    }

    /// Why an argument of `type` cannot be part of the key, when its spelling tells: opaque and
    /// existential types, functions, tuples and metatypes.
    private static func unhashable(_ type: TypeSyntax, parameterName name: String) -> Diagnostic? {
        let spelling = type.trimmedDescription
        if let someOrAny = type.as(SomeOrAnyTypeSyntax.self) {
            if someOrAny.someOrAnySpecifier.tokenKind == .keyword(.some) {
                return Diagnostic(node: type, message: MemoizedDiagnostic.opaqueParameter(name, type: spelling))
            }
            let message = MemoizedDiagnostic.unhashableParameter(
                name,
                type: spelling,
                reason: "an existential is not 'Hashable'"
            )
            guard someOrAny.constraint.trimmedDescription == "Hashable" else {
                return Diagnostic(node: type, message: message)
            }
            let fixed = TypeSyntax(IdentifierTypeSyntax(name: "AnyHashable")).with(\.leadingTrivia, type.leadingTrivia)
                .with(\.trailingTrivia, type.trailingTrivia)
            return Diagnostic(
                node: type,
                message: message,
                fixIt: FixIt(
                    message: MemoizedFixIt(message: "use 'AnyHashable'"),
                    changes: [.replace(oldNode: Syntax(type), newNode: Syntax(fixed))]
                )
            )
        }
        let reason: String? =
            if type.is(FunctionTypeSyntax.self) {
                "a function type is not 'Hashable'"
            } else if let tuple = type.as(TupleTypeSyntax.self), tuple.elements.count != 1 {
                "a tuple is not 'Hashable'"
            } else if type.is(MetatypeTypeSyntax.self) {
                "a metatype is not 'Hashable'; key on 'ObjectIdentifier(type)'"
            } else {
                nil
            }
        return reason.map {
            Diagnostic(node: type, message: MemoizedDiagnostic.unhashableParameter(name, type: spelling, reason: $0))
        }
    }
}

extension Syntax {
    /// The type this declaration declares or extends, or `nil` when it is no type (a function,
    /// a closure, an accessor...).
    fileprivate var declaredType: TypeSyntax? {
        if let extended = self.as(ExtensionDeclSyntax.self) { return extended.extendedType.trimmed }
        guard let named = asProtocol((any NamedDeclSyntax).self),
            self.is(StructDeclSyntax.self) || self.is(ClassDeclSyntax.self) || self.is(EnumDeclSyntax.self)
                || self.is(ActorDeclSyntax.self)
        else { return nil }
        return TypeSyntax(IdentifierTypeSyntax(name: named.name.trimmed))
    }

    /// The name of this type declaration when it has generic parameters.
    fileprivate var genericTypeName: String? {
        guard let generic = asProtocol((any WithGenericParametersSyntax).self), generic.genericParameterClause != nil,
            let named = asProtocol((any NamedDeclSyntax).self), !self.is(FunctionDeclSyntax.self)
        else { return nil }
        return named.name.text
    }
}

extension String {
    fileprivate func replacingBackticks() -> String {
        filter { $0 != "`" }
    }
}
#endif
