/// A cloud (or local) platform a workload can run on.
public enum Platform: String, Sendable, Codable, CaseIterable, Comparable {
    case aws, azure, gcp, local

    /// The three managed clouds whose every ordered pair a divergence point must assess.
    public static let clouds: [Platform] = [.aws, .azure, .gcp]

    /// The managed Kubernetes offering, for people.
    public var product: String {
        switch self {
        case .aws: "Amazon EKS"
        case .azure: "Azure AKS"
        case .gcp: "Google GKE"
        case .local: "minikube / kind"
        }
    }

    public static func < (lhs: Platform, rhs: Platform) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// A platform by its name or the name of its Kubernetes service, as people type them:
    /// `aws`/`eks`, `azure`/`aks`, `gcp`/`gke`, `local`/`minikube`/`kind` (any case).
    public init?(named name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "aws", "eks": self = .aws
        case "azure", "aks": self = .azure
        case "gcp", "gke": self = .gcp
        case "local", "minikube", "kind": self = .local
        default: return nil
        }
    }

    /// The names `init(named:)` accepts, for error messages.
    public static let acceptedNames = "aws (eks), azure (aks), gcp (gke), local (minikube, kind)"
}

/// Who owns a construct a rule detects: one platform, or nobody (a portable-looking construct
/// whose behaviour still differs per cloud).
public enum ConstructOwner: Sendable, Hashable, Codable {
    case platform(Platform)
    case neutral

    public init?(rawValue: String) {
        if rawValue == "neutral" { self = .neutral } else if let p = Platform(rawValue: rawValue) { self = .platform(p) } else { return nil }
    }

    public var rawValue: String {
        switch self {
        case .platform(let p): p.rawValue
        case .neutral: "neutral"
        }
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let value = ConstructOwner(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown platform '\(raw)' (expected aws, azure, gcp, local or neutral)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// The closed vocabulary of divergence domains.
public enum Domain: String, Sendable, Codable, CaseIterable, Comparable {
    case identity
    case loadBalancing = "load-balancing"
    case ingress, dns, tls, storage, networking, registry, secrets, compute, observability
    case managedServices = "managed-services"

    /// The order a migration team works through the domains (identity first, observability last).
    public static let workOrder: [Domain] = [
        .identity, .networking, .loadBalancing, .ingress, .dns, .tls, .storage,
        .managedServices, .registry, .secrets, .compute, .observability,
    ]

    public static func < (lhs: Domain, rhs: Domain) -> Bool {
        workOrder.firstIndex(of: lhs)! < workOrder.firstIndex(of: rhs)!
    }
}

/// How bad a divergence is for one from→to pair.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info, low, medium, high, critical

    /// Weight in the risk formula (docs/risk-model.md).
    public var weight: Double {
        switch self {
        case .info: 0.05
        case .low: 0.25
        case .medium: 0.5
        case .high: 0.75
        case .critical: 1.0
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What the target offers in place of the source construct.
public enum Equivalence: String, Sendable, Codable, CaseIterable, Comparable {
    /// The same construct, or a one-line rename.
    case direct
    /// An equivalent exists but behaves differently.
    case behavioural
    /// Nothing equivalent: the design must change.
    case none

    public var weight: Double {
        switch self {
        case .direct: 0.6
        case .behavioural: 0.8
        case .none: 1.0
        }
    }

    public static func < (lhs: Equivalence, rhs: Equivalence) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How sure a rule is that a match means the dependency is real.
public enum Confidence: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high

    public var weight: Double {
        switch self {
        case .low: 0.6
        case .medium: 0.8
        case .high: 1.0
        }
    }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A link that reports may make clickable: `https`, a host, and none of the characters that
/// could end an attribute, a Markdown link or a JSON string in a viewer (quotes, angle brackets,
/// backticks, braces, backslashes, whitespace, controls). A catalogue is reviewable text, and a
/// team catalogue may come from a repository nobody reviewed.
public enum SafeLink {
    public static func isSafe(_ url: String) -> Bool {
        guard url.hasPrefix("https://"), url.utf8.count <= 2048 else { return false }
        let forbidden = Set("<>\"'`{}|\\^ ".utf8)
        guard !url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F || forbidden.contains($0) }) else { return false }
        let afterScheme = url.dropFirst("https://".count)
        let host = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty && !host.contains("@")
    }
}
