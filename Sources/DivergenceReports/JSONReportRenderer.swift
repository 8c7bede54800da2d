import DivergenceCore
import Foundation

/// The `schemaVersion: 1` JSON of PRODUCT.md; stable field names, sorted keys.
///
/// Findings, resources and workloads are most of the document on a large repository, so they
/// are written by hand (the same keys, order and layout as `JSONEncoder` would produce) and
/// spliced into the encoded rest of the report; a test checks that the bytes are the same.
public struct JSONReportRenderer: ReportRenderer {
    public init() {}

    /// The three long arrays, written by hand; the encoder writes each as an empty array,
    /// which marks where it goes. Keys are sorted, so they come in this order.
    static let spliced = ["findings", "resources", "workloads"]

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
        rest.resources = []
        rest.workloads = []
        let base = Array(try encoder.encode(rest))
        // Where each array's empty form sits in the encoded rest, in order.
        var cuts: [Range<Int>] = []
        var from = 0
        for key in Self.spliced {
            let marker = Array("\"\(key)\" : [\n\n  ]".utf8)
            guard let at = base.withUnsafeBytes({ ByteSearch.firstIndex(of: marker, in: $0, from: from) }) else {
                try write(Array(try encoder.encode(report)) + [0x0A])
                return
            }
            cuts.append(at..<(at + marker.count))
            from = at + marker.count
        }
        var out: [UInt8] = []
        out.reserveCapacity(chunkSize + 16 * 1024)
        func flushIfFull() throws {
            if out.count >= chunkSize {
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        func array<T>(_ key: String, _ items: [T], _ writeItem: (T, inout [UInt8]) -> Void) throws {
            out += "\"\(key)\" : [".utf8
            if items.isEmpty { out += "\n\n  ]".utf8; return }
            out += "\n".utf8
            for (i, item) in items.enumerated() {
                writeItem(item, &out)
                out += (i == items.count - 1 ? "\n" : ",\n").utf8
                try flushIfFull()
            }
            out += "  ]".utf8
        }
        out += base[..<cuts[0].lowerBound]
        try array("findings", report.findings, Self.write)
        out += base[cuts[0].upperBound..<cuts[1].lowerBound]
        try array("resources", report.resources, Self.write)
        out += base[cuts[1].upperBound..<cuts[2].lowerBound]
        try array("workloads", report.workloads, Self.write)
        out += base[cuts[2].upperBound...]
        out.append(0x0A)
        try write(out)
    }

    /// Writes one object at indentation level 2: `fields` in the order given (sorted, as
    /// `JSONEncoder` sorts them).
    static func object(into out: inout [UInt8], _ fields: (_ field: (String, (inout [UInt8]) -> Void) -> Void) -> Void) {
        out += "    {\n".utf8
        var first = true
        fields { key, value in
            if !first { out += ",\n".utf8 }
            first = false
            out += "      \"".utf8
            out += key.utf8
            out += "\" : ".utf8
            value(&out)
        }
        out += "\n    }".utf8
    }

    /// A list of strings at indentation level 3.
    static func strings(_ values: [String], into out: inout [UInt8]) {
        if values.isEmpty { out += "[\n\n      ]".utf8; return }
        out += "[\n".utf8
        for (i, value) in values.enumerated() {
            out += "        ".utf8
            quote(value, into: &out)
            out += (i == values.count - 1 ? "\n" : ",\n").utf8
        }
        out += "      ]".utf8
    }

    static func write(_ r: CheckReport.ResourceSummary, into out: inout [UInt8]) {
        object(into: &out) { field in
            field("apiVersion") { quote(r.apiVersion, into: &$0) }
            field("file") { quote(r.file, into: &$0) }
            field("findings") { $0 += String(r.findings).utf8 }
            field("kind") { quote(r.kind, into: &$0) }
            field("line") { $0 += String(r.line).utf8 }
            field("name") { quote(r.name, into: &$0) }
            if let namespace = r.namespace { field("namespace") { quote(namespace, into: &$0) } }
            field("score") { $0 += String(r.score).utf8 }
        }
    }

    static func write(_ w: CheckReport.WorkloadSummary, into out: inout [UInt8]) {
        object(into: &out) { field in
            field("effort") { $0 += number(w.effort).utf8 }
            field("findings") { $0 += String(w.findings).utf8 }
            field("kind") { quote(w.kind, into: &$0) }
            field("name") { quote(w.name, into: &$0) }
            if let namespace = w.namespace { field("namespace") { quote(namespace, into: &$0) } }
            field("resources") { strings(w.resources, into: &$0) }
            field("score") { $0 += String(w.score).utf8 }
        }
    }

    /// One finding at indentation level 2.
    static func write(_ f: Finding, into out: inout [UInt8]) {
        object(into: &out) { field in
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
            field("references") { strings(f.references, into: &$0) }
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
        }
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
