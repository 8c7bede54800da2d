import DivergenceCore
import DivergenceKit
import Foundation

/// Paths and a shared catalogue for the tests.
enum TestSupport {
    /// The package root (Tests/DivergenceKitTests/TestSupport.swift → ../..).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let dataDirectory = root + "/Data"
    /// The labelled corpus of real manifests, when `DIVERGENCE_CORPUS` names it. It lives outside
    /// the repository, so the tests that measure against it run only on request
    /// (`Scripts/corpus-recall`); the suite itself reads only what is in the repository.
    static let corpus: String? = ProcessInfo.processInfo.environment["DIVERGENCE_CORPUS"].flatMap { $0.isEmpty ? nil : $0 }

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
