// swift-tools-version: 6.0
// A libFuzzer target over the manifest loader, the rules engine, the check run and every
// report renderer. A separate package so the root `swift build` / `swift test` (and CI) never
// compile it. Build and run with `Scripts/fuzz SECONDS` from the repository root.
import PackageDescription

let package = Package(
    name: "DivergenceFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "divergence", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "DivergenceFuzz",
            dependencies: [.product(name: "DivergenceKit", package: "divergence")],
            swiftSettings: [
                // No top-level code and no `main`: libFuzzer's driver runs the loop (see the
                // comment on DivergenceFuzz_main in the source).
                .unsafeFlags(["-parse-as-library"]),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
