import DivergenceCore

/// `topics --format json`.
public struct TopicsView: Sendable, Codable {
    public struct DomainCount: Sendable, Codable {
        public var domain: String
        public var points: Int
        public init(domain: String, points: Int) { self.domain = domain; self.points = points }
    }
    public struct PointRow: Sendable, Codable {
        public var id: String
        public var title: String
        public var domain: String
        public init(id: String, title: String, domain: String) { self.id = id; self.title = title; self.domain = domain }
    }
    public var domains: [DomainCount]
    public var points: [PointRow]
    public init(domains: [DomainCount], points: [PointRow]) { self.domains = domains; self.points = points }
}

/// `search --format json` results.
public struct SearchResultView: Sendable, Codable {
    public var id: String
    public var title: String
    public var domain: String
    public var snippet: String
    public var rank: Double
    public init(id: String, title: String, domain: String, snippet: String, rank: Double) {
        self.id = id; self.title = title; self.domain = domain; self.snippet = snippet; self.rank = rank
    }
}

/// `show --format json`: one point, every platform side by side.
public struct PointView: Sendable, Codable {
    public struct Side: Sendable, Codable { public var behaviour: String; public var constructs: [String]; public var equivalent: String }
    public var id: String
    public var title: String
    public var domain: String
    public var summary: String
    public var impact: String
    public var mitigation: String
    public var platforms: [String: Side]
    public var pairs: [PairAssessment]
    public var sources: [SourceReference]
    public var unverified: [String]
    public var disagreements: [String]
    public var deprecations: [Deprecation]
    public var verified: String

    public init(_ p: DivergencePoint) {
        id = p.id; title = p.title; domain = p.domain.rawValue; summary = p.summary; impact = p.impact
        mitigation = p.mitigation
        platforms = Dictionary(uniqueKeysWithValues: p.platforms.map { ($0.key.rawValue, Side(behaviour: $0.value.behaviour, constructs: $0.value.constructs, equivalent: $0.value.equivalent)) })
        pairs = p.pairs; sources = p.sources; unverified = p.unverified; disagreements = p.disagreements
        deprecations = p.deprecations; verified = p.verified
    }
}

/// One row of `compare`: a point seen from two clouds.
public struct ComparisonRow: Sendable, Codable {
    public var id: String
    public var title: String
    public var domain: String
    public var severity: Severity
    public var equivalence: Equivalence
    public var effort: Double
    public var from: String
    public var to: String
    public var mitigation: String
    public init(id: String, title: String, domain: String, severity: Severity, equivalence: Equivalence, effort: Double,
                from: String, to: String, mitigation: String) {
        self.id = id; self.title = title; self.domain = domain; self.severity = severity; self.equivalence = equivalence
        self.effort = effort; self.from = from; self.to = to; self.mitigation = mitigation
    }
}
