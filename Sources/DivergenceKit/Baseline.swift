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

    /// 32 MB: about 150,000 findings, far past any repository's; a larger file is not a baseline
    /// this tool wrote, and reading it whole would cost memory for nothing.
    public static let maxFileBytes = 32 << 20

    public static func load(file: String) throws -> Baseline {
        var info = stat()
        guard stat(file, &info) == 0 else { throw LoadError(description: "\(file): cannot read the baseline file (no such file, or permission denied)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw LoadError(description: "\(file): the baseline is not a regular file") }
        guard Int(info.st_size) <= maxFileBytes else {
            throw LoadError(description: "\(file): the baseline is larger than \(maxFileBytes >> 20) MB; not read")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LoadError(description: "\(file): cannot read the baseline file")
        }
        // The version first, so a baseline from a newer or older format is named as such rather
        // than used with fields it may not have, or read as something it is not.
        struct Header: Decodable { var schemaVersion: Int?; var tool: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw LoadError(description: "\(file): not a divergence baseline (not a JSON object; write one with `divergence check … --write-baseline FILE`)")
        }
        guard header.tool == "divergence", let version = header.schemaVersion else {
            throw LoadError(description: "\(file): not a divergence baseline (no `tool: divergence` and `schemaVersion`)")
        }
        guard version == 1 else {
            throw LoadError(description: "\(file): baseline schemaVersion \(version), this divergence reads 1; write a new one with --write-baseline")
        }
        do {
            return try JSONDecoder().decode(Baseline.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw LoadError(description: "\(file): not a divergence baseline (missing `\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))`)")
        } catch {
            throw LoadError(description: "\(file): not a divergence baseline (a field has the wrong type)")
        }
    }

    public func write(to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try ReportWriter.write(String(decoding: try encoder.encode(self), as: UTF8.self) + "\n", to: file)
    }

    public var fingerprints: Set<String> { Set(findings.map(\.fingerprint)) }
}
