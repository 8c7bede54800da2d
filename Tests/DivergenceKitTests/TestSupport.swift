import DivergenceCore
import DivergenceKit
import Foundation

/// Paths and a shared catalogue for the tests.
enum TestSupport {
    /// The package root (Tests/DivergenceKitTests/TestSupport.swift → ../..).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let dataDirectory = root + "/Data"
    /// The labelled corpus, beside the project as `../shared`.
    static let corpus = root + "/../shared/corpus/real"

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
