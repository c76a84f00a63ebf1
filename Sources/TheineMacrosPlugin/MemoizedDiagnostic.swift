#if Macros
import SwiftDiagnostics
import SwiftSyntax

/// What `@Memoized` cannot memoize, and why: each an error at the part of the declaration at fault.
enum MemoizedDiagnostic: DiagnosticMessage {
    case notAFunction
    case noBody
    case localFunction
    case genericFunction
    case genericType(String)
    case actorMethod
    case mutatingMethod(String)
    case inoutParameter(String)
    case variadicParameter(String)
    case opaqueParameter(String, type: String)
    case unhashableParameter(String, type: String, reason: String)
    case unnamedParameter

    var message: String {
        switch self {
        case .notAFunction:
            "'@Memoized' memoizes functions only"
        case .noBody:
            "'@Memoized' needs the function's body, to run it on a miss"
        case .localFunction:
            "'@Memoized' cannot memoize a local function: its cache is a global or a static property; "
                + "move the function to file or type scope"
        case .genericFunction:
            "'@Memoized' cannot memoize a generic function: one cache holds one type of key and of result; "
                + "memoize a non-generic function that calls it"
        case .genericType(let type):
            "'@Memoized' cannot memoize a method of generic type '\(type)': its cache is a static stored property, "
                + "which generic types cannot have"
        case .actorMethod:
            "'@Memoized' cannot memoize an actor's instance method: the function runs outside the actor, "
                + "on the cache's load"
        case .mutatingMethod(let modifier):
            "'@Memoized' cannot memoize a '\(modifier)' method: the key holds a copy of 'self', "
                + "and a cached result cannot change it"
        case .inoutParameter(let name):
            "'@Memoized' cannot memoize 'inout' parameter '\(name)': a cached result cannot write back to it"
        case .variadicParameter(let name):
            "'@Memoized' cannot memoize variadic parameter '\(name)': the key takes each argument as one value"
        case .opaqueParameter(let name, let type):
            "'@Memoized' cannot memoize parameter '\(name)' of opaque type '\(type)': "
                + "the function is generic over it"
        case .unhashableParameter(let name, let type, let reason):
            "'@Memoized' keys the cache by the arguments, and parameter '\(name)' of type '\(type)' "
                + "cannot be 'Hashable' (\(reason))"
        case .unnamedParameter:
            "'@Memoized' passes every argument to the function, and this parameter has no name; name it"
        }
    }

    var diagnosticID: MessageID {
        let name: String =
            switch self {
            case .notAFunction: "notAFunction"
            case .noBody: "noBody"
            case .localFunction: "localFunction"
            case .genericFunction: "genericFunction"
            case .genericType: "genericType"
            case .actorMethod: "actorMethod"
            case .mutatingMethod: "mutatingMethod"
            case .inoutParameter: "inoutParameter"
            case .variadicParameter: "variadicParameter"
            case .opaqueParameter: "opaqueParameter"
            case .unhashableParameter: "unhashableParameter"
            case .unnamedParameter: "unnamedParameter"
            }
        return MessageID(domain: "TheineMacros", id: name)
    }

    var severity: DiagnosticSeverity { .error }
}

/// The fix-its `@Memoized` offers with its diagnostics.
struct MemoizedFixIt: FixItMessage {
    let message: String
    var fixItID: MessageID { MessageID(domain: "TheineMacros", id: message) }
}
#endif
