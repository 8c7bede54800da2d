import DivergenceCore
import Foundation

/// A rule that cannot be used, with where it is defined.
public struct RuleCompileError: Error, Sendable, CustomStringConvertible {
    public var ruleId: String
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file):\(line): rule \(ruleId): \(message)" }
}

/// A compiled rule as matches refer to it: one reference, so a match never copies a rule's
/// strings (a large repository has a hundred thousand matches).
public final class SharedRule: Sendable {
    public let rule: Rule
    /// The rule's position in the engine, a dense key for per-rule tables.
    public let index: Int

    init(rule: Rule, index: Int) { self.rule = rule; self.index = index }
}

/// One rule matching one node of one resource.
public struct RuleMatch: Sendable, Hashable {
    public let shared: SharedRule
    public var resource: LocatedResource
    public var node: NodeMatch
    /// The other nodes of the same construct (see `RuleEngine.mergedByConstruct`).
    public var related: [NodeMatch] = []

    public var rule: Rule { shared.rule }

    public static func == (a: RuleMatch, b: RuleMatch) -> Bool {
        a.shared === b.shared && a.resource == b.resource && a.node == b.node
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(shared.index)
        hasher.combine(resource)
        hasher.combine(node)
    }
}

/// Runs the declarative rules over resources. A resource meets only the rules that its literals
/// open and the ungated rules of its kind.
public struct RuleEngine: Sendable {
    /// A class, so the hot loop hands out one reference instead of copying a rule's strings.
    final class Entry: Sendable {
        let shared: SharedRule
        var rule: Rule { shared.rule }
        let kinds: [KindSelector]
        let groupPatterns: [CompiledPattern?]
        let condition: CompiledCondition
        /// Kinds selected whatever their group: the common case, answered by one lookup.
        let anyGroupKinds: Set<String>
        /// Selects every resource that holds a pod spec (`$workload`).
        let podCarrier: Bool
        /// Literal ids of which one must occur in the resource, or `nil` when no such set exists.
        let gate: [Int32]?

        init(rule: SharedRule, kinds: [KindSelector], groupPatterns: [CompiledPattern?], condition: CompiledCondition, gate: [Int32]?) {
            shared = rule; self.kinds = kinds; self.groupPatterns = groupPatterns; self.condition = condition
            self.gate = gate
            anyGroupKinds = Set(kinds.filter { $0.group == nil }.compactMap(\.kind))
            podCarrier = kinds.contains { $0.podCarrier }
        }
    }

    private let entries: [Entry]
    /// Rules without a literal gate, by the kinds they select (any-kind rules in every list).
    private let ungatedByKind: [String: [Int]]
    private let ungatedAnyKind: [Int]
    /// Rules without a literal gate that select pod carriers: met by every resource with a pod spec.
    private let ungatedPodCarrier: [Int]
    /// For each gate literal, the rules it opens.
    private let openedBy: [[Int]]
    private let literals: LiteralAutomaton
    private let scanner: AutomatonScanner
    /// Give it to the manifest loader (`ManifestLoader.literalScanner`): resources then come
    /// with their literals found during parsing, and matching skips its walk over the tree.
    public var literalScanner: any LiteralScanner { scanner }

    /// Literal ids of `watching` (see `init`): found in the same pass, opening no rule.
    private let watchedLiterals: [Int32]

    /// Compiles every rule; a bad regular expression fails here, before any manifest is read.
    /// `patternsChecked`: every regular expression of `rules` is known to compile (the
    /// catalogue reader compiled each one), so each is compiled when first run instead of all
    /// of them now; otherwise an invalid one is reported here.
    /// `watching`: further literals to look for in the same pass over each resource, for
    /// `watchedLiteralFound(in:)` (the unassessed detector's key prefixes).
    public init(rules: [Rule], patternsChecked: Bool = false, watching: [String] = []) throws {
        var entries: [Entry] = []
        var byKind: [String: [Int]] = [:]
        var anyKind: [Int] = []
        var podCarrier: [Int] = []
        let paths = PathSlots()
        let groupGlobs = rules.flatMap(\.kinds).compactMap { $0.group }.filter { $0.contains("*") }
        let compiled = PatternCache(conditions: rules.map(\.condition), extra: groupGlobs.map { StarGlob.regex($0) }, checked: patternsChecked)
        var literalIds: [String: Int32] = [:]
        for rule in rules {
            let condition: CompiledCondition
            do {
                condition = try CompiledCondition(rule.condition, paths: paths, patterns: compiled)
            } catch {
                throw RuleCompileError(ruleId: rule.id, file: rule.file, line: rule.line, message: "invalid regular expression: \(error)")
            }
            let patterns = try rule.kinds.map { selector -> CompiledPattern? in
                guard let group = selector.group, group.contains("*") else { return nil }
                return try compiled.compiled(StarGlob.regex(group))
            }
            let index = entries.count
            var gate: [Int32]?
            let literalsOf: LiteralGate.Literals = { source in
                (try? compiled.compiled(source)).flatMap { p in p.requiredLiterals.map { ($0, p.caseInsensitive) } }
            }
            if case .anyOf(let required) = LiteralGate.of(rule.condition, literalsOf: literalsOf) {
                gate = required.sorted().map { literal in
                    if let id = literalIds[literal] { return id }
                    let id = Int32(literalIds.count)
                    literalIds[literal] = id
                    return id
                }
            }
            entries.append(Entry(rule: SharedRule(rule: rule, index: index), kinds: rule.kinds, groupPatterns: patterns, condition: condition, gate: gate))

            var indexed = Set<String>()
            for selector in rule.kinds {
                if selector.podCarrier {
                    if podCarrier.last != index { podCarrier.append(index) }
                } else if let kind = selector.kind {
                    if indexed.insert(kind).inserted { byKind[kind, default: []].append(index) }
                } else if !anyKind.contains(index) {
                    anyKind.append(index)
                }
            }
        }
        self.entries = entries
        // A resource meets the rules its literals open plus the ungated rules of its kind, so
        // the engine never walks the hundreds of rules a kind has (150 per resource on average,
        // of which a tenth passed their gate).
        let ungated = { (list: [Int]) in list.filter { entries[$0].gate == nil } }
        ungatedByKind = byKind.mapValues { ungated(Array(Set($0 + anyKind)).sorted()) }
        ungatedAnyKind = ungated(anyKind)
        ungatedPodCarrier = ungated(podCarrier)
        var openedBy = [[Int]](repeating: [], count: literalIds.count)
        for (index, entry) in entries.enumerated() {
            for literal in entry.gate ?? [] { openedBy[Int(literal)].append(index) }
        }
        var watched: [Int32] = []
        for literal in watching {
            if let id = literalIds[literal] { watched.append(id); continue }
            let id = Int32(literalIds.count)
            literalIds[literal] = id
            watched.append(id)
            openedBy.append([])
        }
        watchedLiterals = watched
        self.openedBy = openedBy
        literals = LiteralAutomaton(literals: literalIds.sorted { $0.value < $1.value }.map(\.key))
        scanner = AutomatonScanner(literals)
    }

    /// Whether `resource` holds one of the literals given as `watching`; true when none were given.
    public func watchedLiteralFound(in resource: LocatedResource) -> Bool {
        guard !watchedLiterals.isEmpty else { return true }
        let found = literalsFound(in: resource)
        return watchedLiterals.contains { found[Int($0)] }
    }

    private func literalsFound(in resource: LocatedResource) -> [Bool] {
        if let marks = resource.literalMarks, marks.scannerID == scanner.scannerID { return marks.found }
        var walked = [Bool](repeating: false, count: literals.count)
        literals.scan(resource.root, into: &walked)
        return walked
    }

    /// Rules that reach `**` (every node of a resource) without a literal gate: each would walk
    /// every resource of its kinds. The example verifier refuses them.
    public var ungatedDeepRules: [String] {
        entries.filter { entry in entry.gate == nil && Self.reachesAnyDepth(entry.rule.condition) }.map(\.rule.id)
    }

    static func reachesAnyDepth(_ condition: Condition) -> Bool {
        switch condition {
        case .field(let path, _, _): path.steps.contains(.anyDepth)
        case .all(let children), .any(let children): children.contains(where: reachesAnyDepth)
        case .not(let child): reachesAnyDepth(child)
        }
    }

    /// Every rule match on `resource`, one per revealing node, in rule order: on the resource
    /// and on every resource written inside it (a template), reported on the outer resource with
    /// the full path. `shapes`, when given, is shared with whatever else looks at the resource.
    public func matches(in resource: LocatedResource, shapes: ShapeIndex? = nil) -> [RuleMatch] {
        let shapes = shapes ?? ShapeIndex(resource)
        let found = literalsFound(in: resource)
        var result = matches(in: resource, shapes: shapes, found: found, reportedOn: resource, prefix: [])
        if !shapes.embedded.isEmpty {
            // Templates inside templates are followed too, up to a bound (hostile input).
            var pending = shapes.embedded.map { (embedded: $0, prefix: [PathStep]()) }
            var visited = 0
            while !pending.isEmpty, visited < Self.maxEmbedded {
                let (embedded, outerPrefix) = pending.removeFirst()
                visited += 1
                let view = embedded.resource(in: resource)
                let viewShapes = ShapeIndex(view)
                let prefix = outerPrefix + (embedded.trail?.steps ?? [])
                result += matches(in: view, shapes: viewShapes, found: found, reportedOn: resource, prefix: prefix)
                pending += viewShapes.embedded.map { ($0, prefix) }
            }
            // A `**` rule reaches into templates from the outer resource as well: one match a node.
            var seen = Set<RuleAtNode>()
            result = result.filter { seen.insert(RuleAtNode(rule: $0.shared.index, location: $0.node.location)).inserted }
            result.sort { $0.shared.index < $1.shared.index }
        }
        return Self.mergedByConstruct(Self.withoutShadowedFallbacks(result))
    }

    /// Resources followed inside one document; real templates hold a few dozen at most.
    static let maxEmbedded = 512

    private struct RuleAtNode: Hashable {
        var rule: Int
        var location: SourceLocation
    }

    /// `matches` without the fallback matches that sit on a line another rule already explains
    /// (a broad value family beside the rule that knows the construct), and without a second
    /// fallback on a line one already has.
    static func withoutShadowedFallbacks(_ matches: [RuleMatch]) -> [RuleMatch] {
        guard matches.contains(where: { $0.rule.fallback }) else { return matches }
        var explained = Set(matches.filter { !$0.rule.fallback }.map(\.node.location.line))
        return matches.filter { match in
            guard match.rule.fallback else { return true }
            return explained.insert(match.node.location.line).inserted
        }
    }

    /// One construct, one finding: the matches of one divergence point and one owning platform on
    /// one resource (several keys, list items, or rules of the point) become one match, with the others as related
    /// locations: a gcsfuse volume, its bucket and its pod annotation are one Cloud Storage
    /// mount; the `prometheus.io/*` keys one scrape configuration; a TPU selector and the TPU
    /// request of the same pod one accelerator port. Container images stay apart: each runs its
    /// own image, which an overlay may rewrite alone (containers that run the same image are one
    /// construct). The match kept is the most specific one (deepest path, then first in the
    /// document): the key a user must change.
    static func mergedByConstruct(_ matches: [RuleMatch]) -> [RuleMatch] {
        guard matches.count > 1 else { return matches }
        // Per owning cloud too, when two clouds' constructs of one point meet in one resource: an
        // Event Hubs endpoint and an MSK endpoint are both event streaming, but each is native to
        // a different target, so neither may hide the other. A neutral match (a bare
        // `type: LoadBalancer`) joins the first cloud's construct.
        struct Key: Hashable { var point: String; var owner: String; var image: String? }
        // A container's image is its own construct (an overlay may rewrite it alone); the same
        // image in several containers (an init container and the main one) is one pull and one fix.
        let keys = matches.map { match in
            Key(point: match.rule.point, owner: "",
                image: match.node.steps.last == .key("image") && !containerScope(of: match.node.steps).isEmpty ? match.node.evidence : nil)
        }
        var clouds: [Key: Set<String>] = [:]
        for (match, key) in zip(matches, keys) {
            guard case .platform(let platform) = match.rule.owner else { continue }
            clouds[key, default: []].insert(platform.rawValue)
        }
        var groups: [Key: Int] = [:]
        var members: [[RuleMatch]] = []
        for (match, base) in zip(matches, keys) {
            var key = base
            if let owners = clouds[key], owners.count > 1 {
                if case .platform(let platform) = match.rule.owner { key.owner = platform.rawValue } else { key.owner = owners.min()! }
            }
            if let g = groups[key] {
                members[g].append(match)
            } else {
                groups[key] = members.count
                members.append([match])
            }
        }
        guard members.count < matches.count else { return matches }
        return members.map { group in
            guard group.count > 1 else { return group[0] }
            let primary = group.indices.max { a, b in
                let (x, y) = (group[a].node, group[b].node)
                return (x.steps.count, y.location) < (y.steps.count, x.location)
            }!
            var kept = group[primary]
            for (i, other) in group.enumerated() where i != primary {
                var node = other.node
                node.rule = other.rule.id
                kept.related.append(node)
                kept.related += other.related
            }
            kept.related.sort { $0.location < $1.location }
            return kept
        }
    }

    /// The steps down to the container a node belongs to (`…containers[1]`), or none for a node
    /// outside every container.
    static func containerScope(of steps: [PathStep]) -> ArraySlice<PathStep> {
        var end = 0
        for i in steps.indices.dropLast() {
            if case .key(let k) = steps[i], k == "containers" || k == "initContainers" || k == "ephemeralContainers",
               case .index = steps[i + 1] {
                end = i + 2
            }
        }
        return steps[..<end]
    }

    private func matches(in resource: LocatedResource, shapes: ShapeIndex, found: [Bool], reportedOn outer: LocatedResource,
                         prefix: [PathStep]) -> [RuleMatch] {
        var candidates = ungatedByKind[resource.ref.kind] ?? ungatedAnyKind
        if !ungatedPodCarrier.isEmpty, shapes.carriesPod { candidates += ungatedPodCarrier }
        for literal in found.indices where found[literal] { candidates += openedBy[literal] }
        // Rule order, each rule once: matches come out in the order of the catalogue.
        candidates.sort()
        var result: [RuleMatch] = []
        let cache = ResolutionCache(resource: resource, shapes: shapes)
        let group = resource.ref.group
        var previous = -1
        for index in candidates where index != previous {
            previous = index
            let entry = entries[index]
            guard selects(entry, resource.ref, group: group, shapes: shapes) else { continue }
            guard let nodes = entry.condition.evaluate(on: resource, cache: cache) else { continue }
            if nodes.isEmpty {
                result.append(RuleMatch(shared: entry.shared, resource: outer,
                                        node: NodeMatch(steps: prefix + [.key("kind")], location: resource.kindLocation, evidence: resource.ref.kind)))
            } else {
                // Most conditions reveal one node: nothing to tell apart, nothing to hash.
                var seenNodes = Set<NodeMatch>()
                for node in nodes where nodes.count == 1 || seenNodes.insert(node).inserted {
                    // Secret values are replaced here, while the resource's tree is at hand:
                    // nothing downstream ever holds them.
                    var shown = node
                    shown.evidence = Redaction.evidence(node.evidence, path: node.path, resource: resource)
                    shown = shown.under(prefix)
                    result.append(RuleMatch(shared: entry.shared, resource: outer, node: shown))
                }
            }
        }
        return result
    }

    private func selects(_ entry: Entry, _ ref: ResourceRef, group: String, shapes: ShapeIndex) -> Bool {
        if entry.anyGroupKinds.contains(ref.kind) { return true }
        if entry.podCarrier, shapes.carriesPod { return true }
        for (i, selector) in entry.kinds.enumerated() where !selector.podCarrier {
            if let kind = selector.kind, kind != ref.kind { continue }
            if let selectorGroup = selector.group {
                if let pattern = entry.groupPatterns[i] {
                    if !pattern.matches(group) { continue }
                } else if selectorGroup != group {
                    continue
                }
            }
            return true
        }
        return false
    }
}
