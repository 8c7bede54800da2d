// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "divergence",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "divergence", targets: ["divergence"]),
        .library(name: "DivergenceKit", targets: ["DivergenceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "DivergenceCore"),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        // libyaml's event parser, for reading manifests without building an intermediate tree.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // Signal-safe clean-up of temporary files and bounded child processes (a signal handler
        // and the child side of fork() may only make async-signal-safe calls: C, not Swift).
        .target(name: "CProcessGuard"),
        .target(name: "DivergenceCatalogue", dependencies: ["DivergenceCore", "CSQLite", "CProcessGuard", "Yams"]),
        .target(name: "DivergenceManifests", dependencies: ["DivergenceCore", "CLibYAML"]),
        .target(name: "DivergenceRules", dependencies: ["DivergenceCore"]),
        .target(name: "DivergenceReports", dependencies: ["DivergenceCore"]),
        .target(
            name: "DivergenceKit",
            dependencies: [
                "DivergenceCore", "DivergenceCatalogue", "DivergenceManifests",
                "DivergenceRules", "DivergenceReports", "CProcessGuard", "Yams",
            ]
        ),
        // Findings to a Kustomize overlay for the target (divergence translate).
        .target(name: "DivergenceTranslate", dependencies: ["DivergenceCore", "DivergenceCatalogue", "DivergenceManifests", "DivergenceRules", "DivergenceReports", "DivergenceKit", "Yams"]),
        .executableTarget(
            name: "divergence",
            dependencies: [
                "DivergenceKit", "DivergenceCore", "DivergenceCatalogue", "DivergenceReports", "DivergenceTranslate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DivergenceManifestsTests", dependencies: ["DivergenceManifests"]),
        .testTarget(name: "DivergenceRulesTests", dependencies: ["DivergenceRules", "DivergenceManifests"]),
        .testTarget(name: "DivergenceCatalogueTests", dependencies: ["DivergenceCatalogue", "DivergenceKit", "DivergenceReports"]),
        .testTarget(name: "DivergenceKitTests", dependencies: ["DivergenceKit"]),
        .testTarget(name: "DivergenceTranslateTests", dependencies: ["DivergenceTranslate", "DivergenceKit", "DivergenceManifests"]),
        .testTarget(name: "DivergenceCLITests", dependencies: ["DivergenceKit", "DivergenceCatalogue", "divergence"], exclude: ["Golden", "Schemas"]),
    ],
    swiftLanguageModes: [.v6]
)
