import DivergenceCore
import Foundation
import Yams

/// A configuration problem, with the file and line it is on.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// An accepted finding, by id, optionally narrowed to paths and resources, with a reason and an
/// optional expiry date.
public struct IgnoreEntry: Sendable, Hashable {
    public var id: String
    public var path: PathGlob?
    /// `Kind/namespace/name` (or `Kind/name`), each part a glob with `*`.
    public var resource: String?
    public var reason: String
    /// `YYYY-MM-DD`; after it the entry stops suppressing and the report says so.
    public var expires: String?
    public var file: String
    public var line: Int

    public init(id: String, path: PathGlob? = nil, resource: String? = nil, reason: String, expires: String? = nil, file: String = "", line: Int = 0) {
        self.id = id; self.path = path; self.resource = resource; self.reason = reason; self.expires = expires
        self.file = file; self.line = line
    }

    /// Whether the entry names this finding (regardless of expiry).
    public func matches(_ finding: Finding) -> Bool {
        guard id == finding.ruleId || id == finding.divergenceId || id == "*" else { return false }
        if let path, !path.matches(finding.file) { return false }
        if let resource, !Self.resource(resource, matches: finding.resource) { return false }
        return true
    }

    static func resource(_ selector: String, matches ref: ResourceRef) -> Bool {
        let parts = selector.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func glob(_ pattern: String, _ value: String) -> Bool {
            value.range(of: StarGlob.regex(pattern), options: .regularExpression) != nil
        }
        switch parts.count {
        case 2: return glob(parts[0], ref.kind) && glob(parts[1], ref.name)
        case 3: return glob(parts[0], ref.kind) && glob(parts[1], ref.namespace ?? "") && glob(parts[2], ref.name)
        default: return false
        }
    }

    public func isExpired(today: String) -> Bool {
        guard let expires else { return false }
        return expires < today
    }
}

/// The effective settings of a run and where each came from (`default`, `FILE:LINE`, or
/// `command line`).
public struct Configuration: Sendable {
    public var from: Platform?
    public var to: [Platform] = []
    public var failOn: Severity = .high
    public var exclude: [PathGlob] = []
    public var ignore: [IgnoreEntry] = []
    public var catalogues: [String] = []
    /// `translate: choose:` — the option taken where the target offers several equivalents
    /// (`ingress: agc`); checked against the catalogue's choices by the command.
    public var translateChoices: [String: String] = [:]
    /// `translate: registryMap:` — registry hosts written with another host (`SOURCE: TARGET`).
    public var registryMap: [String: String] = [:]
    /// Origin of each key that has a value.
    public var origins: [String: String] = [:]
    /// The configuration file read, if any.
    public var file: String?

    public init() {}

    public static let fileName = ".divergence.yaml"
    static let keys: Set<String> = ["from", "to", "failOn", "exclude", "ignore", "catalogues", "translate"]
    /// Exclude patterns one configuration may hold, and the size of the file itself.
    static let maxExcludes = 10_000
    static let maxFileBytes = 1 << 20

    /// The configuration file to use: the one given, else `.divergence.yaml` in the working
    /// directory, else in the first scanned directory (or the directory of the first file).
    public static func discover(explicit: String?, paths: [String]) -> String? {
        if let explicit { return explicit }
        let fm = FileManager.default
        if fm.fileExists(atPath: fileName) { return fileName }
        for path in paths where path != "-" {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            let directory = isDir.boolValue ? path : (path as NSString).deletingLastPathComponent
            let candidate = (directory.isEmpty ? "." : directory) + "/" + fileName
            if fm.fileExists(atPath: candidate) { return candidate }
            break
        }
        return nil
    }

    /// Reads a configuration file; unknown keys and bad values are errors with their line.
    public static func load(file: String) throws -> Configuration {
        var info = stat()
        if stat(file, &info) == 0, info.st_mode & S_IFMT != S_IFREG || Int(info.st_size) > maxFileBytes {
            throw ConfigurationError(file: file, line: 0, message: "not a regular file of at most \(maxFileBytes >> 20) MB")
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: file, line: 0, message: "cannot read the configuration file")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            var line = 0
            if case .parser(_, _, let mark, _) = error { line = mark.line }
            if case .scanner(_, _, let mark, _) = error { line = mark.line }
            throw ConfigurationError(file: file, line: line, message: "invalid YAML: \(error)")
        }
        var config = Configuration()
        config.file = file
        guard let root else { return config }
        guard let mapping = root.mapping else {
            throw ConfigurationError(file: file, line: root.mark?.line ?? 1, message: "the configuration must be a mapping of keys (\(keys.sorted().joined(separator: ", ")))")
        }
        func fail(_ node: Node?, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: node?.mark?.line ?? 1, message: message)
        }
        func origin(_ node: Node) -> String { "\(file):\(node.mark?.line ?? 1)" }
        func list(_ node: Node, _ key: String) throws -> [Node] {
            if let seq = node.sequence { return Array(seq) }
            if node.scalar != nil { return [node] }
            throw fail(node, "'\(key)' must be a list")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard keys.contains(key) else {
                throw fail(keyNode, "unknown key '\(key)' (allowed: \(keys.sorted().joined(separator: ", ")))")
            }
            config.origins[key] = origin(keyNode)
            switch key {
            case "from":
                guard let p = Platform(named: value.string ?? "") else {
                    throw fail(value, "'from' must be one of \(Platform.acceptedNames)")
                }
                config.from = p
            case "to":
                let names = value.sequence.map { $0.compactMap(\.string) } ?? (value.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                config.to = try names.map { name in
                    guard let p = Platform(named: name) else { throw fail(value, "'to' has unknown platform '\(name)' (valid: \(Platform.acceptedNames))") }
                    return p
                }
                if config.to.isEmpty { throw fail(value, "'to' needs at least one platform") }
            case "failOn":
                guard let s = Severity(rawValue: value.string ?? "") else {
                    throw fail(value, "'failOn' must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                config.failOn = s
            case "exclude":
                let patterns = try list(value, key)
                // A configuration a scanned repository may hold: its size is bounded too.
                guard patterns.count <= Self.maxExcludes else {
                    throw fail(value, "'exclude' has \(patterns.count) entries; at most \(Self.maxExcludes)")
                }
                config.exclude = try patterns.map { node in
                    guard let text = node.string, !text.isEmpty else { throw fail(node, "'exclude' entries are path globs") }
                    return try PathGlob(text)
                }
            case "catalogues":
                let base = (file as NSString).deletingLastPathComponent
                config.catalogues = try list(value, key).map { node in
                    guard let text = node.string, !text.isEmpty else { throw fail(node, "'catalogues' entries are directories") }
                    let path = text.hasPrefix("/") || base.isEmpty ? text : base + "/" + text
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
                        throw fail(node, "catalogue directory '\(text)' does not exist")
                    }
                    return path
                }
            case "ignore":
                config.ignore = try list(value, key).map { entry in
                    guard let m = entry.mapping else { throw fail(entry, "each 'ignore' entry is a mapping with id and reason") }
                    for k in m.keys where !["id", "path", "resource", "reason", "expires"].contains(k.string ?? "") {
                        throw fail(k, "unknown key '\(k.string ?? "")' in an ignore entry (allowed: expires, id, path, reason, resource)")
                    }
                    guard let id = entry["id"]?.string, !id.isEmpty else { throw fail(entry, "an ignore entry needs an 'id' (rule or point id)") }
                    guard let reason = entry["reason"]?.string, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw fail(entry, "ignore entry '\(id)' needs a 'reason'")
                    }
                    var path: PathGlob?
                    if let p = entry["path"]?.string { path = try PathGlob(p) }
                    let resource = entry["resource"]?.string
                    if let resource, !(2...3).contains(resource.split(separator: "/", omittingEmptySubsequences: false).count) {
                        throw fail(entry["resource"], "'resource' is Kind/namespace/name or Kind/name (with * globs)")
                    }
                    let expires = entry["expires"]?.string
                    if let expires, expires.range(of: "^\\d{4}-\\d{2}-\\d{2}$", options: .regularExpression) == nil {
                        throw fail(entry["expires"], "'expires' must be a date YYYY-MM-DD")
                    }
                    return IgnoreEntry(id: id, path: path, resource: resource, reason: reason, expires: expires,
                                       file: file, line: entry.mark?.line ?? 0)
                }
            case "translate":
                guard let m = value.mapping else { throw fail(value, "'translate' is a mapping with choose and registryMap") }
                for (k, v) in m {
                    let name = k.string ?? ""
                    guard name == "choose" || name == "registryMap" else {
                        throw fail(k, "unknown key '\(name)' in translate (allowed: choose, registryMap)")
                    }
                    guard let entries = v.mapping else { throw fail(v, "'translate.\(name)' is a mapping (\(name == "choose" ? "ingress: agc" : "SOURCE-HOST: TARGET-HOST"))") }
                    var pairs: [String: String] = [:]
                    for (ek, ev) in entries {
                        guard let a = ek.string, !a.isEmpty, let b = ev.string, !b.isEmpty else { throw fail(ek, "'translate.\(name)' entries are NAME: VALUE") }
                        pairs[a] = b
                    }
                    if name == "choose" { config.translateChoices = pairs } else { config.registryMap = pairs }
                }
            default:
                break
            }
        }
        return config
    }

    /// Today's date in UTC as `YYYY-MM-DD`, for expiry checks.
    public static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }
}
