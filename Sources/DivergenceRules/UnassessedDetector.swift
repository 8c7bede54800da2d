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
    }

    /// Provider-owned constructs of `resource` that none of `matches` covers.
    /// `roots`, when given, are the ones the rule engine already found for this resource.
    public func unassessed(in resource: LocatedResource, covered matches: [RuleMatch], roots: PodRoots? = nil) -> [UnassessedConstruct] {
        let roots = roots ?? PodRoots(resource)
        var result: [UnassessedConstruct] = []
        // The API group: only when no rule said anything about the object at all.
        let group = resource.ref.group
        if matches.isEmpty, let index = groupPatterns.firstIndex(where: { $0.matches(group) }) {
            let prefix = groupPrefixes[index]
            let location = resource.root.entry("apiVersion")?.value.location ?? resource.location
            result.append(UnassessedConstruct(resource: resource,
                node: NodeMatch(path: "apiVersion", location: location, evidence: resource.ref.apiVersion),
                platform: prefix.platform, domain: prefix.domain))
        }
        // Path strings are built only for a key that has a provider's prefix: nearly every key
        // of nearly every resource has none.
        var mappings: [(ManifestNode, () -> String)] = []
        if let metadata = resource.root.entry("metadata") {
            for key in ["annotations", "labels"] {
                if let node = metadata.value[key] { mappings.append((node, { "metadata.\(key)" })) }
            }
        }
        if let podMeta = roots.podMeta {
            for key in ["annotations", "labels"] {
                if let node = podMeta.node[key] { mappings.append((node, { "\(podMeta.path).\(key)" })) }
            }
        }
        if let pod = roots.podSpec, let selector = pod.node["nodeSelector"] {
            mappings.append((selector, { "\(pod.path).nodeSelector" }))
        }
        var possible = unconditional
        for (node, base) in mappings {
            for entry in node.entries ?? [] {
                for i in possible.indices { possible[i] = unconditional[i] }
                keyLiterals.scan(entry.key, into: &possible)
                guard let index = possible.indices.first(where: { possible[$0] && keyPatterns[$0].matches(entry.key) }) else { continue }
                let prefix = keyPrefixes[index]
                let path = FieldResolver.append(key: entry.key, to: base())
                if matches.contains(where: { $0.node.path == path || $0.node.location.line == entry.keyLocation.line }) { continue }
                result.append(UnassessedConstruct(resource: resource,
                    node: NodeMatch(path: path, location: entry.keyLocation, evidence: Redaction.evidence(entry.key, path: path, resource: resource)),
                    platform: prefix.platform, domain: prefix.domain))
            }
        }
        return result
    }
}
