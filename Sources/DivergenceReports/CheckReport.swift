import DivergenceCore

/// Everything a `check` run found, ready to render. Built once; every format renders the same
/// values, so scores are identical across formats.
public struct CheckReport: Sendable, Codable {
    public struct Tool: Sendable, Codable {
        public var name: String
        public var version: String
        public init(name: String, version: String) { self.name = name; self.version = version }
    }

    public struct CatalogueIdentity: Sendable, Codable {
        public var version: String
        public var sha256: String
        public var points: Int
        public var rules: Int
        public init(version: String, sha256: String, points: Int, rules: Int) {
            self.version = version; self.sha256 = sha256; self.points = points; self.rules = rules
        }
    }

    public struct DomainSummary: Sendable, Codable {
        public var findings: Int
        public var score: Int
        public var effort: Double
        public init(findings: Int, score: Int, effort: Double) { self.findings = findings; self.score = score; self.effort = effort }
    }

    public struct Summary: Sendable, Codable {
        public var score: Int
        public var level: RiskLevel
        public var files: Int
        public var documents: Int
        public var resources: Int
        public var findings: Int
        public var suppressed: Int
        /// Findings left out because the baseline already has them.
        public var baselined: Int = 0
        public var bySeverity: [String: Int]
        public var byDomain: [String: DomainSummary]
        /// Estimated engineering hours, summed over findings; with several targets, the hours
        /// of the target that needs the most (alternatives are never added up).
        public var effort: Double
        /// How many workloads score in each level (`critical`, `high`, `moderate`, `low`); with
        /// several targets, each workload counts at its highest score over the targets.
        public var workloadsByLevel: [String: Int] = [:]
        public init(score: Int, level: RiskLevel, files: Int, documents: Int, resources: Int, findings: Int, suppressed: Int,
                    bySeverity: [String: Int], byDomain: [String: DomainSummary], effort: Double) {
            self.score = score; self.level = level; self.files = files; self.documents = documents; self.resources = resources
            self.findings = findings; self.suppressed = suppressed; self.bySeverity = bySeverity; self.byDomain = byDomain
            self.effort = effort
        }
    }

    /// One target of a multi-target run, ranked by score then effort.
    public struct TargetSummary: Sendable, Codable {
        public var to: Platform
        public var rank: Int
        public var score: Int
        public var level: RiskLevel
        public var findings: Int
        public var effort: Double
        /// How many workloads score in each level for this target.
        public var workloadsByLevel: [String: Int] = [:]
        public init(to: Platform, rank: Int, score: Int, level: RiskLevel, findings: Int, effort: Double) {
            self.to = to; self.rank = rank; self.score = score; self.level = level; self.findings = findings; self.effort = effort
        }
    }

    public struct ResourceSummary: Sendable, Codable {
        public var apiVersion: String
        public var kind: String
        public var namespace: String?
        public var name: String
        public var file: String
        public var line: Int
        public var score: Int
        public var findings: Int
        public init(ref: ResourceRef, file: String, line: Int, score: Int, findings: Int) {
            apiVersion = ref.apiVersion; kind = ref.kind; namespace = ref.namespace; name = ref.name
            self.file = file; self.line = line; self.score = score; self.findings = findings
        }
        public var ref: ResourceRef { ResourceRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name) }
    }

    /// A workload (a pod-bearing resource with its Services, ServiceAccount, claims and
    /// Ingresses) or the cluster-wide resources, with the findings on any of its members.
    public struct WorkloadSummary: Sendable, Codable {
        public var kind: String
        public var namespace: String?
        public var name: String
        public var resources: [String]
        /// The workload's score; with several targets, its highest over them.
        public var score: Int
        public var level: RiskLevel
        /// The score for each target (with one target, the same as `score`).
        public var scoreByTarget: [String: Int] = [:]
        public var findings: Int
        public var effort: Double
        public init(kind: String, namespace: String?, name: String, resources: [String], score: Int, findings: Int, effort: Double) {
            self.kind = kind; self.namespace = namespace; self.name = name; self.resources = resources
            self.score = score; self.level = RiskLevel(score: score); self.findings = findings; self.effort = effort
        }
        public var label: String { kind == "cluster-wide" ? "cluster-wide resources" : "\(kind)/\(namespace.map { "\($0)/" } ?? "")\(name)" }
    }

    public struct Skipped: Sendable, Codable {
        public var file: String
        public var line: Int?
        public var reason: String
        public init(file: String, line: Int?, reason: String) { self.file = file; self.line = line; self.reason = reason }
    }

    public struct InputProblem: Sendable, Codable {
        public var file: String
        public var line: Int?
        public var message: String
        public init(file: String, line: Int?, message: String) { self.file = file; self.line = line; self.message = message }
    }

    public struct Coverage: Sendable, Codable {
        public var skipped: [Skipped]
        public var errors: [InputProblem]
        /// Things the user should know that are not findings (an expired ignore entry, say).
        public var warnings: [String]
        public init(skipped: [Skipped], errors: [InputProblem], warnings: [String] = []) {
            self.skipped = skipped; self.errors = errors; self.warnings = warnings
        }
    }

    /// One accepted finding in a baseline file; also how a fixed finding is reported.
    public struct BaselineEntry: Sendable, Codable, Hashable {
        public var fingerprint: String
        public var ruleId: String
        public var divergenceId: String
        public var target: String
        public var file: String
        public var resource: String
        public var path: String
        public init(_ f: Finding) {
            fingerprint = StableHash.of(f.fingerprint); ruleId = f.ruleId; divergenceId = f.divergenceId
            target = f.target.rawValue; file = f.file; resource = f.resource.description; path = f.path
        }
    }

    public struct Suppressed: Sendable, Codable {
        public var ruleId: String
        public var divergenceId: String
        public var title: String
        public var domain: Domain
        public var severity: Severity
        public var target: Platform
        public var file: String
        public var line: Int
        public var column: Int
        public var resource: ResourceRef
        public var path: String
        public var message: String
        public var fingerprint: String
        public var reason: String
        /// What suppressed it: the annotation, or the configuration file and line.
        public var source: String
        public init(_ s: SuppressedFinding) {
            let f = s.finding
            ruleId = f.ruleId; divergenceId = f.divergenceId; title = f.title; domain = f.domain; severity = f.severity
            target = f.target; file = f.file; line = f.line; column = f.column; resource = f.resource; path = f.path
            message = f.message.split(separator: "\n").first.map(String.init) ?? f.message
            fingerprint = StableHash.of(f.fingerprint)
            reason = s.reason; source = s.source
        }
    }

    public var schemaVersion = 1
    public var tool: Tool
    public var catalogue: CatalogueIdentity
    public var from: Platform?
    public var fromInferred: Bool
    /// Why `from` was inferred as it was (or could not be), for people.
    public var fromReason: String?
    /// Set when the constructs found contradict a given `from` (none is its, most are another
    /// cloud's): the first thing a report says.
    public var fromWarning: String?
    /// The charts and overlays rendered for this run (`helm:CHART`, `kustomize:DIR`); their
    /// findings point at the template, base or patch file that wrote each value.
    public var rendered: [String] = []
    public var to: [Platform]
    public var summary: Summary
    public var targets: [TargetSummary]
    public var findings: [Finding]
    public var suppressed: [Suppressed]
    public var resources: [ResourceSummary]
    public var workloads: [WorkloadSummary]
    public var coverage: Coverage
    /// Findings of the baseline (`--baseline`) that no longer occur.
    public var fixed: [BaselineEntry] = []
    /// Set when findings below a severity were left out of this report (`--min-severity`):
    /// the summary and scores still count them.
    public var hiddenBelow: HiddenFindings?

    public struct HiddenFindings: Sendable, Codable {
        public var severity: Severity
        public var count: Int
        public init(severity: Severity, count: Int) { self.severity = severity; self.count = count }
    }

    /// The report with findings below `severity` left out (and counted in `hiddenBelow`);
    /// the summary, scores and workloads stay those of the whole run.
    public func showing(atLeast severity: Severity) -> CheckReport {
        guard severity > .info else { return self }
        var copy = self
        copy.findings = findings.filter { $0.severity >= severity }
        copy.hiddenBelow = HiddenFindings(severity: severity, count: findings.count - copy.findings.count)
        return copy
    }

    public init(tool: Tool, catalogue: CatalogueIdentity, from: Platform?, fromInferred: Bool, fromReason: String?,
                to: [Platform], summary: Summary, targets: [TargetSummary], findings: [Finding],
                suppressed: [Suppressed], resources: [ResourceSummary], workloads: [WorkloadSummary], coverage: Coverage) {
        self.tool = tool; self.catalogue = catalogue; self.from = from; self.fromInferred = fromInferred
        self.fromReason = fromReason; self.to = to; self.summary = summary; self.targets = targets
        self.findings = findings; self.suppressed = suppressed; self.resources = resources
        self.workloads = workloads; self.coverage = coverage
    }

    /// Findings whose rule is `unassessed`: provider-owned constructs the catalogue does not know.
    public var unassessed: [Finding] { findings.filter { $0.ruleId == "unassessed" } }
}

/// A format a report can be written in.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case text, json, markdown, sarif, html
}

/// Renders a report in one format.
public protocol ReportRenderer: Sendable {
    func render(_ report: CheckReport) throws -> String
}
