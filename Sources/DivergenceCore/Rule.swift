/// A declarative detection rule: which resources to look at, what to look for, and which
/// divergence point a match reveals.
public struct Rule: Sendable, Codable, Hashable {
    public var id: String
    public var point: String
    public var owner: ConstructOwner
    public var confidence: Confidence
    public var message: String
    public var remediation: String?
    public var kinds: [KindSelector]
    public var condition: Condition
    public var examples: RuleExamples
    /// A broad rule (a value family anywhere in a resource): its match is dropped where another
    /// rule matched a node on the same line of the same resource, so a value is reported once,
    /// by the rule that knows it best.
    public var fallback: Bool
    /// Kinds whose definition in the scanned set makes a match moot: a `storageClassName: ebs-sc`
    /// names a built-in class only when the scanned files do not define a StorageClass `ebs-sc`.
    /// The matched value is compared with the names of the defined resources of these kinds.
    public var unlessDefined: [String]
    /// Where the rule is defined, for validation messages.
    public var file: String
    public var line: Int

    public init(id: String, point: String, owner: ConstructOwner, confidence: Confidence, message: String,
                remediation: String? = nil, kinds: [KindSelector], condition: Condition,
                examples: RuleExamples = RuleExamples(), fallback: Bool = false, unlessDefined: [String] = [],
                file: String = "", line: Int = 0) {
        self.id = id; self.point = point; self.owner = owner; self.confidence = confidence
        self.message = message; self.remediation = remediation; self.kinds = kinds
        self.condition = condition; self.examples = examples; self.fallback = fallback
        self.unlessDefined = unlessDefined; self.file = file; self.line = line
    }

    enum CodingKeys: String, CodingKey {
        case id, point, owner, confidence, message, remediation, kinds, condition, examples, fallback, unlessDefined, file, line
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), point: try c.decode(String.self, forKey: .point),
                  owner: try c.decode(ConstructOwner.self, forKey: .owner), confidence: try c.decode(Confidence.self, forKey: .confidence),
                  message: try c.decode(String.self, forKey: .message), remediation: try c.decodeIfPresent(String.self, forKey: .remediation),
                  kinds: try c.decode([KindSelector].self, forKey: .kinds), condition: try c.decode(Condition.self, forKey: .condition),
                  examples: try c.decode(RuleExamples.self, forKey: .examples),
                  fallback: try c.decodeIfPresent(Bool.self, forKey: .fallback) ?? false,
                  unlessDefined: try c.decodeIfPresent([String].self, forKey: .unlessDefined) ?? [],
                  file: try c.decode(String.self, forKey: .file), line: try c.decode(Int.self, forKey: .line))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(point, forKey: .point); try c.encode(owner, forKey: .owner)
        try c.encode(confidence, forKey: .confidence); try c.encode(message, forKey: .message)
        try c.encodeIfPresent(remediation, forKey: .remediation); try c.encode(kinds, forKey: .kinds)
        try c.encode(condition, forKey: .condition); try c.encode(examples, forKey: .examples)
        // Written only when set: most rules have neither, and every record is read at start.
        if fallback { try c.encode(fallback, forKey: .fallback) }
        if !unlessDefined.isEmpty { try c.encode(unlessDefined, forKey: .unlessDefined) }
        try c.encode(file, forKey: .file); try c.encode(line, forKey: .line)
    }
}

/// Manifests a rule must fire on and must not fire on; executed as tests.
public struct RuleExamples: Sendable, Codable, Hashable {
    public var fire: [String]
    public var pass: [String]

    public init(fire: [String] = [], pass: [String] = []) {
        self.fire = fire; self.pass = pass
    }
}

/// Selects resources by kind and API group.
///
/// Written as `Kind`, `group/Kind`, `group/*` (any kind in a group), a group glob such as
/// `*.k8s.aws/*`, `$workload` (every resource that holds a pod spec, whatever its kind) or `*`.
public struct KindSelector: Sendable, Hashable, CustomStringConvertible {
    /// `nil` matches any kind.
    public var kind: String?
    /// `nil` matches any group; otherwise a glob (`*` matches any run of characters).
    public var group: String?
    /// `$workload`: selects by shape, not by name. Operators (Ray, JobSet, Strimzi, Argo, …)
    /// carry pod templates of their own, and a rule about pods means the same inside them.
    public var podCarrier: Bool

    /// Kinds of the core API that carry a pod spec; names workloads in reports. Detection never
    /// depends on this list: a pod spec is found by its shape in any kind.
    public static let workloadKinds = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                       "ReplicationController", "Job", "CronJob"]

    public static let podCarrierText = "$workload"

    public init(kind: String?, group: String?, podCarrier: Bool = false) {
        self.kind = kind; self.group = group; self.podCarrier = podCarrier
    }

    /// Parses the written form.
    public static func parse(_ text: String) -> [KindSelector] {
        if text == podCarrierText { return [KindSelector(kind: nil, group: nil, podCarrier: true)] }
        if text == "*" { return [KindSelector(kind: nil, group: nil)] }
        if let slash = text.utf8.lastIndex(of: UInt8(ascii: "/")) {
            let group = String(text[..<slash])
            let kind = String(text[text.utf8.index(after: slash)...])
            return [KindSelector(kind: kind == "*" ? nil : kind, group: group)]
        }
        return [KindSelector(kind: text, group: nil)]
    }

    public var description: String {
        if podCarrier { return Self.podCarrierText }
        return switch (group, kind) {
        case (nil, nil): "*"
        case (nil, let k?): k
        case (let g?, nil): "\(g)/*"
        case (let g?, let k?): "\(g)/\(k)"
        }
    }
}

/// A match condition over one resource.
public indirect enum Condition: Sendable, Hashable {
    /// The nodes at `path` (optionally the entries of a mapping whose key passes `key`) whose
    /// value passes `value`.
    case field(path: FieldPath, key: KeyTest?, value: ValueTest?)
    case all([Condition])
    case any([Condition])
    case not(Condition)
}

/// A test on mapping keys.
public enum KeyTest: Sendable, Hashable {
    case equals(String)
    case prefix(String)
    case pattern(String)
}

/// A test on a scalar value (or on presence).
public enum ValueTest: Sendable, Hashable {
    case equals(String)
    case oneOf([String])
    case pattern(String)
    case contains(String)
    case absent
}

/// A path into a manifest: dotted keys, `["quoted.keys"]`, `[n]`, `[*]`, `*`, `**` (any depth),
/// with the `$pod`, `$podMeta` and `$containers` roots (every pod spec found by shape).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public enum Root: String, Sendable, Codable, Hashable {
        case document, pod = "$pod", podMeta = "$podMeta", containers = "$containers"
    }

    public enum Step: Sendable, Codable, Hashable {
        case key(String)
        case index(Int)
        case anyIndex
        case anyKey
        /// `**`: the node itself and every mapping and scalar below it, at any depth (the items
        /// of a list, not the list). How a rule reaches a key or value wherever a kind keeps it.
        case anyDepth
    }

    public var root: Root
    public var steps: [Step]
    public var text: String

    public init(root: Root, steps: [Step], text: String) {
        self.root = root; self.steps = steps; self.text = text
    }

    public var description: String { text }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses the written form of a path.
    public static func parse(_ text: String) throws -> FieldPath {
        // On UTF-8 bytes: the syntax is all ASCII, and stepping through Characters (grapheme
        // breaking) made parsing the catalogue's paths a good part of loading the rules.
        let bytes = Array(text.utf8)
        let dot = UInt8(ascii: "."), open = UInt8(ascii: "["), close = UInt8(ascii: "]"), quote = UInt8(ascii: "\"")
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func fail(_ why: String) -> ParseError { ParseError(description: "invalid field path '\(text)': \(why)") }
        var root = Root.document
        var i = 0
        for candidate in [Root.podMeta, .pod, .containers] where bytes.starts(with: candidate.rawValue.utf8) {
            let after = candidate.rawValue.utf8.count
            if after == bytes.count || bytes[after] == dot || bytes[after] == open {
                root = candidate
                i = after
                break
            }
        }
        var steps: [Step] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == dot {
                i += 1
                continue
            }
            if c == open {
                guard var end = bytes[i...].firstIndex(of: close) else { throw fail("missing ']'") }
                let inner = (i + 1)..<end
                if !inner.isEmpty, bytes[i + 1] == quote {
                    // Quoted key: find the closing quote followed by ']' (keys may contain ']').
                    guard let q = bytes[(i + 2)...].firstIndex(of: quote) else { throw fail("missing closing quote") }
                    guard q + 1 < bytes.count, bytes[q + 1] == close else { throw fail("expected ']' after quoted key") }
                    steps.append(.key(string((i + 2)..<q)))
                    end = q + 1
                } else if string(inner) == "*" {
                    steps.append(.anyIndex)
                } else if let n = Int(string(inner)), n >= 0 {
                    steps.append(.index(n))
                } else {
                    throw fail("'[\(string(inner))]' is neither an index, [*] nor a quoted key")
                }
                i = end + 1
                continue
            }
            var j = i
            while j < bytes.count, bytes[j] != dot, bytes[j] != open { j += 1 }
            let name = string(i..<j)
            steps.append(name == "*" ? .anyKey : name == "**" ? .anyDepth : .key(name))
            i = j
        }
        if root == .document && steps.isEmpty { throw fail("empty path") }
        return FieldPath(root: root, steps: steps, text: text)
    }
}

// Compact coding for the compiled catalogue: one key per case and a path as its written text.
// Synthesised coding nested every case payload in `{"_0": …}` and spelled each path step out,
// and decoding that was most of the time a `check` spends before reading a manifest.

/// The single key a case is coded under.
private struct CaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func onlyKey(_ container: KeyedDecodingContainer<CaseKey>, _ type: String) throws -> CaseKey {
    guard container.allKeys.count == 1, let key = container.allKeys.first else {
        throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: "\(type): expected exactly one key"))
    }
    return key
}

extension FieldPath: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try FieldPath.parse(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

extension KeyTest: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CaseKey.self)
        let key = try onlyKey(c, "key test")
        let value = try c.decode(String.self, forKey: key)
        switch key.stringValue {
        case "equals": self = .equals(value)
        case "prefix": self = .prefix(value)
        case "pattern": self = .pattern(value)
        default: throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown key test")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CaseKey.self)
        switch self {
        case .equals(let v): try c.encode(v, forKey: CaseKey("equals"))
        case .prefix(let v): try c.encode(v, forKey: CaseKey("prefix"))
        case .pattern(let v): try c.encode(v, forKey: CaseKey("pattern"))
        }
    }
}

extension ValueTest: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CaseKey.self)
        let key = try onlyKey(c, "value test")
        switch key.stringValue {
        case "equals": self = .equals(try c.decode(String.self, forKey: key))
        case "oneOf": self = .oneOf(try c.decode([String].self, forKey: key))
        case "pattern": self = .pattern(try c.decode(String.self, forKey: key))
        case "contains": self = .contains(try c.decode(String.self, forKey: key))
        case "absent": self = .absent
        default: throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown value test")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CaseKey.self)
        switch self {
        case .equals(let v): try c.encode(v, forKey: CaseKey("equals"))
        case .oneOf(let v): try c.encode(v, forKey: CaseKey("oneOf"))
        case .pattern(let v): try c.encode(v, forKey: CaseKey("pattern"))
        case .contains(let v): try c.encode(v, forKey: CaseKey("contains"))
        case .absent: try c.encode(true, forKey: CaseKey("absent"))
        }
    }
}

extension Condition: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CaseKey.self)
        if c.contains(CaseKey("path")) {
            self = .field(path: try c.decode(FieldPath.self, forKey: CaseKey("path")),
                          key: try c.decodeIfPresent(KeyTest.self, forKey: CaseKey("key")),
                          value: try c.decodeIfPresent(ValueTest.self, forKey: CaseKey("value")))
            return
        }
        let key = try onlyKey(c, "condition")
        switch key.stringValue {
        case "all": self = .all(try c.decode([Condition].self, forKey: key))
        case "any": self = .any(try c.decode([Condition].self, forKey: key))
        case "not": self = .not(try c.decode(Condition.self, forKey: key))
        default: throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown condition")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CaseKey.self)
        switch self {
        case .field(let path, let key, let value):
            try c.encode(path, forKey: CaseKey("path"))
            try c.encodeIfPresent(key, forKey: CaseKey("key"))
            try c.encodeIfPresent(value, forKey: CaseKey("value"))
        case .all(let children): try c.encode(children, forKey: CaseKey("all"))
        case .any(let children): try c.encode(children, forKey: CaseKey("any"))
        case .not(let child): try c.encode(child, forKey: CaseKey("not"))
        }
    }
}

extension KindSelector: Codable {
    /// Coded as its written form (`Deployment`, `apps/*`, `*`): one string, not an object.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let selector = KindSelector.parse(text).first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a kind selector: \(text)"))
        }
        self = selector
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
