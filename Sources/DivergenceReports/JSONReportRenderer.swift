import DivergenceCore
import Foundation

/// The `schemaVersion: 1` JSON of PRODUCT.md; stable field names, sorted keys.
public struct JSONReportRenderer: ReportRenderer {
    public init() {}

    public func render(_ report: CheckReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }
}
