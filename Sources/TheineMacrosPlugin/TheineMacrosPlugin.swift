#if Macros
import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin that provides Theine's macros.
@main
struct TheineMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [MemoizedMacro.self]
}
#else
/// Without the trait "Macros" this target provides no macro, but SwiftPM still builds and links
/// every target of the package, and a macro target links as a program: this empty one.
@main
enum TheineMacrosPlugin {
    static func main() {}
}
#endif
