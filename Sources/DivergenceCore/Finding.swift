/// A construct in a manifest that ties a workload to a cloud, assessed for one target.
public struct Finding: Sendable, Codable, Hashable {
    public var ruleId: String
    public var divergenceId: String
    public var domain: Domain
    public var severity: Severity
    public var confidence: Confidence
    public var score: Double
    public var equivalence: Equivalence
    /// The platform that owns the construct (`neutral` for portable-looking constructs).
    public var owner: String
    /// The platform this finding was assessed for.
    public var target: Platform
    public var file: String
    public var line: Int
    public var column: Int
    public var resource: ResourceRef
    public var path: String
    public var evidence: String
    public var message: String
    public var remediation: String
    public var references: [String]
    /// Estimated engineering hours for this pair (catalogue `effort`).
    public var effort: Double
    /// Title of the divergence point, for people.
    public var title: String
    /// How the source platform behaves (from the point), for reports that show both sides.
    public var sourceBehaviour: String?
    /// The construct to use on the target instead (from the point), often a manifest snippet.
    public var targetEquivalent: String?
    /// Further places of the same construct in the same resource (sibling keys of one mapping,
    /// items of one list, one quantity in requests and limits): one finding, every location.
    public var related: [RelatedLocation]?

    public init(ruleId: String, divergenceId: String, domain: Domain, severity: Severity, confidence: Confidence,
                score: Double, equivalence: Equivalence, owner: String, target: Platform, file: String,
                line: Int, column: Int, resource: ResourceRef, path: String, evidence: String, message: String,
                remediation: String, references: [String], effort: Double, title: String,
                sourceBehaviour: String? = nil, targetEquivalent: String? = nil, related: [RelatedLocation]? = nil) {
        self.ruleId = ruleId; self.divergenceId = divergenceId; self.domain = domain; self.severity = severity
        self.confidence = confidence; self.score = score; self.equivalence = equivalence; self.owner = owner
        self.target = target; self.file = file; self.line = line; self.column = column; self.resource = resource
        self.path = path; self.evidence = evidence; self.message = message; self.remediation = remediation
        self.references = references; self.effort = effort; self.title = title
        self.sourceBehaviour = sourceBehaviour; self.targetEquivalent = targetEquivalent
        self.related = related
    }

    /// The JSON fields. `sourceBehaviour` and `targetEquivalent` stay out: `message` and
    /// `remediation` already carry the target side, and repeating catalogue prose on every
    /// finding would double the size of a large report.
    enum CodingKeys: String, CodingKey {
        case ruleId, divergenceId, domain, severity, confidence, score, equivalence, owner, target, file, line, column
        case resource, path, evidence, message, remediation, references, effort, title, related
    }

    /// A fingerprint that survives line moves: rule, file, resource and path, never the line.
    public var fingerprint: String {
        "\(ruleId)|\(target.rawValue)|\(file)|\(resource.kind)/\(resource.namespace ?? "")/\(resource.name)|\(path)"
    }
}

/// Another place of a finding's construct in the same file.
public struct RelatedLocation: Sendable, Codable, Hashable {
    public var line: Int
    public var column: Int
    public var path: String
    /// The rule that found this place (one construct may be found by several rules of a point).
    public var rule: String?

    public init(line: Int, column: Int, path: String, rule: String? = nil) {
        self.line = line; self.column = column; self.path = path; self.rule = rule
    }
}

/// Overall migration-risk level derived from a score.
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case low, moderate, high, critical

    public static func < (a: RiskLevel, b: RiskLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Thresholds are documented in docs/risk-model.md.
    public init(score: Int) {
        switch score {
        case ..<25: self = .low
        case ..<50: self = .moderate
        case ..<75: self = .high
        default: self = .critical
        }
    }
}

/// A rule match suppressed by an annotation or by configuration, with the reason given.
public struct SuppressedFinding: Sendable, Codable, Hashable {
    public var finding: Finding
    public var reason: String
    public var source: String

    public init(finding: Finding, reason: String, source: String) {
        self.finding = finding; self.reason = reason; self.source = source
    }
}
