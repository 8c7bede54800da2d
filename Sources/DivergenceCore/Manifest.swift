/// A 1-based line and column in a source file.
public struct SourceLocation: Sendable, Codable, Hashable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line; self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A YAML/JSON node that remembers where it was written.
public struct ManifestNode: Sendable, Hashable {
    /// Not `indirect`: the recursive cases hold arrays, which are references already, so a
    /// box per node would only add an allocation (one per scalar of every file read).
    public enum Value: Sendable, Hashable {
        case scalar(String)
        case mapping([Entry])
        case sequence([ManifestNode])
    }

    /// One key/value pair of a mapping; the key keeps its own location.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ManifestNode

        public init(key: String, keyLocation: SourceLocation, value: ManifestNode) {
            self.key = key; self.keyLocation = keyLocation; self.value = value
        }
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value; self.location = location
    }

    /// The value in one short line for a report: a scalar as it is (`""` when empty), a
    /// mapping or list in flow style (`{team: a, env: b}`), cut at `limit` characters.
    public func compactText(limit: Int = 80) -> String {
        var out = ""
        func add(_ node: ManifestNode) {
            guard out.count <= limit else { return }
            switch node.value {
            case .scalar(let text):
                out += text.isEmpty ? "\"\"" : (text.contains(where: \.isNewline) ? String(text.prefix { !$0.isNewline }) + " …" : text)
            case .mapping(let entries):
                out += "{"
                for (i, entry) in entries.enumerated() {
                    if out.count > limit { break }
                    if i > 0 { out += ", " }
                    out += entry.key + ": "
                    add(entry.value)
                }
                out += "}"
            case .sequence(let items):
                out += "["
                for (i, item) in items.enumerated() {
                    if out.count > limit { break }
                    if i > 0 { out += ", " }
                    add(item)
                }
                out += "]"
            }
        }
        add(self)
        return out.count > limit ? String(out.prefix(limit)) + "…" : out
    }

    public var scalar: String? {
        if case .scalar(let s) = value { return s }
        return nil
    }

    public var entries: [Entry]? {
        if case .mapping(let e) = value { return e }
        return nil
    }

    public var items: [ManifestNode]? {
        if case .sequence(let n) = value { return n }
        return nil
    }

    /// The entry with key `key`, if this node is a mapping that has it.
    public func entry(_ key: String) -> Entry? {
        guard case .mapping(let entries) = value else { return nil }
        for i in entries.indices where entries[i].key == key { return entries[i] }
        return nil
    }

    /// The value under `key`, if this node is a mapping that has it. Looked up in place: lookups
    /// chain (`root["spec"]?["template"]?["metadata"]`) for every resource of every scan.
    public subscript(key: String) -> ManifestNode? {
        guard case .mapping(let entries) = value else { return nil }
        for i in entries.indices where entries[i].key == key { return entries[i].value }
        return nil
    }
}

/// One step from a document's root to a node: a mapping key or a list index. A match carries
/// its way as steps (what a JSON patch pointer needs) and as text in the labels' notation (what
/// people read).
public enum PathStep: Sendable, Hashable {
    case key(String)
    case index(Int)
}

/// A file and line a built resource's line came from.
public struct SourceLine: Sendable, Hashable {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) { self.file = file; self.line = line }
}

/// Where the lines of a resource built from other files came from (Kustomize): each line's
/// source, and the resource's own place in its origin file for a line no source writes.
public struct SourceLines: Sendable, Hashable {
    public var lines: [Int: SourceLine]
    public var fallback: SourceLine
    public init(lines: [Int: SourceLine], fallback: SourceLine) { self.lines = lines; self.fallback = fallback }
}

/// Identifies a Kubernetes object for people and reports.
public struct ResourceRef: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String?, name: String) {
        self.apiVersion = apiVersion; self.kind = kind; self.namespace = namespace; self.name = name
    }

    /// The API group (`""` for the core group).
    public var group: String {
        // On UTF-8: finding a Character walks grapheme boundaries, and this is asked per rule.
        guard let slash = apiVersion.utf8.firstIndex(of: 0x2F) else { return "" }
        return String(apiVersion[..<slash])
    }

    public var description: String {
        if let namespace { return "\(kind)/\(namespace)/\(name)" }
        return "\(kind)/\(name)"
    }

    // The API version is left out of the hash: kind, namespace and name tell objects apart
    // (equality still compares all four), and reports hash identities by the thousand.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(namespace)
        hasher.combine(name)
    }

    public static func < (lhs: ResourceRef, rhs: ResourceRef) -> Bool {
        (lhs.kind, lhs.namespace ?? "", lhs.name) < (rhs.kind, rhs.namespace ?? "", rhs.name)
    }
}

/// A Kubernetes object read from a file, with its source position.
public struct LocatedResource: Sendable, Hashable {
    public var ref: ResourceRef
    /// The path as the user gave it (`-` for standard input).
    public var file: String
    /// 0-based index among the non-empty documents of the file.
    public var document: Int
    /// Where the object starts (its first key).
    public var location: SourceLocation
    /// Where `kind:` is written; findings without a more precise node point here.
    public var kindLocation: SourceLocation
    public var root: ManifestNode
    /// The template file named by a `# Source:` comment of rendered Helm output, if any.
    public var renderedFrom: String?
    /// The line of that `# Source:` comment: lines in the template's rendered document are
    /// counted from it.
    public var renderedLineOffset: Int
    /// The literals its document was found to hold as it was parsed (see `LiteralScanner`);
    /// `nil` when it was parsed without a scanner.
    public var literalMarks: LiteralMarks?
    /// For a resource built by Kustomize: the source file and line of each of its lines.
    public var sourceLines: SourceLines?

    public init(ref: ResourceRef, file: String, document: Int, location: SourceLocation,
                kindLocation: SourceLocation, root: ManifestNode, renderedFrom: String? = nil, renderedLineOffset: Int = 0,
                literalMarks: LiteralMarks? = nil) {
        self.ref = ref; self.file = file; self.document = document; self.location = location
        self.kindLocation = kindLocation; self.root = root; self.renderedFrom = renderedFrom
        self.renderedLineOffset = renderedLineOffset; self.literalMarks = literalMarks
    }

    /// The resource without its body: only the `divergence.dev/` annotations stay (suppressions
    /// read them). What a report keeps once the resource has been matched: a large repository
    /// has a hundred thousand resources, and their other annotations are not needed again.
    public func skeleton() -> LocatedResource {
        var copy = self
        copy.literalMarks = nil
        let here = root.entry("metadata")?.keyLocation ?? location
        var metadata: [ManifestNode.Entry] = []
        if let annotations = root["metadata"]?.entry("annotations"), let entries = annotations.value.entries {
            let kept = entries.filter { $0.key.hasPrefix("divergence.dev/") }
            if !kept.isEmpty {
                metadata.append(ManifestNode.Entry(key: "annotations", keyLocation: annotations.keyLocation,
                                                   value: ManifestNode(.mapping(kept), at: annotations.value.location)))
            }
        }
        // Nearly no resource has such annotations: it then keeps an empty mapping (no allocation).
        copy.root = metadata.isEmpty ? ManifestNode(.mapping([]), at: root.location)
            : ManifestNode(.mapping([ManifestNode.Entry(key: "metadata", keyLocation: here, value: ManifestNode(.mapping(metadata), at: here))]), at: root.location)
        return copy
    }

    /// Where a finding on this resource should say it is: the template for rendered Helm
    /// output (line within the rendered document), else the file and line as read.
    public func reportedLocation(line: Int) -> (file: String, line: Int) {
        if let sourceLines {
            let source = sourceLines.lines[line] ?? sourceLines.fallback
            return (source.file, source.line)
        }
        guard let renderedFrom else { return (file, line) }
        return (renderedFrom, max(1, line - renderedLineOffset))
    }
}
