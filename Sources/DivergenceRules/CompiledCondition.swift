import DivergenceCore
import Foundation

/// A regular expression compiled once when the rules load.
struct CompiledPattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as thread-safe.
    let regex: NSRegularExpression
    let source: String

    init(_ source: String) throws {
        self.source = source
        regex = try NSRegularExpression(pattern: source, options: [])
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }
}

enum CompiledKeyTest: Sendable {
    case equals(String), prefix(String), pattern(CompiledPattern)

    init(_ test: KeyTest) throws {
        switch test {
        case .equals(let k): self = .equals(k)
        case .prefix(let p): self = .prefix(p)
        case .pattern(let r): self = .pattern(try CompiledPattern(r))
        }
    }

    func matches(_ key: String) -> Bool {
        switch self {
        case .equals(let k): key == k
        case .prefix(let p): key.hasPrefix(p)
        case .pattern(let r): r.matches(key)
        }
    }
}

enum CompiledValueTest: Sendable {
    case equals(String), oneOf(Set<String>), pattern(CompiledPattern), contains(String)

    func matches(_ value: String) -> Bool {
        switch self {
        case .equals(let v): value == v
        case .oneOf(let set): set.contains(value)
        case .pattern(let r): r.matches(value)
        case .contains(let s): value.contains(s)
        }
    }
}

/// A condition with its regular expressions compiled, ready to evaluate.
indirect enum CompiledCondition: Sendable {
    case field(FieldPath, CompiledKeyTest?, CompiledValueTest?, absent: Bool)
    case all([CompiledCondition])
    case any([CompiledCondition])
    case not(CompiledCondition)

    init(_ condition: Condition) throws {
        switch condition {
        case .field(let path, let key, let value):
            let keyTest = try key.map(CompiledKeyTest.init)
            switch value {
            case nil: self = .field(path, keyTest, nil, absent: false)
            case .absent?: self = .field(path, keyTest, nil, absent: true)
            case .equals(let v)?: self = .field(path, keyTest, .equals(v), absent: false)
            case .oneOf(let vs)?: self = .field(path, keyTest, .oneOf(Set(vs)), absent: false)
            case .pattern(let r)?: self = .field(path, keyTest, .pattern(try CompiledPattern(r)), absent: false)
            case .contains(let s)?: self = .field(path, keyTest, .contains(s), absent: false)
            }
        case .all(let cs): self = .all(try cs.map(CompiledCondition.init))
        case .any(let cs): self = .any(try cs.map(CompiledCondition.init))
        case .not(let c): self = .not(try CompiledCondition(c))
        }
    }

    /// The nodes that revealed a match, or `nil` when the condition is false.
    func evaluate(on resource: LocatedResource) -> [NodeMatch]? {
        switch self {
        case .field(let path, let keyTest, let valueTest, let absent):
            var candidates = FieldResolver.resolve(path, in: resource)
            if let keyTest {
                candidates = candidates.flatMap { candidate -> [ResolvedNode] in
                    guard let entries = candidate.node.entries else { return [] }
                    return entries.filter { keyTest.matches($0.key) }.map {
                        ResolvedNode(node: $0.value, path: FieldResolver.append(key: $0.key, to: candidate.path),
                                     keyLocation: $0.keyLocation, key: $0.key)
                    }
                }
            }
            if absent { return candidates.isEmpty ? [] : nil }
            var found: [NodeMatch] = []
            for candidate in candidates {
                guard let valueTest else {
                    found.append(candidate.match(evidence: candidate.node.scalar ?? candidate.key ?? ""))
                    continue
                }
                if let scalar = candidate.node.scalar {
                    if valueTest.matches(scalar) { found.append(candidate.match(evidence: scalar)) }
                } else if let items = candidate.node.items {
                    // A value test on a list tests each scalar element (e.g. `args`, `hosts`).
                    for (i, item) in items.enumerated() {
                        if let s = item.scalar, valueTest.matches(s) {
                            found.append(NodeMatch(path: candidate.path + "[\(i)]", location: item.location, evidence: s))
                        }
                    }
                }
            }
            return found.isEmpty ? nil : found
        case .all(let children):
            var first: [NodeMatch]?
            for child in children {
                guard let nodes = child.evaluate(on: resource) else { return nil }
                if first == nil || first!.isEmpty { first = nodes }
            }
            return first ?? []
        case .any(let children):
            var union: [NodeMatch]?
            for child in children {
                if let nodes = child.evaluate(on: resource) { union = (union ?? []) + nodes }
            }
            return union
        case .not(let child):
            return child.evaluate(on: resource) == nil ? [] : nil
        }
    }
}

/// One node that revealed a match.
public struct NodeMatch: Sendable, Hashable {
    /// The field path in the document, in the labels' notation.
    public var path: String
    public var location: SourceLocation
    public var evidence: String
}

struct ResolvedNode {
    var node: ManifestNode
    var path: String
    var keyLocation: SourceLocation?
    var key: String?

    func match(evidence: String) -> NodeMatch {
        NodeMatch(path: path, location: keyLocation ?? node.location, evidence: evidence)
    }
}
