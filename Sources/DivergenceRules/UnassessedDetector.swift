import DivergenceCore
import Foundation

/// A provider-owned construct that no rule in the catalogue knows.
public struct UnassessedConstruct: Sendable, Hashable {
    public var resource: LocatedResource
    public var node: NodeMatch
    public var platform: Platform
    public var domain: Domain
}

/// Reports provider-owned keys and API groups that no rule matched, so gaps in the catalogue
/// never pass silently.
public struct UnassessedDetector: Sendable {
    // Patterns apart from their prefixes: testing a key must not copy a prefix's strings.
    private let keyPatterns: [CompiledPattern]
    private let keyPrefixes: [ProviderPrefix]
    private let groupPatterns: [CompiledPattern]
    private let groupPrefixes: [ProviderPrefix]
    /// The longest literal run of each key prefix, in `keyPrefixes` order: one pass over a key
    /// says which prefixes could match it, so most keys (`app`, `team`, …) meet no pattern.
    private let keyLiterals: LiteralAutomaton
    /// Prefixes without a literal (only `*`): possible for every key.
    private let unconditional: [Bool]

    public init(prefixes: [ProviderPrefix]) throws {
        var keys: [(CompiledPattern, ProviderPrefix)] = []
        var groups: [(CompiledPattern, ProviderPrefix)] = []
        for prefix in prefixes {
            // A key prefix matches the start of a key; a group glob the whole group.
            let pattern = try CompiledPattern(StarGlob.regex(prefix.prefix, star: "[^/]*", anchorEnd: prefix.on == "group"))
            if prefix.on == "group" { groups.append((pattern, prefix)) } else { keys.append((pattern, prefix)) }
        }
        keyPatterns = keys.map(\.0)
        keyPrefixes = keys.map(\.1)
        groupPatterns = groups.map(\.0)
        groupPrefixes = groups.map(\.1)
        let literals = keys.map { key in
            key.1.prefix.split(separator: "*").max { $0.utf8.count < $1.utf8.count }.map(String.init) ?? ""
        }
        keyLiterals = LiteralAutomaton(literals: literals.map { $0.isEmpty ? "\u{0}" : $0 })
        unconditional = literals.map(\.isEmpty)
        gateLiterals = literals.contains(where: \.isEmpty) ? nil : Array(Set(literals)).sorted()
    }

    /// Literals of which a resource must hold one for any of its keys to be provider-owned (the
    /// longest literal run of each key prefix), or `nil` when a prefix has none. The rule engine
    /// looks for them in the same pass as its own literals (`RuleEngine.init(watching:)`), so the
    /// walk over every key is skipped for the resources that hold none: nearly all of them.
    public let gateLiterals: [String]?

    /// Provider-owned constructs of `resource` that none of `matches` covers: its API group and
    /// those of the resources written inside it, and provider-prefixed keys at any depth (with
    /// the label keys that selectors, tolerations and requirements name as values).
    /// `shapes`, when given, is the index the rule engine already made for this resource.
    /// `keysPossible`: false when the resource holds none of `gateLiterals`, so no key can match.
    public func unassessed(in resource: LocatedResource, covered matches: [RuleMatch], shapes: ShapeIndex? = nil,
                           keysPossible: Bool = true) -> [UnassessedConstruct] {
        let shapes = shapes ?? ShapeIndex(resource)
        var result: [UnassessedConstruct] = []
        // The API group: only when no rule said anything about the object at all.
        if matches.isEmpty, let construct = group(of: resource, steps: [.key("apiVersion")], reportedOn: resource) {
            result.append(construct)
        }
        for embedded in shapes.embedded {
            let prefix = embedded.trail?.path ?? ""
            guard !matches.contains(where: { match in
                match.node.path.hasPrefix(prefix) || match.related.contains { $0.path.hasPrefix(prefix) }
            }) else { continue }
            if let construct = group(of: embedded.resource(in: resource), steps: (embedded.trail?.steps ?? []) + [.key("apiVersion")], reportedOn: resource) {
                result.append(construct)
            }
        }
        // Path strings are built only for a key that has a provider's prefix: nearly every key
        // of nearly every resource has none.
        var trail: [PathTrail.Component] = []
        var possible = unconditional
        /// `shown`: the evidence, the key's value when it has one (the key is in the path).
        func consider(_ text: String, at location: SourceLocation, shown: String) {
            for i in possible.indices { possible[i] = unconditional[i] }
            keyLiterals.scan(text, into: &possible)
            guard let index = possible.indices.first(where: { possible[$0] && keyPatterns[$0].matches(text) }) else { return }
            let prefix = keyPrefixes[index]
            let path = PathTrail.path(of: trail)
            if matches.contains(where: { match in
                match.node.path == path || match.node.location.line == location.line
                    || match.related.contains { $0.path == path || $0.location.line == location.line }
            }) { return }
            result.append(UnassessedConstruct(resource: resource,
                node: NodeMatch(steps: trail, location: location, evidence: Redaction.evidence(shown, path: path, resource: resource)),
                platform: prefix.platform, domain: prefix.domain))
        }
        func walk(_ node: ManifestNode, depth: Int) {
            guard depth < ShapeIndex.maxDepth else { return }
            switch node.value {
            case .scalar:
                return
            case .sequence(let items):
                for (i, item) in items.enumerated() where !item.isScalar {
                    trail.append(.index(i))
                    walk(item, depth: depth + 1)
                    trail.removeLast()
                }
            case .mapping(let entries):
                for entry in entries {
                    trail.append(.key(entry.key))
                    consider(entry.key, at: entry.keyLocation, shown: entry.value.scalar.map { $0.isEmpty ? "\"\"" : $0 } ?? entry.value.compactText())
                    if let scalar = entry.value.scalar {
                        // `key: cloud.google.com/gke-nodepool` in a selector term, a toleration or a
                        // node pool requirement names a provider's label as a value.
                        if entry.key == "key" || entry.key == "topologyKey" {
                            consider(scalar, at: entry.value.location, shown: scalar)
                        }
                    } else {
                        walk(entry.value, depth: depth + 1)
                    }
                    trail.removeLast()
                }
            }
        }
        if keysPossible { walk(resource.root, depth: 0) }
        return result
    }

    private func group(of resource: LocatedResource, steps: [PathStep], reportedOn outer: LocatedResource) -> UnassessedConstruct? {
        let group = resource.ref.group
        guard let index = groupPatterns.firstIndex(where: { $0.matches(group) }) else { return nil }
        let prefix = groupPrefixes[index]
        let location = resource.root.entry("apiVersion")?.value.location ?? resource.location
        return UnassessedConstruct(resource: outer, node: NodeMatch(steps: steps, location: location, evidence: resource.ref.apiVersion),
                                   platform: prefix.platform, domain: prefix.domain)
    }
}
