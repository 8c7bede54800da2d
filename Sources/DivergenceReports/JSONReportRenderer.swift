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
    /// `blockSize` findings are rendered per task and each block is passed to `write` whole
    /// (see `findings(_:blockSize:into:flush:write:)`).
    public func stream(_ report: CheckReport, chunkSize: Int = 1 << 20, blockSize: Int = 1024, write: ([UInt8]) throws -> Void) throws {
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
        var out = JSONBytes()
        out.bytes.reserveCapacity(chunkSize + 16 * 1024)
        /// Writes what `out` holds once it holds at least `minimum` bytes.
        func flush(_ out: inout JSONBytes, atLeast minimum: Int) throws {
            if !out.bytes.isEmpty, out.bytes.count >= minimum {
                try write(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        func array<T>(_ key: StaticString, _ items: [T], _ writeItem: (T, inout JSONBytes) -> Void) throws {
            out.raw("\"")
            out.raw(key)
            out.raw("\" : [")
            if items.isEmpty { out.raw("\n\n  ]"); return }
            out.raw("\n")
            for (i, item) in items.enumerated() {
                writeItem(item, &out)
                out.raw(i == items.count - 1 ? "\n" : ",\n")
                try flush(&out, atLeast: chunkSize)
            }
            out.raw("  ]")
        }
        out.bytes += base[..<cuts[0].lowerBound]
        try findings(report.findings, blockSize: blockSize, into: &out, flush: { try flush(&$0, atLeast: 1) }, write: write)
        out.bytes += base[cuts[0].upperBound..<cuts[1].lowerBound]
        try array("resources", report.resources, Self.write)
        out.bytes += base[cuts[1].upperBound..<cuts[2].lowerBound]
        try array("workloads", report.workloads, Self.write)
        out.bytes += base[cuts[2].upperBound...]
        out.bytes.append(0x0A)
        try write(out.bytes)
    }

    /// The findings array, written in blocks rendered on every core and emitted in order:
    /// on a large report the findings are most of the bytes.
    private func findings(_ items: [Finding], blockSize block: Int, into out: inout JSONBytes, flush: (inout JSONBytes) throws -> Void,
                          write: ([UInt8]) throws -> Void) throws {
        out.raw("\"findings\" : [")
        if items.isEmpty { out.raw("\n\n  ]"); return }
        out.raw("\n")
        let wave = max(1, ProcessInfo.processInfo.activeProcessorCount) * 2
        var start = 0
        while start < items.count {
            let blocks = (0..<wave).map { start + $0 * block }.filter { $0 < items.count }
            let rendered = ConcurrentMap.map(blocks) { from -> [UInt8] in
                var part = JSONBytes()
                // About 2 kB a finding: sized once instead of doubling a megabyte buffer.
                part.bytes.reserveCapacity((min(from + block, items.count) - from) * 2048)
                for i in from..<min(from + block, items.count) {
                    Self.write(items[i], into: &part)
                    part.raw(i == items.count - 1 ? "\n" : ",\n")
                }
                return part.bytes
            }
            // Each block goes out as it is: copying it behind what `out` holds first cost
            // as much as writing it.
            for bytes in rendered {
                try flush(&out)
                try write(bytes)
            }
            start += blocks.count * block
        }
        out.raw("  ]")
    }

    static func write(_ r: CheckReport.ResourceSummary, into out: inout JSONBytes) {
        out.raw("    {\n      \"apiVersion\" : "); out.quote(r.apiVersion)
        out.raw(",\n      \"file\" : "); out.quoteShared(r.file)
        out.raw(",\n      \"findings\" : "); out.int(r.findings)
        out.raw(",\n      \"kind\" : "); out.quote(r.kind)
        out.raw(",\n      \"line\" : "); out.int(r.line)
        out.raw(",\n      \"name\" : "); out.quote(r.name)
        if let namespace = r.namespace { out.raw(",\n      \"namespace\" : "); out.quote(namespace) }
        out.raw(",\n      \"score\" : "); out.int(r.score)
        out.raw("\n    }")
    }

    static func write(_ w: CheckReport.WorkloadSummary, into out: inout JSONBytes) {
        out.raw("    {\n      \"effort\" : "); out.number(w.effort)
        out.raw(",\n      \"findings\" : "); out.int(w.findings)
        out.raw(",\n      \"kind\" : "); out.quote(w.kind)
        out.raw(",\n      \"level\" : "); out.quote(w.level.rawValue)
        out.raw(",\n      \"name\" : "); out.quote(w.name)
        if let namespace = w.namespace { out.raw(",\n      \"namespace\" : "); out.quote(namespace) }
        out.raw(",\n      \"resources\" : "); out.strings(w.resources, shared: false)
        out.raw(",\n      \"score\" : "); out.int(w.score)
        out.raw(",\n      \"scoreByTarget\" : {")
        for (i, target) in w.scoreByTarget.keys.sorted().enumerated() {
            out.raw(i == 0 ? "\n        " : ",\n        "); out.quote(target); out.raw(" : "); out.int(w.scoreByTarget[target]!)
        }
        out.raw(w.scoreByTarget.isEmpty ? "\n\n      }" : "\n      }")
        out.raw("\n    }")
    }

    /// One finding at indentation level 2, keys in the order `JSONEncoder` sorts them. The long
    /// texts (message, remediation, title, references) are the same for every finding of a rule
    /// and target, so they go through the memo of quoted texts.
    static func write(_ f: Finding, into out: inout JSONBytes) {
        out.raw("    {\n      \"column\" : "); out.int(f.column)
        out.raw(",\n      \"confidence\" : "); out.quote(f.confidence.rawValue)
        out.raw(",\n      \"divergenceId\" : "); out.quote(f.divergenceId)
        out.raw(",\n      \"domain\" : "); out.quote(f.domain.rawValue)
        out.raw(",\n      \"effort\" : "); out.number(f.effort)
        out.raw(",\n      \"equivalence\" : "); out.quote(f.equivalence.rawValue)
        out.raw(",\n      \"evidence\" : "); out.quote(f.evidence)
        out.raw(",\n      \"file\" : "); out.quoteShared(f.file)
        out.raw(",\n      \"line\" : "); out.int(f.line)
        out.raw(",\n      \"message\" : "); out.quoteShared(f.message)
        out.raw(",\n      \"owner\" : "); out.quote(f.owner)
        out.raw(",\n      \"path\" : "); out.quote(f.path)
        out.raw(",\n      \"references\" : "); out.strings(f.references, shared: true)
        if let related = f.related {
            out.raw(",\n      \"related\" : [")
            for (i, place) in related.enumerated() {
                out.raw(i == 0 ? "\n        {\n          \"column\" : " : ",\n        {\n          \"column\" : "); out.int(place.column)
                out.raw(",\n          \"line\" : "); out.int(place.line)
                out.raw(",\n          \"path\" : "); out.quote(place.path)
                if let rule = place.rule { out.raw(",\n          \"rule\" : "); out.quote(rule) }
                out.raw("\n        }")
            }
            out.raw(related.isEmpty ? "]" : "\n      ]")
        }
        out.raw(",\n      \"remediation\" : "); out.quoteShared(f.remediation)
        out.raw(",\n      \"resource\" : {\n        \"apiVersion\" : "); out.quote(f.resource.apiVersion)
        out.raw(",\n        \"kind\" : "); out.quote(f.resource.kind)
        out.raw(",\n        \"name\" : "); out.quote(f.resource.name)
        if let ns = f.resource.namespace { out.raw(",\n        \"namespace\" : "); out.quote(ns) }
        out.raw("\n      },\n      \"ruleId\" : "); out.quote(f.ruleId)
        out.raw(",\n      \"score\" : "); out.number(f.score)
        out.raw(",\n      \"severity\" : "); out.quote(f.severity.rawValue)
        out.raw(",\n      \"target\" : "); out.quote(f.target.rawValue)
        out.raw(",\n      \"title\" : "); out.quoteShared(f.title)
        out.raw("\n    }")
    }
}

/// JSON text under construction, laid out as `JSONEncoder` lays it out (pretty-printed, `" : "`).
struct JSONBytes {
    var bytes: [UInt8] = []
    /// Quoted forms of long texts met before, by the address of their storage: the findings of
    /// one rule and target share their message, remediation and title, and quoting those byte
    /// by byte was most of the time spent writing a large report. The text is compared too, so
    /// a reused address can never give the wrong answer.
    private var memo: [Int: (text: String, quoted: [UInt8])] = [:]

    mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func int(_ value: Int) {
        if value >= 0 && value < 10 { bytes.append(0x30 + UInt8(value)); return }
        bytes += String(value).utf8
    }

    /// Integral values without a fraction, as `JSONEncoder` writes them.
    mutating func number(_ value: Double) {
        if value == value.rounded() && abs(value) < 1e15 { int(Int(value)) } else { bytes += String(value).utf8 }
    }

    /// A list of strings at indentation level 3.
    mutating func strings(_ values: [String], shared: Bool) {
        if values.isEmpty { raw("[\n\n      ]"); return }
        raw("[\n")
        for (i, value) in values.enumerated() {
            raw("        ")
            if shared { quoteShared(value) } else { quote(value) }
            raw(i == values.count - 1 ? "\n" : ",\n")
        }
        raw("      ]")
    }

    /// A text that many findings share (see `memo`); short texts are quoted directly.
    mutating func quoteShared(_ s: String) {
        var s = s
        // Texts of up to 15 bytes live inside the String value, with no storage to name them.
        guard s.utf8.count > 15, let address = s.withUTF8({ $0.baseAddress.map { Int(bitPattern: $0) } }) else {
            quote(s)
            return
        }
        if let known = memo[address], known.text == s {
            bytes += known.quoted
            return
        }
        let start = bytes.count
        quote(s)
        memo[address] = (s, Array(bytes[start...]))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; everything
    /// else, UTF-8 included, copied byte for byte. Runs without anything to escape are copied
    /// whole: report texts are long and rarely hold a character that needs it.
    mutating func quote(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { text in
            // Nearly every text has nothing to escape: one pass to see that, one copy.
            if !text.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) {
                bytes.append(contentsOf: text)
                return
            }
            var run = 0
            for (i, byte) in text.enumerated() where byte == 0x22 || byte == 0x5C || byte < 0x20 {
                if run < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<i])) }
                run = i + 1
                bytes.append(0x5C)
                switch byte {
                case 0x22: bytes.append(0x22)
                case 0x5C: bytes.append(0x5C)
                case 0x0A: bytes.append(0x6E)
                case 0x0D: bytes.append(0x72)
                case 0x09: bytes.append(0x74)
                case 0x08: bytes.append(0x62)
                case 0x0C: bytes.append(0x66)
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(0x75); bytes.append(0x30); bytes.append(0x30)
                    bytes.append(hex.utf8Start[Int(byte >> 4)])
                    bytes.append(hex.utf8Start[Int(byte & 0x0F)])
                }
            }
            if run < text.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...])) }
        }
        bytes.append(0x22)
    }
}
