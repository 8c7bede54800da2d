import DivergenceCatalogue
import DivergenceCore
import DivergenceRules
import Foundation

/// A catalogue ready for use: the compiled database, with points, rules and prefixes decoded
/// on first use (a search never pays for decoding the rules).
public final class Catalogue: @unchecked Sendable {
    // The decoded values are computed once under the lock; the SQLite connection is only used
    // from the thread that made the catalogue.
    public let store: CatalogueStore
    /// Problems found in the sources while building (empty when the cache was fresh).
    public let buildIssues: [CatalogueIssue]
    public let rebuilt: Bool

    private let lock = NSLock()
    private var decodedPoints: [String: DivergencePoint]?
    private var decodedRules: [Rule]?
    private var decodedPrefixes: [ProviderPrefix]?
    private var decodedInfo: CatalogueInfo?

    init(store: CatalogueStore, buildIssues: [CatalogueIssue], rebuilt: Bool) throws {
        self.store = store
        self.buildIssues = buildIssues
        self.rebuilt = rebuilt
    }

    private func cached<T>(_ slot: ReferenceWritableKeyPath<Catalogue, T?>, _ make: () throws -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        if let value = self[keyPath: slot] { return value }
        // The database was validated when opened; a decoding failure here means it is unusable.
        let value = (try? make()) ?? { fatalError("catalogue database \(store.database.path) cannot be decoded; delete it to rebuild") }()
        self[keyPath: slot] = value
        return value
    }

    public var points: [String: DivergencePoint] {
        lock.lock()
        let pending = pointsInFlight
        lock.unlock()
        pending?.wait()
        return cached(\.decodedPoints) { Self.index(try store.points()) }
    }

    private var pointsInFlight: DispatchGroup?

    /// Starts decoding the points on another thread, for a caller that needs them only later
    /// (a check needs them for its report): decoding overlaps with compiling the rules and
    /// reading manifests instead of adding to them. `points` waits for it.
    public func prefetchPoints() {
        lock.lock()
        defer { lock.unlock() }
        guard decodedPoints == nil, pointsInFlight == nil, let bodies = try? store.pointBodies() else { return }
        let group = DispatchGroup()
        pointsInFlight = group
        group.enter()
        DispatchQueue.global().async {
            // A failure here leaves `decodedPoints` empty and `points` decodes (and reports) again.
            let decoded = try? CatalogueStore.decodePoints(bodies)
            self.lock.lock()
            if let decoded, self.decodedPoints == nil { self.decodedPoints = Self.index(decoded) }
            self.pointsInFlight = nil
            self.lock.unlock()
            group.leave()
        }
    }

    private static func index(_ points: [DivergencePoint]) -> [String: DivergencePoint] {
        Dictionary(points.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Version, hash and counts.
    public var info: CatalogueInfo { cached(\.decodedInfo) { try store.info() } }

    /// The rules without their examples (what matching needs).
    public var rules: [Rule] { cached(\.decodedRules) { try store.rules() } }

    /// The rules with their examples, for showing a rule.
    public func rulesWithExamples() throws -> [Rule] { try store.rules(withExamples: true) }

    public var prefixes: [ProviderPrefix] { cached(\.decodedPrefixes) { try store.prefixes() } }

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
            let store = try CatalogueStore(path: file)
            try store.probe()
            return try Catalogue(store: store, buildIssues: [], rebuilt: false)
        } catch {
            throw LoadError(description: "catalogue database \(file) cannot be read: \(error)")
        }
    }

    /// The catalogue compiled from `dataDirectories` (built-in first, then team catalogues),
    /// from the cache when it is fresh, else rebuilt into the cache. A corrupted cache is
    /// rebuilt; an unwritable cache directory falls back to a temporary one. `rebuild`: ignore
    /// the cached database even if it opens (damage the cheap probe did not reach, such as a
    /// corrupted full-text block, shows only when a query touches it).
    public static func load(dataDirectories: [String], cacheDirectory: String = CatalogueLocation.cacheDirectory(), rebuild: Bool = false) throws -> Catalogue {
        let key = fingerprint(of: dataDirectories)
        let path = cacheDirectory + "/catalogue-\(key.prefix(16)).sqlite"
        if !rebuild, FileManager.default.fileExists(atPath: path) {
            if let store = try? CatalogueStore(path: path), (try? store.probe()) != nil, let catalogue = try? Catalogue(store: store, buildIssues: [], rebuilt: false) {
                return catalogue
            }
            // Unreadable or corrupted: rebuild below (the rename replaces it atomically).
        }
        let source = CatalogueSource.read(directories: dataDirectories)
        let issues = CatalogueValidator.validate(source)
        do {
            let store = try CatalogueStore.build(source, at: path)
            pruneCache(cacheDirectory, keeping: path)
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

    /// Every edit under `Data/` or a team catalogue leaves a new database in the cache, so after a
    /// rebuild the oldest are removed: the newest `keep` stay (several catalogue combinations may
    /// share one cache), and nothing written in the last hour is touched, so a concurrent run
    /// never loses the database it is about to open. One open elsewhere stays readable (unlink).
    static func pruneCache(_ directory: String, keeping current: String, keep: Int = 16, now: Date = Date()) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        var databases: [(path: String, modified: Date)] = []
        for name in names where name.hasPrefix("catalogue-") && name.hasSuffix(".sqlite") {
            let path = directory + "/" + name
            guard path != current, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let modified = attributes[.modificationDate] as? Date else { continue }
            databases.append((path, modified))
        }
        let stale = databases.sorted { $0.modified > $1.modified }.dropFirst(max(keep - 1, 0))
        for database in stale where now.timeIntervalSince(database.modified) > 3600 {
            unlink(database.path)
        }
    }

    /// A cheap cache key: every source file's path, size and modification time, plus the schema.
    /// Any edit under `Data/` changes it, so a stale database is never used. Plain `stat` calls:
    /// this runs on every command, so it must cost well under a millisecond.
    static func fingerprint(of directories: [String]) -> String {
        var text = "schema \(CatalogueStore.schemaVersion) records \(CatalogueStore.recordFormat)\n"
        for directory in directories {
            text += "root \(URL(fileURLWithPath: directory).standardized.path)\n"
            let (entries, truncated) = CatalogueFiles.yamlFiles(under: directory)
            text += entries.map { "\($0.relative) \($0.size) \($0.modified)" }.joined(separator: "\n") + (truncated ? "\ntruncated" : "") + "\n"
        }
        return SHA256Digest.hex(text)
    }

    /// The rule engine over this catalogue's rules. Its patterns were compiled when the catalogue was
    /// read (an invalid one is a catalogue error), so the engine compiles each on first use.
    /// `watching`: further literals the engine looks for in its pass (see `RuleEngine.init`).
    public func engine(watching: [String] = []) throws -> RuleEngine {
        try RuleEngine(rules: rules, patternsChecked: true, watching: watching)
    }
}
