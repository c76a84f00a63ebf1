# Sourced by scripts/test, scripts/docs and scripts/snippets: the one debug build with every trait
# on, and the compiler flags that let a tool outside SwiftPM (swift-symbolgraph-extract, swiftc)
# import its modules.
#
#   trait_options          the build's traits and scratch folder, for `swift build` and `swift test`
#   trait_target           the target triple the build is for, for tools that take `-target`
#   trait_products         the folder of the build's products
#   trait_build            brings .build-traits up to date, tests included: a build without them
#                          compiles the modules again, so scripts/test's own build is a no-op after it
#   trait_include_flags    fills the array `trait_includes` with -I flags: the build's Swift modules
#                          and the C modules the dependencies import (NIO's and the rest), as the
#                          build found them; the build's own tools (-tool.build) define the same
#                          modules again and are left out
trait_options=(--traits Macros,Vapor,Hummingbird,Metrics,Postgres --scratch-path .build-traits)
trait_target=$(uname -m)-unknown-linux-gnu
trait_products=.build-traits/$trait_target/debug

trait_build() {
    swift build --build-tests "${trait_options[@]}"
}

trait_include_flags() {
    trait_includes=(-I "$trait_products/Modules")
    local folder
    while IFS= read -r folder; do trait_includes+=(-I "$folder"); done < <(
        find "$trait_products" -maxdepth 2 -name module.modulemap -not -path '*-tool.build/*' -printf '%h\n'
        find .build-traits/checkouts -type d -name include -path '*/Sources/*'
    )
}
