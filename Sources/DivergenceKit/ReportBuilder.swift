import DivergenceCore
import DivergenceReports
import DivergenceRules
import Foundation

// The report builder: from what the scan kept (matches or findings per target, resource
// skeletons, workload facts) to the report every renderer reads. Inference of the source,
// assessment, suppressions, ranking of targets and every summary are made here; the scan
// pipeline (CheckRun.swift) never looks at a finding's meaning.
extension CheckRun {
    /// Assesses each target, applies suppressions and the baseline, scores, and builds the report.
    public func report(_ scanned: consuming ScannedManifests, options: CheckOptions) -> CheckReport {
        report(scanned, options: options, grouping: nil)
    }

    /// `grouping`, when given, is the grouping of `scanned.facts` already under way.
    func report(_ scanned: consuming ScannedManifests, options: CheckOptions, grouping: Pending<WorkloadGrouping.Grouped>?) -> CheckReport {
        scanned.countOwners()
        let owners = scanned.owners
        let (from, inferred, reason) = Self.source(given: options.from, owners: owners)
        var assessments: [TargetAssessment] = []
        if let early = scanned.assessed, early.count == options.to.count {
            let inOrder = scanned.assessedInOrder
            // Assessed file by file during the scan: each target's findings into output order.
            assessments = early.map { part in
                TargetAssessment(target: part.target, findings: inOrder ? part.findings : Assessor.mergedInOrder(part.findings),
                                 suppressed: Assessor.sortedInOrder(part.suppressed))
            }
        } else {
            let assessor = Assessor(points: catalogue.points, from: from)
            for target in options.to {
                assessments.append(assessor.assess(matches: scanned.matches, unassessed: scanned.unassessed, target: target))
            }
        }
        Self.removeDefinedNames(from: &assessments, rules: catalogue.rules, resources: scanned.resources)
        if !scanned.imageRewrites.rewrites.isEmpty {
            // The image a kustomization rewrites is judged by what it becomes, on its `images:` entry.
            let rewrites = scanned.imageRewrites
            Self.remove(from: &assessments) { rewrites.rewrites($0) }
        }
        // The findings carry what the rest needs: the matches go before the report is built.
        scanned.matches = []
        scanned.unassessed = []
        // Each assessment is already in output order; several targets are merged by one sort.
        var findings = assessments.count == 1 ? assessments[0].findings : Assessor.sortedInOrder(assessments.flatMap(\.findings))
        var suppressed = assessments.flatMap(\.suppressed)

        let applied = Suppressions(ignore: options.ignore, baseline: options.baseline, today: options.today).apply(to: findings)
        findings = applied.findings
        suppressed += applied.suppressed
        var warnings = applied.warnings
        let direction = Self.directionWarning(given: options.from, owners: owners)
        let baselined = applied.baselined, fixed = applied.fixed
        for resource in scanned.resources where Assessor.unreasonedWildcard(in: resource) {
            warnings.append("\(resource.file):\(resource.location.line): \(resource.ref) has `\(Assessor.ignoreAnnotation): \"*\"` without `\(Assessor.ignoreReasonAnnotation)`; a wildcard ignore suppresses nothing until it says why")
        }

        // Workloads are grouped on another core while the other summaries are made here.
        let grouped = Pending { [facts = scanned.facts, findings, targets = options.to] in
            Self.workloads(grouping?.value ?? WorkloadGrouping.Grouped(facts: facts), findings: findings, targets: targets)
        }
        // Summaries group finding indices, never copies of findings: a finding is large and a
        // big repository has a hundred thousand of them.
        var ranked = options.to.map { target -> CheckReport.TargetSummary in
            let mine = findings.indices.filter { findings[$0].target == target }
            let score = Self.score(mine, in: findings)
            return CheckReport.TargetSummary(to: target, rank: 0, score: score, level: RiskLevel(score: score),
                                             findings: mine.count, effort: Self.effort(mine, in: findings))
        }
        ranked.sort { ($0.score, $0.effort, $0.to) < ($1.score, $1.effort, $1.to) }
        for i in ranked.indices { ranked[i].rank = i + 1 }

        var severityCounts = [Int](repeating: 0, count: Severity.allCases.count)
        for i in findings.indices { severityCounts[Severity.allCases.firstIndex(of: findings[i].severity)!] += 1 }
        let bySeverity = Dictionary(uniqueKeysWithValues: zip(Severity.allCases.map(\.rawValue), severityCounts))
        var byDomain: [String: CheckReport.DomainSummary] = [:]
        for (domain, group) in Dictionary(grouping: findings.indices, by: { findings[$0].domain }) {
            // Per target, then the worst: targets are alternatives.
            let perTarget = Dictionary(grouping: group, by: { findings[$0].target }).values
            byDomain[domain.rawValue] = .init(findings: group.count, score: perTarget.map { Self.score($0, in: findings) }.max() ?? 0,
                                              effort: perTarget.map { Self.effort($0, in: findings) }.max() ?? 0)
        }
        // Targets are alternatives: the overall figures are the worst target's, never a sum.
        let score = ranked.map(\.score).max() ?? 0
        var summary = CheckReport.Summary(
            score: score, level: RiskLevel(score: score), files: scanned.files, documents: scanned.documents,
            resources: scanned.resources.count, findings: findings.count, suppressed: suppressed.count,
            bySeverity: bySeverity, byDomain: byDomain, effort: ranked.map(\.effort).max() ?? 0)
        summary.baselined = baselined

        var resources: [CheckReport.ResourceSummary] = []
        let byResource = Self.grouped(findings) { ReportedResource(file: $0.file, ref: $0.resource) }
        for resource in scanned.resources {
            let shown = resource.reportedLocation(line: resource.location.line)
            guard let group = byResource[ReportedResource(file: shown.file, ref: resource.ref)] else { continue }
            resources.append(.init(ref: resource.ref, file: shown.file, line: shown.line,
                                   score: Self.score(group, in: findings), findings: group.count))
        }
        let workloads = grouped.value
        summary.workloadsByLevel = Self.levels(workloads.map(\.score))
        for i in ranked.indices {
            ranked[i].workloadsByLevel = Self.levels(workloads.compactMap { $0.scoreByTarget[ranked[i].to.rawValue] })
        }
        let coverage = CheckReport.Coverage(
            skipped: scanned.skipped.map { .init(file: $0.file, line: $0.line, reason: $0.reason) },
            errors: scanned.errors.map { .init(file: $0.file, line: $0.line, message: $0.message) },
            warnings: warnings)
        var report = CheckReport(
            tool: .init(name: "divergence", version: Self.toolVersion),
            catalogue: .init(version: catalogue.info.version, sha256: catalogue.info.sha256,
                             points: catalogue.info.points, rules: catalogue.info.rules),
            from: from, fromInferred: inferred, fromReason: reason, to: options.to, summary: summary,
            targets: ranked, findings: findings, suppressed: suppressed.map(CheckReport.Suppressed.init),
            resources: resources, workloads: workloads, coverage: coverage)
        report.fixed = fixed
        report.fromWarning = direction
        report.rendered = options.renders.map(\.label)
        return report
    }

    /// Leaves out the findings of rules whose `unlessDefined` kinds the scanned set defines under
    /// the matched name: `storageClassName: ebs-sc` next to a StorageClass `ebs-sc` in the same
    /// files names that class, not the cloud's built-in one.
    static func removeDefinedNames(from assessments: inout [TargetAssessment], rules: [Rule], resources: [LocatedResource]) {
        var kindsOf: [String: [String]] = [:]
        for rule in rules where !rule.unlessDefined.isEmpty { kindsOf[rule.id] = rule.unlessDefined }
        guard !kindsOf.isEmpty else { return }
        let kinds = Set(kindsOf.values.joined())
        var defined = Set<String>()
        for resource in resources where kinds.contains(resource.ref.kind) { defined.insert(resource.ref.kind + "/" + resource.ref.name) }
        guard !defined.isEmpty else { return }
        remove(from: &assessments) { finding in
            guard let kinds = kindsOf[finding.ruleId] else { return false }
            return kinds.contains { defined.contains($0 + "/" + finding.evidence) }
        }
    }

    /// Removes the findings (and suppressed findings) that `moot` says are not bindings, in place:
    /// a hundred thousand findings are not copied to drop a few, and most runs drop none.
    static func remove(from assessments: inout [TargetAssessment], where moot: (Finding) -> Bool) {
        for i in assessments.indices {
            if assessments[i].findings.contains(where: moot) { assessments[i].findings.removeAll(where: moot) }
            if assessments[i].suppressed.contains(where: { moot($0.finding) }) { assessments[i].suppressed.removeAll { moot($0.finding) } }
        }
    }

    /// Workload summaries with findings, most at risk first; cluster-wide resources last. Each
    /// is scored per target; its score is the highest of them.
    static func workloads(_ grouped: WorkloadGrouping.Grouped, findings: [Finding], targets: [Platform]) -> [CheckReport.WorkloadSummary] {
        // Findings by object number: one lookup per resource's run of findings.
        var byID = [[Int]](repeating: [], count: grouped.refs.count)
        forEachRun(of: findings) { run in
            if let id = grouped.idOf[findings[run.lowerBound].resource] { byID[id] += run }
        }
        func summary(kind: String, namespace: String?, name: String, resources: [String], group: [Int]) -> CheckReport.WorkloadSummary {
            var byTarget: [String: Int] = [:]
            var efforts: [Double] = []
            for target in targets {
                let mine = group.filter { findings[$0].target == target }
                guard !mine.isEmpty else { continue }
                byTarget[target.rawValue] = score(mine, in: findings)
                efforts.append(effort(mine, in: findings))
            }
            var workload = CheckReport.WorkloadSummary(kind: kind, namespace: namespace, name: name, resources: resources,
                                                       score: byTarget.values.max() ?? 0, findings: group.count,
                                                       effort: efforts.max() ?? 0)
            workload.scoreByTarget = byTarget
            return workload
        }
        var result: [CheckReport.WorkloadSummary] = []
        for (workload, members) in zip(grouped.workloads, grouped.memberIDs) {
            let group = members.flatMap { byID[$0] }
            guard !group.isEmpty else { continue }
            result.append(summary(kind: workload.owner.kind, namespace: workload.owner.namespace, name: workload.owner.name,
                                  resources: workload.members.map(\.description), group: group))
        }
        result.sort { ($0.score, $1.name) > ($1.score, $0.name) }
        let shared = grouped.clusterWide.flatMap { byID[$0] }
        if !shared.isEmpty {
            result.append(summary(kind: "cluster-wide", namespace: nil, name: "cluster-wide",
                                  resources: grouped.clusterWide.filter { !byID[$0].isEmpty }.map { grouped.refs[$0].description },
                                  group: shared))
        }
        return result
    }

    /// How many of `scores` fall in each level, every level present (zero included).
    static func levels(_ scores: [Int]) -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: RiskLevel.allCases.map { ($0.rawValue, 0) })
        for score in scores { counts[RiskLevel(score: score).rawValue, default: 0] += 1 }
        return counts
    }

    static func effort(_ findings: [Finding]) -> Double {
        effort(findings.indices, in: findings)
    }

    /// Hours of the findings at `indices`, to a tenth.
    static func effort(_ indices: some Sequence<Int>, in findings: [Finding]) -> Double {
        (indices.reduce(0) { $0 + findings[$1].effort } * 10).rounded() / 10
    }

    /// The aggregate risk score of the findings at `indices`, under their worst severity's ceiling.
    static func score(_ indices: [Int], in findings: [Finding]) -> Int {
        var scores: [Double] = []
        scores.reserveCapacity(indices.count)
        var worst = Severity.info
        for i in indices {
            scores.append(findings[i].score)
            worst = max(worst, findings[i].severity)
        }
        return RiskModel.aggregate(scores, worst: worst)
    }

    /// A resource as findings name it: the file it is reported in, and its identity.
    struct ReportedResource: Hashable {
        var file: String
        var ref: ResourceRef

        // The identity alone tells nearly every resource apart; hashing the path as well
        // only cost time (equality still compares both).
        func hash(into hasher: inout Hasher) { hasher.combine(ref) }
    }

    /// Indices of `findings` grouped by `key`, in increasing order within each group.
    static func grouped<Key: Hashable>(_ findings: [Finding], by key: (Finding) -> Key) -> [Key: [Int]] {
        var groups: [Key: [Int]] = [:]
        forEachRun(of: findings) { run in groups[key(findings[run.lowerBound]), default: []] += run }
        return groups
    }

    /// Calls `body` with each run of consecutive findings of the same resource in the same
    /// file. One resource's findings sit next to each other in output order, so whatever is
    /// keyed by resource is looked up once per run rather than once per finding.
    static func forEachRun(of findings: [Finding], _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < findings.count {
            var end = start + 1
            while end < findings.count, findings[end].resource == findings[start].resource, findings[end].file == findings[start].file {
                end += 1
            }
            body(start..<end)
            start = end
        }
    }

    /// The source platform: as given, or the platform that owns most of the constructs found.
    static func source(given: Platform?, owners counts: [Platform: Int]) -> (Platform?, Bool, String?) {
        if let given { return (given, false, nil) }
        guard let best = counts.filter({ $0.value > 0 }).max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            return (nil, true, "--from not given and no cloud-specific construct found: source unknown, portable constructs are assessed at their worst for each target")
        }
        return (best.key, true, "--from inferred as \(best.key.rawValue) from the constructs found (\(describe(counts)))")
    }

    static func describe(_ counts: [Platform: Int]) -> String {
        counts.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }

    /// A warning when the constructs found contradict a given `--from`: none belongs to it and
    /// most belong to one other cloud (whose constructs, as the "source", would be read as
    /// native to a target and hidden).
    static func directionWarning(given: Platform?, owners counts: [Platform: Int]) -> String? {
        guard let given, counts[given, default: 0] == 0 else { return nil }
        let clouds = counts.filter { $0.key != .local && $0.value > 0 }
        let total = clouds.values.reduce(0, +)
        guard total >= 3, let top = clouds.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), top.value * 2 > total else { return nil }
        return "--from \(given.rawValue), but none of the \(total) cloud-specific constructs found belongs to \(given.rawValue) (\(describe(clouds))): did you mean --from \(top.key.rawValue)? Constructs native to a target are not reported."
    }
}
