import DivergenceCore
import Foundation

/// SARIF 2.1.0 for code-scanning tools: one result per finding, the rules in `tool.driver.rules`.
public struct SARIFReportRenderer: ReportRenderer {
    public init() {}

    struct Log: Encodable {
        var version = "2.1.0"
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case version, schema = "$schema", runs }
    }
    struct Run: Encodable { var tool: Tool; var results: [Result]; var properties: [String: String] }
    struct Suppression: Encodable { var kind: String; var status: String; var justification: String }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var version: String
        var rules: [ReportingDescriptor]
    }
    struct Message: Encodable { var text: String }
    struct ReportingDescriptor: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var help: Message
        var helpUri: String?
        var defaultConfiguration: Configuration
        var properties: [String: String]
    }
    struct Configuration: Encodable { var level: String }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        /// The other places of the same construct (`Finding.related`).
        var relatedLocations: [RelatedLocation]?
        var partialFingerprints: [String: String]
        var properties: Properties
        var suppressions: [Suppression]?
    }
    struct Properties: Encodable {
        var divergenceId: String; var severity: String; var score: Double; var target: String
        var equivalence: String; var resource: String; var evidence: String
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct RelatedLocation: Encodable { var id: Int; var physicalLocation: PhysicalLocation; var message: Message }
    struct PhysicalLocation: Encodable { var artifactLocation: ArtifactLocation; var region: Region }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable { var startLine: Int; var startColumn: Int }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    public func render(_ report: CheckReport) throws -> String {
        var ruleIndex: [String: Int] = [:]
        var rules: [ReportingDescriptor] = []
        for f in report.findings where ruleIndex[f.ruleId] == nil {
            ruleIndex[f.ruleId] = rules.count
            rules.append(ReportingDescriptor(
                id: f.ruleId, name: f.divergenceId, shortDescription: Message(text: f.title),
                fullDescription: Message(text: f.message.split(separator: "\n").first.map(String.init) ?? f.message),
                help: Message(text: f.remediation), helpUri: f.references.first(where: SafeLink.isSafe),
                defaultConfiguration: Configuration(level: Self.level(f.severity)),
                properties: ["domain": f.domain.rawValue, "platform": f.owner]))
        }
        // Findings share their message and file: each is cut or encoded once, not per finding.
        var firstLines = Memo<String, String>()
        var uris = Memo<String, String>()
        let results = report.findings.map { f in
            let firstLine = firstLines.value(f.message) { f.message.split(separator: "\n").first.map(String.init) ?? f.message }
            let uri = uris.value(f.file) { Self.uri(f.file) }
            return Result(ruleId: f.ruleId, ruleIndex: ruleIndex[f.ruleId]!, level: Self.level(f.severity),
                   message: Message(text: "\(f.resource): \(firstLine) (→ \(f.target.rawValue): \(f.severity.rawValue))"),
                   locations: [Location(physicalLocation: PhysicalLocation(
                       artifactLocation: ArtifactLocation(uri: uri),
                       region: Region(startLine: max(1, f.line), startColumn: max(1, f.column))))],
                   relatedLocations: f.related.map { places in
                       places.enumerated().map { i, place in
                           RelatedLocation(id: i + 1, physicalLocation: PhysicalLocation(
                               artifactLocation: ArtifactLocation(uri: uri),
                               region: Region(startLine: max(1, place.line), startColumn: max(1, place.column))),
                               message: Message(text: place.path))
                       }
                   },
                   partialFingerprints: ["divergence/v1": StableHash.of(f.fingerprint)],
                   properties: Properties(divergenceId: f.divergenceId, severity: f.severity.rawValue, score: f.score,
                                          target: f.target.rawValue, equivalence: f.equivalence.rawValue,
                                          resource: f.resource.description, evidence: f.evidence),
                   suppressions: nil)
        }
        // Suppressed findings stay in the log, marked as accepted with the reason given.
        var allResults = results
        for x in report.suppressed {
            if ruleIndex[x.ruleId] == nil {
                ruleIndex[x.ruleId] = rules.count
                rules.append(ReportingDescriptor(
                    id: x.ruleId, name: x.divergenceId, shortDescription: Message(text: x.title),
                    fullDescription: Message(text: x.message), help: Message(text: x.message), helpUri: nil,
                    defaultConfiguration: Configuration(level: Self.level(x.severity)),
                    properties: ["domain": x.domain.rawValue]))
            }
            allResults.append(Result(
                ruleId: x.ruleId, ruleIndex: ruleIndex[x.ruleId]!, level: Self.level(x.severity),
                message: Message(text: "\(x.resource): \(x.message) (→ \(x.target.rawValue): \(x.severity.rawValue))"),
                locations: [Location(physicalLocation: PhysicalLocation(
                    artifactLocation: ArtifactLocation(uri: Self.uri(x.file)),
                    region: Region(startLine: max(1, x.line), startColumn: max(1, x.column))))],
                relatedLocations: nil,
                partialFingerprints: ["divergence/v1": x.fingerprint],
                properties: Properties(divergenceId: x.divergenceId, severity: x.severity.rawValue, score: 0,
                                       target: x.target.rawValue, equivalence: "", resource: x.resource.description, evidence: ""),
                suppressions: [Suppression(kind: x.source.hasPrefix("annotation") ? "inSource" : "external",
                                           status: "accepted", justification: x.reason)]))
        }
        let log = Log(runs: [Run(
            tool: Tool(driver: Driver(name: "divergence", version: report.tool.version,
                                      rules: rules)),
            results: allResults,
            properties: ["catalogueVersion": report.catalogue.version, "catalogueSha256": report.catalogue.sha256,
                         "from": report.from?.rawValue ?? "unknown", "to": report.to.map(\.rawValue).joined(separator: ",")])])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(log), as: UTF8.self) + "\n"
    }

    /// A relative URI reference for a path as the user gave it.
    static func uri(_ path: String) -> String {
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return trimmed.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? trimmed
    }
}

/// A short stable hash for fingerprints (FNV-1a 64, hex); stable across runs and platforms.
public enum StableHash {
    public static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        return String(format: "%016llx", hash)
    }
}
