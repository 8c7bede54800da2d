import DivergenceCatalogue
import DivergenceCore
import DivergenceRules
import Foundation

/// A catalogue ready for use: compiled database, points by id, compiled rules.
public final class Catalogue: @unchecked Sendable {
    // Immutable after init; the SQLite connection is only used from the thread that made it.
    public let store: CatalogueStore
    public let points: [String: DivergencePoint]
    public let rules: [Rule]
    public let prefixes: [ProviderPrefix]
    public let info: CatalogueInfo
    /// Problems found in the sources while building (empty when the cache was fresh).
    public let buildIssues: [CatalogueIssue]
    public let rebuilt: Bool

    init(store: CatalogueStore, buildIssues: [CatalogueIssue], rebuilt: Bool) throws {
        self.store = store
        let points = try store.points()
        self.points = Dictionary(points.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        rules = try store.rules()
        prefixes = try store.prefixes()
        info = try store.info()
        self.buildIssues = buildIssues
        self.rebuilt = rebuilt
    }

    /// Errors opening or building a catalogue.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Opens a compiled catalogue file as given (`--catalogue FILE`, `DIVERGENCE_CATALOGUE`).
    public static func open(file: String) throws -> Catalogue {
        guard FileManager.default.fileExists(atPath: file) else {
            throw LoadError(description: "catalogue database \(file) does not exist (build one with `divergence db build --output \(file)`)")
        }
        do {
            return try Catalogue(store: CatalogueStore(path: file), buildIssues: [], rebuilt: false)
        } catch {
            throw LoadError(description: "catalogue database \(file) cannot be read: \(error)")
        }
    }

    /// The catalogue compiled from `dataDirectories` (built-in first, then team catalogues),
    /// from the cache when it is fresh, else rebuilt into the cache. A corrupted cache is
    /// rebuilt; an unwritable cache directory falls back to a temporary one.
    public static func load(dataDirectories: [String], cacheDirectory: String = CatalogueLocation.cacheDirectory()) throws -> Catalogue {
        let key = fingerprint(of: dataDirectories)
        let path = cacheDirectory + "/catalogue-\(key.prefix(16)).sqlite"
        if FileManager.default.fileExists(atPath: path) {
            if let store = try? CatalogueStore(path: path), let catalogue = try? Catalogue(store: store, buildIssues: [], rebuilt: false) {
                return catalogue
            }
            // Unreadable or corrupted: rebuild below (the rename replaces it atomically).
        }
        let source = CatalogueSource.read(directories: dataDirectories)
        let issues = CatalogueValidator.validate(source)
        do {
            let store = try CatalogueStore.build(source, at: path)
            return try Catalogue(store: store, buildIssues: issues, rebuilt: true)
        } catch {
            // A read-only or broken cache directory: build into a private temporary file instead.
            let fallback = NSTemporaryDirectory() + "divergence-\(ProcessInfo.processInfo.processIdentifier)-\(key.prefix(16)).sqlite"
            do {
                let store = try CatalogueStore.build(source, at: fallback)
                unlink(fallback)  // the open connection keeps it readable; nothing is left behind
                return try Catalogue(store: store, buildIssues: issues, rebuilt: true)
            } catch {
                throw LoadError(description: "cannot build the catalogue database in \(cacheDirectory) or \(NSTemporaryDirectory()): \(error)")
            }
        }
    }

    /// A cheap cache key: every source file's path, size and modification time, plus the schema.
    /// Any edit under `Data/` changes it, so a stale database is never used.
    static func fingerprint(of directories: [String]) -> String {
        var text = "schema \(CatalogueStore.schemaVersion)\n"
        let fm = FileManager.default
        for directory in directories {
            text += "root \(URL(fileURLWithPath: directory).standardized.path)\n"
            guard let enumerator = fm.enumerator(atPath: directory) else { continue }
            var entries: [String] = []
            while let item = enumerator.nextObject() as? String {
                guard item.hasSuffix(".yaml") || item.hasSuffix(".yml") else { continue }
                let attributes = try? fm.attributesOfItem(atPath: directory + "/" + item)
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                entries.append("\(item) \(size) \(modified)")
            }
            text += entries.sorted().joined(separator: "\n") + "\n"
        }
        return SHA256Digest.hex(text)
    }

    /// The rule engine over this catalogue's rules.
    public func engine() throws -> RuleEngine { try RuleEngine(rules: rules) }
}
