import DivergenceCore
import CProcessGuard
import Foundation

/// Counts and identity of a compiled catalogue.
public struct CatalogueInfo: Sendable, Codable {
    public var version: String
    public var sha256: String
    public var points: Int
    public var rules: Int
    public var path: String
    public var builtAt: String
    public var domains: [String: Int]
}

/// One full-text search hit.
public struct SearchHit: Sendable, Codable {
    public var id: String
    public var title: String
    public var domain: String
    public var snippet: String
    public var rank: Double
}

/// The compiled catalogue: an SQLite database with an FTS5 index, built from `CatalogueSource`.
public final class CatalogueStore {
    /// Bumped whenever the schema changes; part of the cache key, so old caches are rebuilt.
    public static let schemaVersion = 1
    /// Bumped whenever the coding of stored records changes (2: compact rule conditions; 3: rule examples in their own column; 4: kind selectors as text; 5: `$workload` kept as written, rule `fallback` and `unlessDefined`; 6: full-text constructs in platform order). Part of
    /// the cache key only: the content hash a report shows stays that of the catalogue's content,
    /// and builds with different record codings never take turns rebuilding one shared cache.
    public static let recordFormat = 7
    /// The version of the catalogue format and content shipped with this release.
    public static let catalogueVersion = "2026.11.26"

    public let database: SQLiteDatabase

    /// Named, append-only migrations; `user_version` records how many ran.
    static let migrations: [(name: String, sql: String)] = [
        ("create-points-rules-fts", """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE points (
            id TEXT PRIMARY KEY,
            domain TEXT NOT NULL CHECK (domain IN ('identity','load-balancing','ingress','dns','tls','storage',
                'networking','registry','secrets','compute','observability','managed-services')),
            title TEXT NOT NULL, summary TEXT NOT NULL, file TEXT NOT NULL, verified TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE TABLE point_platforms (
            point_id TEXT NOT NULL REFERENCES points(id),
            platform TEXT NOT NULL CHECK (platform IN ('aws','azure','gcp','local')),
            behaviour TEXT NOT NULL, constructs TEXT NOT NULL, equivalent TEXT NOT NULL,
            PRIMARY KEY (point_id, platform)
        );
        CREATE TABLE pairs (
            point_id TEXT NOT NULL REFERENCES points(id),
            from_platform TEXT NOT NULL CHECK (from_platform IN ('aws','azure','gcp','local')),
            to_platform TEXT NOT NULL CHECK (to_platform IN ('aws','azure','gcp','local')),
            severity TEXT NOT NULL CHECK (severity IN ('info','low','medium','high','critical')),
            equivalence TEXT NOT NULL CHECK (equivalence IN ('direct','behavioural','none')),
            effort REAL NOT NULL CHECK (effort >= 0), note TEXT,
            PRIMARY KEY (point_id, from_platform, to_platform)
        );
        CREATE TABLE sources (
            point_id TEXT NOT NULL REFERENCES points(id), platform TEXT NOT NULL,
            url TEXT NOT NULL CHECK (url LIKE 'https://%'), title TEXT
        );
        CREATE TABLE rules (
            id TEXT PRIMARY KEY,
            point_id TEXT NOT NULL REFERENCES points(id),
            platform TEXT NOT NULL CHECK (platform IN ('aws','azure','gcp','local','neutral')),
            confidence TEXT NOT NULL CHECK (confidence IN ('low','medium','high')),
            file TEXT NOT NULL, line INTEGER NOT NULL, body TEXT NOT NULL,
            examples TEXT NOT NULL
        );
        CREATE TABLE prefixes (prefix TEXT NOT NULL, platform TEXT NOT NULL, domain TEXT NOT NULL, on_what TEXT NOT NULL);
        CREATE VIRTUAL TABLE points_fts USING fts5(
            id, title, summary, behaviour, constructs, tags, tokenize = 'porter unicode61'
        );
        """),
    ]

    /// Opens an existing compiled catalogue.
    public init(path: String, readOnly: Bool = true) throws {
        database = try SQLiteDatabase(path: path, readOnly: readOnly)
        if readOnly {
            guard database.userVersion == Self.migrations.count else {
                throw SQLiteError(code: 0, message: "catalogue database \(path) has schema \(database.userVersion), expected \(Self.migrations.count)")
            }
        }
    }

    /// Builds a database at `path` from `source`, writing a temporary file and renaming it into
    /// place so a reader never sees half a catalogue.
    @discardableResult
    public static func build(_ source: CatalogueSource, at path: String) throws -> CatalogueStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        // Removed on every way out, an interrupting SIGINT/SIGTERM/SIGHUP included.
        let slot = pg_register_path(temporary)
        defer {
            try? FileManager.default.removeItem(atPath: temporary)
            pg_forget_path(slot)
        }
        do {
            let db = try SQLiteDatabase(path: temporary)
            try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;")
            for (index, migration) in migrations.enumerated() {
                try db.transaction {
                    try db.execute(migration.sql)
                    try db.execute("PRAGMA user_version = \(index + 1)")
                }
            }
            try db.transaction { try insert(source, into: db) }
        }
        if rename(temporary, path) != 0 {
            throw SQLiteError(code: 0, message: "cannot move the built catalogue into place at \(path): \(String(cString: strerror(errno)))")
        }
        return try CatalogueStore(path: path)
    }

    private static func insert(_ source: CatalogueSource, into db: SQLiteDatabase) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let meta: [(String, String)] = [
            ("version", catalogueVersion), ("sha256", source.contentHash),
            ("builtAt", ISO8601DateFormatter().string(from: Date())), ("roots", source.roots.joined(separator: "\n")),
        ]
        for (key, value) in meta { try db.run("INSERT INTO meta VALUES (?, ?)", [.text(key), .text(value)]) }
        let pointIds = Set(source.points.map(\.id))
        for point in source.points {
            let body = String(decoding: try encoder.encode(point), as: UTF8.self)
            try db.run("INSERT INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [.text(point.id), .text(point.domain.rawValue), .text(point.title), .text(point.summary),
                        .text(point.file), .text(point.verified), .text(body)])
            for (platform, side) in point.platforms.sorted(by: { $0.key < $1.key }) {
                try db.run("INSERT INTO point_platforms VALUES (?, ?, ?, ?, ?)",
                           [.text(point.id), .text(platform.rawValue), .text(side.behaviour),
                            .text(side.constructs.joined(separator: "\n")), .text(side.equivalent)])
            }
            for pair in point.pairs {
                try db.run("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.text(point.id), .text(pair.from.rawValue), .text(pair.to.rawValue), .text(pair.severity.rawValue),
                            .text(pair.equivalence.rawValue), .double(pair.effort), pair.note.map { .text($0) } ?? .null])
            }
            for s in point.sources where s.url.hasPrefix("https://") {
                try db.run("INSERT INTO sources VALUES (?, ?, ?, ?)",
                           [.text(point.id), .text(s.platform), .text(s.url), s.title.map { .text($0) } ?? .null])
            }
            // Platform order fixed: a Dictionary's order changes per process, and the snippet a
            // search shows must not change each time the cache is rebuilt.
            let platforms = point.platforms.sorted { $0.key < $1.key }
            let behaviour = platforms.map { "\($0.key.rawValue): \($0.value.behaviour) \($0.value.equivalent)" }
            let constructs = platforms.flatMap(\.value.constructs)
            try db.run("INSERT INTO points_fts VALUES (?, ?, ?, ?, ?, ?)",
                       [.text(point.id), .text(point.title), .text(point.summary + " " + point.impact + " " + point.mitigation),
                        .text(behaviour.joined(separator: "\n")), .text(constructs.joined(separator: "\n")),
                        .text(point.tags.joined(separator: " "))])
        }
        for rule in source.rules where pointIds.contains(rule.point) {
            // Examples are kept apart: a check never reads them, and they are half the bytes.
            var bare = rule
            bare.examples = RuleExamples()
            let body = String(decoding: try encoder.encode(bare), as: UTF8.self)
            let examples = String(decoding: try encoder.encode(rule.examples), as: UTF8.self)
            try db.run("INSERT OR REPLACE INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [.text(rule.id), .text(rule.point), .text(rule.owner.rawValue), .text(rule.confidence.rawValue),
                        .text(rule.file), .int(rule.line), .text(body), .text(examples)])
        }
        for prefix in source.prefixes {
            try db.run("INSERT INTO prefixes VALUES (?, ?, ?, ?)",
                       [.text(prefix.prefix), .text(prefix.platform.rawValue), .text(prefix.domain.rawValue), .text(prefix.on)])
        }
    }

    // MARK: Reading

    public func points() throws -> [DivergencePoint] {
        try Self.decodePoints(try pointBodies())
    }

    /// The stored records of every point, undecoded: decoding needs no connection, so it can
    /// run on another thread (`decodePoints`).
    public func pointBodies() throws -> [String] {
        try database.query("SELECT body FROM points ORDER BY id") { $0.text(0) }
    }

    public static func decodePoints(_ bodies: [String]) throws -> [DivergencePoint] {
        try bodies.map(PointRecord.decode)
    }

    public func point(id: String) throws -> DivergencePoint? {
        try database.query("SELECT body FROM points WHERE id = ?", [.text(id)]) {
            try PointRecord.decode($0.text(0))
        }.first
    }

    /// Id, title and domain of every point, without decoding the full records.
    public func pointIndex() throws -> [(id: String, title: String, domain: String)] {
        try database.query("SELECT id, title, domain FROM points ORDER BY id") { ($0.text(0), $0.text(1), $0.text(2)) }
    }

    /// Every rule, in file order; their examples only when asked for (matching never needs them).
    public func rules(withExamples: Bool = false) throws -> [Rule] {
        let columns = withExamples ? "body, examples" : "body"
        let rows = try database.query("SELECT \(columns) FROM rules ORDER BY file, line, id") { row in
            (row.text(0), withExamples ? row.text(1) : nil)
        }
        // Read in a few slices on every core: a check waits for the rules before any manifest.
        let slices = (0..<4).map { slice in (rows.count * slice / 4)..<(rows.count * (slice + 1) / 4) }
        let decoded = ConcurrentMap.map(slices) { range in
            Result {
                let decoder = JSONDecoder()
                return try rows[range].map { body, examples in
                    var rule = try RuleRecord.decode(body)
                    if let examples { rule.examples = try decoder.decode(RuleExamples.self, from: Data(examples.utf8)) }
                    return rule
                }
            }
        }
        return try decoded.flatMap { try $0.get() }
    }

    public func prefixes() throws -> [ProviderPrefix] {
        try database.query("SELECT prefix, platform, domain, on_what FROM prefixes") {
            ProviderPrefix(prefix: $0.text(0), platform: Platform(rawValue: $0.text(1)) ?? .aws,
                           domain: Domain(rawValue: $0.text(2)) ?? .compute, on: $0.text(3))
        }
    }

    /// Decodes one point and one rule: a database written by an older build whose records no
    /// longer decode is treated as corrupt and rebuilt.
    public func probe() throws {
        let decoder = JSONDecoder()
        _ = try database.query("SELECT body FROM points LIMIT 1") { try decoder.decode(DivergencePoint.self, from: Data($0.text(0).utf8)) }
        _ = try database.query("SELECT body, examples FROM rules LIMIT 1") {
            (try decoder.decode(Rule.self, from: Data($0.text(0).utf8)), try decoder.decode(RuleExamples.self, from: Data($0.text(1).utf8)))
        }
    }

    public func meta(_ key: String) -> String? {
        try? database.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { $0.text(0) }.first
    }

    public func info() throws -> CatalogueInfo {
        let counts = try database.query("SELECT domain, COUNT(*) FROM points GROUP BY domain") { ($0.text(0), $0.int(1)) }
        return CatalogueInfo(
            version: meta("version") ?? "", sha256: meta("sha256") ?? "",
            points: try database.query("SELECT COUNT(*) FROM points") { $0.int(0) }.first ?? 0,
            rules: try database.query("SELECT COUNT(*) FROM rules") { $0.int(0) }.first ?? 0,
            path: database.path, builtAt: meta("builtAt") ?? "",
            domains: Dictionary(uniqueKeysWithValues: counts))
    }

    /// Full-text search, ranked by bm25 (titles weigh most). The text is searched as plain
    /// words: FTS5 syntax in it (quotes, parentheses, AND, `*`, `-`) has no effect.
    public func search(_ text: String, domain: Domain? = nil, limit: Int = 10, matchAll: Bool = true) throws -> [SearchHit] {
        guard let match = Self.ftsQuery(for: text, matchAll: matchAll) else { return [] }
        var sql = """
        SELECT f.id, p.title, p.domain,
               snippet(points_fts, -1, '[', ']', '…', 12),
               bm25(points_fts, 4.0, 10.0, 2.0, 1.0, 3.0, 5.0) AS rank
        FROM points_fts f JOIN points p ON p.id = f.id
        WHERE points_fts MATCH ?
        """
        var values: [SQLiteValue] = [.text(match)]
        if let domain {
            sql += " AND p.domain = ?"
            values.append(.text(domain.rawValue))
        }
        sql += " ORDER BY rank, f.id LIMIT ?"
        values.append(.int(max(1, limit)))
        return try database.query(sql, values) {
            SearchHit(id: $0.text(0), title: $0.text(1), domain: $0.text(2), snippet: $0.text(3), rank: -$0.double(4))
        }
    }

    /// Turns free text into an FTS5 query of quoted phrases, one per word, all required.
    /// `aws-load-balancer-type` stays one phrase, so keys are found as typed.
    static func ftsQuery(for text: String, matchAll: Bool = true) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
            .map { $0.filter { $0 != "\"" } }
            .filter { word in word.contains { $0.isLetter || $0.isNumber } }
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"" }.joined(separator: matchAll ? " " : " OR ")
    }
}
