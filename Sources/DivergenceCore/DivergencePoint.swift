/// One behavioural difference between clouds, as the catalogue describes it.
public struct DivergencePoint: Sendable, Codable, Hashable {
    public var id: String
    public var title: String
    public var domain: Domain
    public var summary: String
    public var tags: [String]
    public var platforms: [Platform: PlatformBehaviour]
    public var impact: String
    public var mitigation: String
    public var pairs: [PairAssessment]
    public var sources: [SourceReference]
    public var unverified: [String]
    public var disagreements: [String]
    public var deprecations: [Deprecation]
    public var verified: String
    /// The catalogue file the point was read from, relative to the catalogue root.
    public var file: String

    public init(id: String, title: String, domain: Domain, summary: String, tags: [String] = [],
                platforms: [Platform: PlatformBehaviour], impact: String, mitigation: String,
                pairs: [PairAssessment], sources: [SourceReference], unverified: [String] = [],
                disagreements: [String] = [], deprecations: [Deprecation] = [], verified: String, file: String) {
        self.id = id; self.title = title; self.domain = domain; self.summary = summary; self.tags = tags
        self.platforms = platforms; self.impact = impact; self.mitigation = mitigation; self.pairs = pairs
        self.sources = sources; self.unverified = unverified; self.disagreements = disagreements
        self.deprecations = deprecations; self.verified = verified; self.file = file
    }

    /// The assessment for moving from `from` to `to`, if the point states one.
    public func pair(from: Platform, to: Platform) -> PairAssessment? {
        pairs.first { $0.from == from && $0.to == to }
    }

    /// The most severe assessment of any pair that ends on `to`; used when the source is unknown
    /// or the catalogue has no entry for the exact pair (conservative by design).
    public func worstPair(to: Platform) -> PairAssessment? {
        pairs.filter { $0.to == to }.max { ($0.severity, $0.equivalence) < ($1.severity, $1.equivalence) }
    }
}

/// How one platform behaves for a divergence point.
public struct PlatformBehaviour: Sendable, Codable, Hashable {
    public var behaviour: String
    /// Constructs written in manifests; each has a rule of the point that fires on it.
    public var constructs: [String]
    public var equivalent: String
    /// Constructs with no manifest form, each with why.
    public var outsideManifests: [OutsideConstruct]

    public init(behaviour: String, constructs: [String] = [], equivalent: String = "", outsideManifests: [OutsideConstruct] = []) {
        self.behaviour = behaviour; self.constructs = constructs; self.equivalent = equivalent
        self.outsideManifests = outsideManifests
    }
}

/// Severity, equivalence and effort of one ordered platform pair.
public struct PairAssessment: Sendable, Codable, Hashable {
    public var from: Platform
    public var to: Platform
    public var severity: Severity
    public var equivalence: Equivalence
    /// Estimated engineering hours per affected resource.
    public var effort: Double
    public var note: String?

    public init(from: Platform, to: Platform, severity: Severity, equivalence: Equivalence, effort: Double, note: String? = nil) {
        self.from = from; self.to = to; self.severity = severity; self.equivalence = equivalence
        self.effort = effort; self.note = note
    }
}

/// An official documentation page behind a fact.
public struct SourceReference: Sendable, Codable, Hashable {
    public var platform: String
    public var url: String
    public var title: String?
    /// The day this page was last read against the point (`YYYY-MM-DD`).
    public var checked: String?
    /// Where the page's text lives in a public repository, and the commit read:
    /// `owner/repo@<commit>:<path>`, so a later change can be found mechanically.
    public var revision: String?

    public init(platform: String, url: String, title: String? = nil, checked: String? = nil, revision: String? = nil) {
        self.platform = platform; self.url = url; self.title = title; self.checked = checked; self.revision = revision
    }
}

/// A construct a point names that has no form in a manifest (a cloud resource, a console
/// setting, an account limit), with why: the catalogue's rules cannot find it in YAML.
public struct OutsideConstruct: Sendable, Codable, Hashable {
    public var construct: String
    public var why: String

    public init(construct: String, why: String) {
        self.construct = construct; self.why = why
    }
}

/// A construct going away on its own cloud, with the date.
public struct Deprecation: Sendable, Codable, Hashable {
    public var platform: String
    public var what: String
    public var date: String
    public var url: String?

    public init(platform: String, what: String, date: String, url: String? = nil) {
        self.platform = platform; self.what = what; self.date = date; self.url = url
    }
}
