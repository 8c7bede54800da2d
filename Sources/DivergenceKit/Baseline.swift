import DivergenceCore
import DivergenceReports
import Foundation

/// Findings a team has accepted as the starting point: later runs report only what is new, and
/// what has disappeared as fixed. Fingerprints leave out line numbers, so moving or reordering
/// manifests does not make old findings look new.
public struct Baseline: Sendable, Codable {
    public var schemaVersion = 1
    public var tool = "divergence"
    public var findings: [CheckReport.BaselineEntry]

    public init(findings: [Finding]) {
        self.findings = findings.map(CheckReport.BaselineEntry.init).sorted { $0.fingerprint < $1.fingerprint }
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func load(file: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LoadError(description: "\(file): cannot read the baseline file")
        }
        do {
            return try JSONDecoder().decode(Baseline.self, from: data)
        } catch {
            throw LoadError(description: "\(file): not a divergence baseline (\(error))")
        }
    }

    public func write(to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try ReportWriter.write(String(decoding: try encoder.encode(self), as: UTF8.self) + "\n", to: file)
    }

    public var fingerprints: Set<String> { Set(findings.map(\.fingerprint)) }
}
