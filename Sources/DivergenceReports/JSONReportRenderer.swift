import DivergenceCore
import Foundation

/// The `schemaVersion: 1` JSON of PRODUCT.md; stable field names, sorted keys.
///
/// Findings are most of the document on a large repository, so they are written by hand
/// (the same keys, order and layout as `JSONEncoder` would produce) and spliced into the
/// encoded rest of the report; a test checks both paths decode to the same value.
public struct JSONReportRenderer: ReportRenderer {
    public init() {}

    static let marker = "\"findings\" : [\n\n  ]"

    public func render(_ report: CheckReport) throws -> String {
        var all: [UInt8] = []
        try stream(report) { all += $0 }
        return String(decoding: all, as: UTF8.self)
    }

    /// Writes the report in chunks of about a megabyte, so a report of a hundred thousand
    /// findings is never held whole in memory.
    public func stream(_ report: CheckReport, chunkSize: Int = 1 << 20, write: ([UInt8]) throws -> Void) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var rest = report
        rest.findings = []
        let base = String(decoding: try encoder.encode(rest), as: UTF8.self)
        guard !report.findings.isEmpty, let range = base.range(of: Self.marker) else {
            let whole = report.findings.isEmpty ? base : String(decoding: try encoder.encode(report), as: UTF8.self)
            try write(Array((whole + "\n").utf8))
            return
        }
        var out: [UInt8] = []
        out.reserveCapacity(chunkSize + 16 * 1024)
        out += base[..<range.lowerBound].utf8
        out += "\"findings\" : [\n".utf8
        for (i, finding) in report.findings.enumerated() {
            Self.write(finding, into: &out)
            out += (i == report.findings.count - 1 ? "\n" : ",\n").utf8
            if out.count >= chunkSize {
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        out += "  ]".utf8
        out += base[range.upperBound...].utf8
        out.append(0x0A)
        try write(out)
    }

    /// One finding at indentation level 2, keys sorted as `JSONEncoder` sorts them.
    static func write(_ f: Finding, into out: inout [UInt8]) {
        // Keys in sorted order; optional ones only when present.
        out += "    {\n".utf8
        var first = true
        func field(_ key: String, _ write: (inout [UInt8]) -> Void) {
            if !first { out += ",\n".utf8 }
            first = false
            out += "      \"".utf8
            out += key.utf8
            out += "\" : ".utf8
            write(&out)
        }
        field("column") { $0 += String(f.column).utf8 }
        field("confidence") { quote(f.confidence.rawValue, into: &$0) }
        field("divergenceId") { quote(f.divergenceId, into: &$0) }
        field("domain") { quote(f.domain.rawValue, into: &$0) }
        field("effort") { $0 += number(f.effort).utf8 }
        field("equivalence") { quote(f.equivalence.rawValue, into: &$0) }
        field("evidence") { quote(f.evidence, into: &$0) }
        field("file") { quote(f.file, into: &$0) }
        field("line") { $0 += String(f.line).utf8 }
        field("message") { quote(f.message, into: &$0) }
        field("owner") { quote(f.owner, into: &$0) }
        field("path") { quote(f.path, into: &$0) }
        field("references") { out in
            if f.references.isEmpty { out += "[\n\n      ]".utf8; return }
            out += "[\n".utf8
            for (i, r) in f.references.enumerated() {
                out += "        ".utf8
                quote(r, into: &out)
                out += (i == f.references.count - 1 ? "\n" : ",\n").utf8
            }
            out += "      ]".utf8
        }
        field("remediation") { quote(f.remediation, into: &$0) }
        field("resource") { out in
            out += "{\n        \"apiVersion\" : ".utf8
            quote(f.resource.apiVersion, into: &out)
            out += ",\n        \"kind\" : ".utf8
            quote(f.resource.kind, into: &out)
            out += ",\n        \"name\" : ".utf8
            quote(f.resource.name, into: &out)
            if let ns = f.resource.namespace {
                out += ",\n        \"namespace\" : ".utf8
                quote(ns, into: &out)
            }
            out += "\n      }".utf8
        }
        field("ruleId") { quote(f.ruleId, into: &$0) }
        field("score") { $0 += number(f.score).utf8 }
        field("severity") { quote(f.severity.rawValue, into: &$0) }
        field("target") { quote(f.target.rawValue, into: &$0) }
        field("title") { quote(f.title, into: &$0) }
        out += "\n    }".utf8
    }

    /// Integral values without a fraction, as `JSONEncoder` writes them.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; everything
    /// else, UTF-8 included, copied byte for byte. Runs without anything to escape are copied
    /// whole: report texts are long and rarely hold a character that needs it.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            var run = 0
            for (i, byte) in bytes.enumerated() where byte == 0x22 || byte == 0x5C || byte < 0x20 {
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                run = i + 1
                out.append(0x5C)
                switch byte {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(0x6E)
                case 0x0D: out.append(0x72)
                case 0x09: out.append(0x74)
                case 0x08: out.append(0x62)
                case 0x0C: out.append(0x66)
                default:
                    let hex: StaticString = "0123456789abcdef"
                    out.append(0x75); out.append(0x30); out.append(0x30)
                    out.append(hex.utf8Start[Int(byte >> 4)])
                    out.append(hex.utf8Start[Int(byte & 0x0F)])
                }
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
        out.append(0x22)
    }
}
