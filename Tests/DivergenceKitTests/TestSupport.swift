import DivergenceCore
import DivergenceKit
import Foundation

/// Paths and a shared catalogue for the tests.
enum TestSupport {
    /// The package root (Tests/DivergenceKitTests/TestSupport.swift → ../..).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let dataDirectory = root + "/Data"
    /// The labelled corpus of real manifests: the copy in `Tests/Fixtures/real-manifests` (with
    /// its sources and licences), or another labelled folder named by `DIVERGENCE_CORPUS`.
    static let corpus: String = ProcessInfo.processInfo.environment["DIVERGENCE_CORPUS"].flatMap { $0.isEmpty ? nil : $0 }
        ?? root + "/Tests/Fixtures/real-manifests"

    /// The built-in catalogue, compiled once into a private cache directory.
    static let catalogue: Catalogue = {
        let cache = NSTemporaryDirectory() + "divergence-tests-\(ProcessInfo.processInfo.processIdentifier)"
        return try! Catalogue.load(dataDirectories: [dataDirectory], cacheDirectory: cache)
    }()

    static let checkRun: CheckRun = try! CheckRun(catalogue: catalogue)

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "divergence-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
