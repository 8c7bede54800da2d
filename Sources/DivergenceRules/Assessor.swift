import DivergenceCore
import Foundation

/// The findings of one target, with what was suppressed.
public struct TargetAssessment: Sendable {
    public var target: Platform
    public var findings: [Finding]
    public var suppressed: [SuppressedFinding]

    public init(target: Platform, findings: [Finding], suppressed: [SuppressedFinding]) {
        self.target = target; self.findings = findings; self.suppressed = suppressed
    }
}

/// Turns rule matches into findings for one from→target pair, using the catalogue's severity,
/// equivalence and effort for that pair, and applies `divergence.dev/ignore` annotations.
public struct Assessor: Sendable {
    public static let ignoreAnnotation = "divergence.dev/ignore"
    public static let ignoreReasonAnnotation = "divergence.dev/ignore-reason"
    /// Rule id given to provider-owned constructs that no rule knows.
    public static let unassessedRuleId = "unassessed"

    public let points: [String: DivergencePoint]
    /// The source platform, or `nil` when it is unknown (portable constructs then take the
    /// most severe pair into the target).
    public let from: Platform?

    /// Templates made so far, shared by every copy of this assessor: file parts assessed on
    /// different threads then share one message string per rule and target.
    private let store = TemplateStore()

    public init(points: [String: DivergencePoint], from: Platform?) {
        self.points = points
        self.from = from
    }

    public func assess(matches: [RuleMatch], unassessed: [UnassessedConstruct], target: Platform) -> TargetAssessment {
        var findings: [Finding] = []
        var suppressed: [SuppressedFinding] = []
        // Per rule, by the engine's index: absent not looked up yet, `nil` no finding for this
        // target. A dictionary: a file's matches name a few rules of hundreds.
        var templates: [Int: Template?] = [:]
        for match in matches {
            let index = match.shared.index
            let known: Template?
            if let found = templates[index] {
                known = found
            } else {
                known = store.template(rule: index, target: target) { template(for: match.rule, target: target) }
                templates[index] = .some(known)
            }
            guard let template = known else { continue }
            route(finding(for: match, target: target, template: template), resource: match.resource, findings: &findings, suppressed: &suppressed)
        }
        for construct in unassessed where construct.platform != target {
            // What the provider owns: the key (its value is the evidence), or a provider key
            // written as the value of a selector's `key:`, or an API group.
            let name: String = {
                if case .key(let key) = construct.node.steps.last, key != "key", key != "topologyKey", key != "apiVersion" { return key }
                return construct.node.evidence
            }()
            let finding = Finding(
                ruleId: Self.unassessedRuleId, divergenceId: "unassessed.\(construct.platform.rawValue)",
                domain: construct.domain, severity: .low, confidence: .low,
                score: RiskModel.score(severity: .low, confidence: .low, equivalence: .none),
                equivalence: .none, owner: construct.platform.rawValue, target: target,
                file: construct.resource.reportedLocation(line: construct.node.location.line).file,
                line: construct.resource.reportedLocation(line: construct.node.location.line).line,
                column: construct.node.location.column,
                resource: construct.resource.ref, path: construct.node.path,
                evidence: construct.node.evidence,
                message: "`\(name)` belongs to \(construct.platform.product), but the catalogue has no rule for it yet: its behaviour on \(target.product) is unassessed.",
                remediation: "Look up what `\(name)` does in the \(construct.platform.product) documentation and find the \(target.product) equivalent by hand; consider contributing a rule.",
                references: [], effort: 1, title: "Unassessed \(construct.platform.product) construct")
            route(finding, resource: construct.resource, findings: &findings, suppressed: &suppressed)
        }
        findings = Self.sortedInOrder(findings)
        suppressed = Self.sortedInOrder(suppressed)
        return TargetAssessment(target: target, findings: findings, suppressed: suppressed)
    }

    /// Output order: file, line, column, rule, target.
    public static func order(_ a: Finding, _ b: Finding) -> Bool {
        (a.file, a.line, a.column, a.ruleId, a.target.rawValue) < (b.file, b.line, b.column, b.ruleId, b.target.rawValue)
    }

    /// `findings` in output order (`order`). Files and rule ids are ranked once, so the sort
    /// compares integers and moves indices instead of comparing paths and moving findings.
    public static func sortedInOrder(_ findings: [Finding]) -> [Finding] {
        sortedInOrder(findings) { findings[$0] }
    }

    /// Findings assessed file by file, back in output order. Each file's findings are a run
    /// already in order, so sorting the runs by file is enough (a large report has a hundred
    /// thousand findings and a few thousand files); anything else is sorted in full.
    public static func mergedInOrder(_ findings: [Finding]) -> [Finding] {
        guard !findings.isEmpty else { return findings }
        var runs: [Range<Int>] = []
        var start = 0
        for i in 1...findings.count where i == findings.count || findings[i].file != findings[start].file {
            runs.append(start..<i)
            start = i
        }
        let inOrder = Set(runs.lazy.map { findings[$0.lowerBound].file }).count == runs.count
            && runs.allSatisfy { run in run.dropFirst().allSatisfy { !order(findings[$0], findings[$0 - 1]) } }
        guard inOrder else { return sortedInOrder(findings) }
        if runs.indices.dropFirst().allSatisfy({ findings[runs[$0 - 1].lowerBound].file < findings[runs[$0].lowerBound].file }) {
            return findings  // already in order: no copy
        }
        var merged: [Finding] = []
        merged.reserveCapacity(findings.count)
        for run in runs.sorted(by: { findings[$0.lowerBound].file < findings[$1.lowerBound].file }) {
            merged += findings[run]
        }
        return merged
    }

    /// Suppressed findings in the output order of their findings.
    public static func sortedInOrder(_ suppressed: [SuppressedFinding]) -> [SuppressedFinding] {
        sortedInOrder(suppressed.map(\.finding)) { suppressed[$0] }
    }

    /// The elements that `findings` describe, index for index, in the findings' output order.
    static func sortedInOrder<T>(_ findings: [Finding], _ element: (Int) -> T) -> [T] {
        // Often already in order (one file's matches, one rule per line): no ranks to build.
        if findings.indices.dropFirst().allSatisfy({ !Self.order(findings[$0], findings[$0 - 1]) }) {
            return findings.indices.map(element)
        }
        func ranks(_ values: some Sequence<String>) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: Set(values).sorted().enumerated().map { ($1, $0) })
        }
        let files = ranks(findings.lazy.map(\.file))
        let rules = ranks(findings.lazy.map(\.ruleId))
        let targets = ranks(Platform.allCases.map(\.rawValue))
        let keys = findings.map { f in
            (files[f.file]!, f.line, f.column, rules[f.ruleId]!, targets[f.target.rawValue]!)
        }
        // A stable sort, as `sort(by:)` is: equal findings keep their order.
        let order = keys.indices.sorted { (keys[$0].0, keys[$0].1, keys[$0].2, keys[$0].3, keys[$0].4, $0) < (keys[$1].0, keys[$1].1, keys[$1].2, keys[$1].3, keys[$1].4, $1) }
        return order.map(element)
    }

    private func route(_ finding: Finding, resource: LocatedResource, findings: inout [Finding], suppressed: inout [SuppressedFinding]) {
        if let reason = Self.suppression(of: finding, in: resource) {
            suppressed.append(SuppressedFinding(finding: finding, reason: reason, source: "annotation \(Self.ignoreAnnotation)"))
        } else {
            findings.append(finding)
        }
    }

    /// The reason `finding` is suppressed by its resource's annotations, if it is.
    static func suppression(of finding: Finding, in resource: LocatedResource) -> String? {
        guard let annotations = resource.root["metadata"]?["annotations"],
              let ids = annotations[ignoreAnnotation]?.scalar else { return nil }
        let listed = ids.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let reason = annotations[ignoreReasonAnnotation]?.scalar.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        if listed.contains(finding.ruleId) || listed.contains(finding.divergenceId) { return reason ?? "(no reason given)" }
        // `*` hides every finding of the resource, critical ones included: only with a reason
        // (`unreasonedWildcard` names the resources where it was refused).
        if listed.contains("*"), let reason { return "\(reason) (ignore: *)" }
        return nil
    }

    /// Whether `resource` asks to ignore everything (`divergence.dev/ignore: "*"`) without
    /// saying why: such a wildcard suppresses nothing, and the report warns about it.
    public static func unreasonedWildcard(in resource: LocatedResource) -> Bool {
        guard let annotations = resource.root["metadata"]?["annotations"],
              let ids = annotations[ignoreAnnotation]?.scalar,
              ids.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "*" }) else { return false }
        return annotations[ignoreReasonAnnotation]?.scalar.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? true
    }

    /// Everything a rule's findings share for one target; computed once per rule, not per
    /// match (texts are long, and a large repository has thousands of matches).
    struct Template {
        var point: DivergencePoint
        var pair: PairAssessment
        var message: String
        var remediation: String
        var references: [String]
        var sourceBehaviour: String?
        var targetEquivalent: String?
    }

    func template(for rule: Rule, target: Platform) -> Template? {
        guard let point = points[rule.point] else { return nil }
        let pair: PairAssessment?
        switch rule.owner {
        case .platform(let owner):
            // A construct native to the target is not a divergence for this move.
            if owner == target { return nil }
            pair = point.pair(from: owner, to: target) ?? point.worstPair(to: target)
        case .neutral:
            if let from, from != target {
                pair = point.pair(from: from, to: target) ?? point.worstPair(to: target)
            } else {
                pair = point.worstPair(to: target)
            }
        }
        guard let pair else { return nil }
        let targetSide = point.platforms[target]
        let sourcePlatform: Platform? = { if case .platform(let p) = rule.owner { return p } else { return from } }()
        var remediation = rule.remediation ?? point.mitigation
        if let note = pair.note, !note.isEmpty { remediation = Prose.sentence(note) + " " + remediation }
        if let equivalent = targetSide?.equivalent, !equivalent.isEmpty {
            remediation += "\nOn \(target.product): \(equivalent)"
        }
        var message = rule.message.trimmingCharacters(in: .whitespacesAndNewlines)
        if let behaviour = targetSide?.behaviour, !behaviour.isEmpty {
            message += "\nOn \(target.product): \(behaviour.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
        let references = point.sources.filter { $0.platform == rule.owner.rawValue || $0.platform == target.rawValue }.map(\.url)
        return Template(point: point, pair: pair, message: message, remediation: remediation,
                        references: references.isEmpty ? point.sources.map(\.url) : references,
                        sourceBehaviour: sourcePlatform.flatMap { point.platforms[$0]?.behaviour },
                        targetEquivalent: targetSide?.equivalent.isEmpty == false ? targetSide?.equivalent : nil)
    }

    func finding(for match: RuleMatch, target: Platform, template t: Template) -> Finding {
        // Fields are read through the shared reference: copying the whole rule out would
        // retain every one of its strings for each match.
        let shared = match.shared
        let shown = match.resource.reportedLocation(line: match.node.location.line)
        return Finding(
            ruleId: shared.rule.id, divergenceId: t.point.id, domain: t.point.domain, severity: t.pair.severity,
            confidence: shared.rule.confidence,
            score: RiskModel.score(severity: t.pair.severity, confidence: shared.rule.confidence, equivalence: t.pair.equivalence),
            equivalence: t.pair.equivalence, owner: shared.rule.owner.rawValue, target: target,
            file: shown.file, line: shown.line, column: match.node.location.column,
            resource: match.resource.ref, path: match.node.path,
            evidence: match.node.evidence,
            message: t.message, remediation: t.remediation, references: t.references,
            effort: t.pair.effort, title: t.point.title,
            sourceBehaviour: t.sourceBehaviour, targetEquivalent: t.targetEquivalent,
            related: match.related.isEmpty ? nil : match.related.map { node in
                RelatedLocation(line: match.resource.reportedLocation(line: node.location.line).line,
                                column: node.location.column, path: node.path, rule: node.rule)
            })
    }
}

/// Per-rule, per-target templates across threads (see `Assessor.store`).
final class TemplateStore: @unchecked Sendable {
    // Guarded by `lock`; a template is made once and never changes.
    private let lock = NSLock()
    private var made: [Platform: [Int: Assessor.Template?]] = [:]

    func template(rule: Int, target: Platform, make: () -> Assessor.Template?) -> Assessor.Template? {
        lock.lock()
        defer { lock.unlock() }
        if let known = made[target]?[rule] { return known }
        let template = make()
        made[target, default: [:]][rule] = .some(template)
        return template
    }
}
