import DivergenceCore
import Foundation
import Yams

/// The catalogue as read from its YAML sources: points, rules and provider prefixes, with every
/// problem found while reading them.
public struct CatalogueSource: Sendable {
    public var points: [DivergencePoint] = []
    public var rules: [Rule] = []
    public var prefixes: [ProviderPrefix] = []
    public var issues: [CatalogueIssue] = []
    /// SHA-256 over every source file's path and content.
    public var contentHash: String = ""
    /// The directories read, in order (the built-in one first, then team catalogues).
    public var roots: [String] = []
    /// The directory each point was read from.
    public var pointRoots: [String: String] = [:]
    /// Ids marked `override: true`: they may replace an entry of an earlier directory.
    var overrides: Set<String> = []

    public init() {}

    /// Reads one or more catalogue directories; later directories add to earlier ones.
    public static func read(directories: [String]) -> CatalogueSource {
        var source = CatalogueSource()
        var digest = SHA256Digest()
        digest.update("divergence-catalogue/\(CatalogueStore.schemaVersion)\n")
        for directory in directories {
            var part = CatalogueSource()
            let (entries, truncated) = CatalogueFiles.yamlFiles(under: directory)
            if entries.isEmpty {
                part.issues.append(CatalogueIssue(file: directory, line: 0, message: "no catalogue YAML files found in this directory"))
            }
            if truncated {
                part.issues.append(CatalogueIssue(file: directory, line: 0,
                    message: "more than \(CatalogueFiles.maxEntries) entries or deeper than \(CatalogueFiles.maxDepth) levels: not a catalogue directory; the rest was not read"))
            }
            // Translations (`translations/`) are read by `divergence translate`, not compiled here.
            for entry in entries where !entry.relative.hasPrefix("translations/") {
                let relative = entry.relative
                let full = directory + "/" + relative
                if entry.size > CatalogueFiles.maxFileBytes {
                    part.issues.append(CatalogueIssue(file: full, line: 0, message: "larger than \(CatalogueFiles.maxFileBytes >> 20) MB; not read"))
                    continue
                }
                guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else {
                    part.issues.append(CatalogueIssue(file: full, line: 0, message: "cannot read file as UTF-8 text"))
                    continue
                }
                digest.update(relative + "\0")
                digest.update(data)
                digest.update([0])
                part.read(text: text, file: full, relative: relative)
            }
            source.merge(part, from: directory)
        }
        source.contentHash = digest.finalize()
        return source
    }

    /// Adds a later directory's entries. An id that an earlier directory already defines is an
    /// error unless the later entry says `override: true`, in which case it replaces the earlier one.
    mutating func merge(_ part: CatalogueSource, from directory: String) {
        roots.append(directory)
        issues += part.issues
        prefixes += part.prefixes
        for point in part.points {
            if let index = points.firstIndex(where: { $0.id == point.id }) {
                if part.overrides.contains(point.id) {
                    points[index] = point
                    pointRoots[point.id] = directory
                } else {
                    issues.append(CatalogueIssue(file: directory + "/" + point.file, line: 1,
                        message: "point \(point.id) is already defined in \(pointRoots[point.id] ?? "an earlier catalogue"); add `override: true` to replace it, or choose another id"))
                }
                continue
            }
            points.append(point)
            pointRoots[point.id] = directory
        }
        for rule in part.rules {
            if let index = rules.firstIndex(where: { $0.id == rule.id }) {
                if part.overrides.contains(rule.id) {
                    rules[index] = rule
                } else {
                    issues.append(CatalogueIssue(file: rule.file, line: rule.line,
                        message: "rule \(rule.id) is already defined at \(rules[index].file):\(rules[index].line); add `override: true` to replace it, or choose another id"))
                }
                continue
            }
            rules.append(rule)
        }
    }

    mutating func read(text: String, file: String, relative: String) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            let line: Int
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: line = 0
            }
            issues.append(CatalogueIssue(file: file, line: line, message: "invalid YAML: \(error)"))
            return
        } catch {
            issues.append(CatalogueIssue(file: file, line: 0, message: "invalid YAML: \(error)"))
            return
        }
        guard let node else { return }
        var reader = NodeReader(file: file)
        if relative == "unassessed.yaml" || relative.hasSuffix("/unassessed.yaml") {
            prefixes += reader.prefixes(node)
        } else if relative.hasPrefix("rules/") || node["rules"] != nil {
            rules += reader.rules(node)
            for entry in node["rules"]?.sequence ?? [] where entry["override"]?.string == "true" {
                if let id = entry["id"]?.string { overrides.insert(id) }
            }
        } else if let point = reader.point(node, relative: relative) {
            points.append(point)
            if node["override"]?.string == "true" { overrides.insert(point.id) }
        }
        issues += reader.issues
    }
}

/// Reads catalogue values out of YAML nodes, collecting problems with their lines.
struct NodeReader {
    let file: String
    var issues: [CatalogueIssue] = []

    init(file: String) { self.file = file }

    mutating func issue(_ node: Node?, _ message: String) {
        issues.append(CatalogueIssue(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    mutating func checkKeys(_ node: Node, allowed: Set<String>, context: String) {
        guard let mapping = node.mapping else { return }
        for key in mapping.keys {
            if let k = key.string, !allowed.contains(k) {
                issue(key, "unknown key '\(k)' in \(context) (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    mutating func string(_ node: Node, _ key: String, required: Bool = true, context: String) -> String? {
        guard let value = node[key] else {
            if required { issue(node, "\(context) is missing '\(key)'") }
            return nil
        }
        guard let s = value.string ?? value.scalar?.string else {
            issue(value, "'\(key)' in \(context) must be text")
            return nil
        }
        if required && s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            issue(value, "'\(key)' in \(context) is empty")
        }
        return s
    }

    mutating func strings(_ node: Node, _ key: String, context: String) -> [String] {
        guard let value = node[key] else { return [] }
        if let s = value.scalar?.string { return s.isEmpty ? [] : [s] }
        guard let seq = value.sequence else {
            issue(value, "'\(key)' in \(context) must be a list")
            return []
        }
        return seq.compactMap { $0.scalar?.string }
    }

    // MARK: Points

    static let pointKeys: Set<String> = ["id", "title", "domain", "summary", "tags", "platforms", "impact", "mitigation",
                                         "pairs", "sources", "unverified", "disagreements", "deprecations", "verified", "override"]

    mutating func point(_ node: Node, relative: String) -> DivergencePoint? {
        guard node.mapping != nil else {
            issue(node, "a divergence point file must hold one mapping")
            return nil
        }
        checkKeys(node, allowed: Self.pointKeys, context: "a divergence point")
        let id = string(node, "id", context: "the point") ?? ""
        let context = "point \(id)"
        let domainText = string(node, "domain", context: context) ?? ""
        guard let domain = Domain(rawValue: domainText) else {
            issue(node["domain"] ?? node, "\(context): unknown domain '\(domainText)' (expected one of \(Domain.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        var platforms: [Platform: PlatformBehaviour] = [:]
        if let mapping = node["platforms"]?.mapping {
            for (key, value) in mapping {
                guard let name = key.string, let platform = Platform(rawValue: name) else {
                    issue(key, "\(context): unknown platform '\(key.string ?? "?")' (expected aws, azure, gcp or local)")
                    continue
                }
                checkKeys(value, allowed: ["behaviour", "constructs", "equivalent", "outsideManifests"], context: "\(context) platform \(name)")
                var outside: [OutsideConstruct] = []
                for item in value["outsideManifests"]?.sequence ?? [] {
                    checkKeys(item, allowed: ["construct", "why"], context: "\(context) platform \(name) outsideManifests")
                    let construct = string(item, "construct", context: "\(context) outsideManifests") ?? ""
                    let why = string(item, "why", context: "\(context) outsideManifests \(construct)") ?? ""
                    outside.append(OutsideConstruct(construct: construct, why: why))
                }
                platforms[platform] = PlatformBehaviour(
                    behaviour: string(value, "behaviour", context: "\(context) platform \(name)") ?? "",
                    constructs: strings(value, "constructs", context: "\(context) platform \(name)"),
                    equivalent: string(value, "equivalent", required: false, context: "\(context) platform \(name)") ?? "",
                    outsideManifests: outside)
            }
        } else {
            issue(node, "\(context) is missing 'platforms'")
        }
        var pairs: [PairAssessment] = []
        for pairNode in node["pairs"]?.sequence ?? [] {
            checkKeys(pairNode, allowed: ["from", "to", "severity", "equivalence", "effort", "note"], context: "\(context) pair")
            let from = Platform(rawValue: pairNode["from"]?.string ?? "")
            let to = Platform(rawValue: pairNode["to"]?.string ?? "")
            let severity = Severity(rawValue: pairNode["severity"]?.string ?? "")
            let equivalence = Equivalence(rawValue: pairNode["equivalence"]?.string ?? "")
            let effort = Double(pairNode["effort"]?.string ?? "")
            guard let from, let to, let severity, let equivalence else {
                issue(pairNode, "\(context): a pair needs from/to (aws|azure|gcp|local), severity (info|low|medium|high|critical) and equivalence (direct|behavioural|none)")
                continue
            }
            if effort == nil { issue(pairNode, "\(context): pair \(from.rawValue)→\(to.rawValue) needs a numeric 'effort' (hours)") }
            pairs.append(PairAssessment(from: from, to: to, severity: severity, equivalence: equivalence,
                                        effort: effort ?? 0, note: pairNode["note"]?.string))
        }
        var sources: [SourceReference] = []
        for s in node["sources"]?.sequence ?? [] {
            checkKeys(s, allowed: ["platform", "url", "title", "checked", "revision"], context: "\(context) source")
            guard let url = s["url"]?.string else {
                issue(s, "\(context): a source needs a 'url'")
                continue
            }
            sources.append(SourceReference(platform: s["platform"]?.string ?? "", url: url, title: s["title"]?.string,
                                           checked: s["checked"]?.string, revision: s["revision"]?.string))
        }
        var deprecations: [Deprecation] = []
        for d in node["deprecations"]?.sequence ?? [] {
            checkKeys(d, allowed: ["platform", "what", "date", "url"], context: "\(context) deprecation")
            deprecations.append(Deprecation(platform: d["platform"]?.string ?? "", what: d["what"]?.string ?? "",
                                            date: d["date"]?.string ?? "", url: d["url"]?.string))
        }
        return DivergencePoint(
            id: id, title: string(node, "title", context: context) ?? "", domain: domain,
            summary: string(node, "summary", context: context) ?? "", tags: strings(node, "tags", context: context),
            platforms: platforms, impact: string(node, "impact", context: context) ?? "",
            mitigation: string(node, "mitigation", context: context) ?? "", pairs: pairs, sources: sources,
            unverified: strings(node, "unverified", context: context),
            disagreements: strings(node, "disagreements", context: context), deprecations: deprecations,
            verified: string(node, "verified", context: context) ?? "", file: relative)
    }

    // MARK: Rules

    static let ruleKeys: Set<String> = ["id", "point", "platform", "confidence", "message", "remediation", "match", "examples", "override",
                                        "fallback", "unlessDefined"]

    mutating func rules(_ node: Node) -> [Rule] {
        guard let list = node["rules"]?.sequence else {
            issue(node, "a rule file must have a 'rules:' list")
            return []
        }
        checkKeys(node, allowed: ["rules"], context: "a rule file")
        var result: [Rule] = []
        for item in list { if let r = rule(item) { result.append(r) } }
        return result
    }

    mutating func rule(_ node: Node) -> Rule? {
        checkKeys(node, allowed: Self.ruleKeys, context: "a rule")
        guard let id = string(node, "id", context: "a rule") else { return nil }
        let context = "rule \(id)"
        let point = string(node, "point", context: context) ?? ""
        let ownerText = string(node, "platform", context: context) ?? ""
        guard let owner = ConstructOwner(rawValue: ownerText) else {
            issue(node["platform"] ?? node, "\(context): unknown platform '\(ownerText)' (expected aws, azure, gcp, local or neutral)")
            return nil
        }
        let confidenceText = node["confidence"]?.string ?? "high"
        guard let confidence = Confidence(rawValue: confidenceText) else {
            issue(node["confidence"], "\(context): confidence must be high, medium or low")
            return nil
        }
        guard let match = node["match"] else {
            issue(node, "\(context) is missing 'match'")
            return nil
        }
        checkKeys(match, allowed: ["kinds", "where"], context: "\(context) match")
        let kindTexts = strings(match, "kinds", context: context)
        if kindTexts.isEmpty { issue(match, "\(context): match needs 'kinds' (use '*' for any kind)") }
        guard let whereNode = match["where"] else {
            issue(match, "\(context): match needs a 'where' condition")
            return nil
        }
        guard let condition = condition(whereNode, context: context) else { return nil }
        var examples = RuleExamples()
        if let ex = node["examples"] {
            checkKeys(ex, allowed: ["fire", "pass"], context: "\(context) examples")
            examples.fire = strings(ex, "fire", context: context)
            examples.pass = strings(ex, "pass", context: context)
        }
        var fallback = false
        if let flag = node["fallback"] {
            guard let value = flag.bool else {
                issue(flag, "\(context): fallback must be true or false")
                return nil
            }
            fallback = value
        }
        let unlessDefined = node["unlessDefined"] == nil ? [] : strings(node, "unlessDefined", context: context)
        return Rule(id: id, point: point, owner: owner, confidence: confidence,
                    message: string(node, "message", context: context) ?? "",
                    remediation: string(node, "remediation", required: false, context: context),
                    kinds: kindTexts.flatMap(KindSelector.parse), condition: condition, examples: examples,
                    fallback: fallback, unlessDefined: unlessDefined, file: file, line: node.mark?.line ?? 0)
    }

    static let leafKeys: Set<String> = ["path", "key", "prefix", "keyPattern", "equals", "in", "pattern", "contains", "absent", "scope"]

    mutating func condition(_ node: Node, context: String) -> Condition? {
        guard let mapping = node.mapping, mapping.count == 1, let (keyNode, body) = mapping.first, let kind = keyNode.string else {
            issue(node, "\(context): a condition is a mapping with exactly one of field, annotation, label, all, any, not")
            return nil
        }
        switch kind {
        case "all", "any":
            guard let list = body.sequence, !list.isEmpty else {
                issue(body, "\(context): '\(kind)' needs a non-empty list of conditions")
                return nil
            }
            let children = list.compactMap { condition($0, context: context) }
            guard children.count == list.count else { return nil }
            return kind == "all" ? .all(children) : .any(children)
        case "not":
            return condition(body, context: context).map { .not($0) }
        case "field", "annotation", "label":
            checkKeys(body, allowed: Self.leafKeys, context: "\(context) \(kind)")
            let keyTest: KeyTest? = {
                if let k = body["key"]?.string { return .equals(k) }
                if let p = body["prefix"]?.string { return .prefix(p) }
                if let r = body["keyPattern"]?.string { return .pattern(r) }
                return nil
            }()
            var valueTest: ValueTest?
            var testCount = 0
            if let v = body["equals"]?.scalar?.string { valueTest = .equals(v); testCount += 1 }
            if let vs = body["in"]?.sequence { valueTest = .oneOf(vs.compactMap { $0.scalar?.string }); testCount += 1 }
            if let r = body["pattern"]?.string {
                testCount += 1
                if (try? NSRegularExpression(pattern: r)) == nil {
                    issue(body["pattern"], "\(context): invalid regular expression '\(r)'")
                    return nil
                }
                valueTest = .pattern(r)
            }
            if let c = body["contains"]?.string { valueTest = .contains(c); testCount += 1 }
            if body["absent"]?.string == "true" { valueTest = .absent; testCount += 1 }
            if testCount > 1 { issue(body, "\(context): use at most one value test (equals, in, pattern, contains, absent)") }
            if let r = body["keyPattern"]?.string, (try? NSRegularExpression(pattern: r)) == nil {
                issue(body["keyPattern"], "\(context): invalid regular expression '\(r)'")
                return nil
            }
            if kind == "field" {
                guard let pathText = body["path"]?.string else {
                    issue(body, "\(context): 'field' needs a 'path'")
                    return nil
                }
                do {
                    return .field(path: try FieldPath.parse(pathText), key: keyTest, value: valueTest)
                } catch {
                    issue(body["path"], "\(context): \(error)")
                    return nil
                }
            }
            guard keyTest != nil else {
                issue(body, "\(context): '\(kind)' needs key, prefix or keyPattern")
                return nil
            }
            let scope = body["scope"]?.string ?? "both"
            let section = kind == "annotation" ? "annotations" : "labels"
            var leaves: [Condition] = []
            if scope == "resource" || scope == "both" {
                leaves.append(.field(path: try! FieldPath.parse("metadata.\(section)"), key: keyTest, value: valueTest))
            }
            if scope == "pod" || scope == "both" {
                leaves.append(.field(path: try! FieldPath.parse("$podMeta.\(section)"), key: keyTest, value: valueTest))
            }
            guard !leaves.isEmpty else {
                issue(body["scope"], "\(context): scope must be resource, pod or both")
                return nil
            }
            if leaves.count == 1 { return leaves[0] }
            // Absent means absent everywhere; anything else means present somewhere.
            return valueTest == .absent ? .all(leaves) : .any(leaves)
        default:
            issue(keyNode, "\(context): unknown condition '\(kind)' (expected field, annotation, label, all, any, not)")
            return nil
        }
    }

    // MARK: Prefixes

    mutating func prefixes(_ node: Node) -> [ProviderPrefix] {
        var result: [ProviderPrefix] = []
        for entry in node["prefixes"]?.sequence ?? [] {
            checkKeys(entry, allowed: ["prefix", "platform", "domain", "on"], context: "a provider prefix")
            guard let prefix = entry["prefix"]?.string, let platform = Platform(rawValue: entry["platform"]?.string ?? ""),
                  let domain = Domain(rawValue: entry["domain"]?.string ?? "") else {
                issue(entry, "a provider prefix needs prefix, platform (aws|azure|gcp|local) and domain")
                continue
            }
            let on = entry["on"]?.string ?? "key"
            guard on == "key" || on == "group" else {
                issue(entry["on"], "'on' must be key or group")
                continue
            }
            result.append(ProviderPrefix(prefix: prefix, platform: platform, domain: domain, on: on))
        }
        return result
    }
}
