import DivergenceCore
import Foundation

/// The report for people at a terminal: findings grouped by file and resource, then a summary
/// with the score, its level and the findings that drove it.
public struct TextReportRenderer: ReportRenderer {
    public var color: Bool
    public var width: Int

    public init(color: Bool = false, width: Int = 100) {
        self.color = color
        self.width = max(60, width)
    }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func badge(_ severity: Severity) -> String {
        let label = severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
        switch severity {
        case .critical: return paint(label, "1;35")
        case .high: return paint(label, "1;31")
        case .medium: return paint(label, "33")
        case .low: return paint(label, "36")
        case .info: return paint(label, "2")
        }
    }

    /// The report, with every character that could drive the terminal escaped (`TerminalText`).
    public func render(_ report: CheckReport) throws -> String {
        TerminalText.safe(try renderRaw(report))
    }

    func renderRaw(_ report: CheckReport) throws -> String {
        var out = ""
        let targets = report.to.map(\.rawValue).joined(separator: ", ")
        let from = report.from?.rawValue ?? "unknown"
        out += paint("divergence", "1") + " — migration check \(from) → \(targets)\n"
        if let reason = report.fromReason { out += paint("  \(reason)", "2") + "\n" }
        out += "\n"
        // Group by resource (in file order), each finding once per target.
        var order: [String] = []
        var groups: [String: [Finding]] = [:]
        for finding in report.findings {
            let key = "\(finding.file)\u{0}\(finding.resource)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(finding)
        }
        // Findings of one rule and target share their texts: each is cut and wrapped once (`Memo`).
        var messages = Memo<String, String>()
        func message(_ text: String) -> String {
            messages.value(text) { wrap(text.split(separator: "\n").first.map(String.init) ?? text, indent: 11) }
        }
        var remedies = Memo<String, String>()
        func remedy(_ text: String) -> String {
            remedies.value(text) { text.split(separator: "\n").first.map { wrap("→ " + $0, indent: 11, style: "32") } ?? "" }
        }
        for key in order {
            let findings = groups[key]!
            let first = findings[0]
            out += paint("\(first.resource)", "1") + "  " + paint(first.file, "2") + "\n"
            for f in findings {
                let location = "\(f.file):\(f.line):\(f.column)"
                let multi = report.to.count > 1 ? " [→\(f.target.rawValue)]" : ""
                out += "  \(badge(f.severity)) \(f.divergenceId)\(multi)  \(paint(location, "2"))\n"
                out += "           \(f.path) = \(f.evidence)\n"
                if let also = f.alsoAt { out += "           \(also)\n" }
                out += message(f.message)
                out += remedy(f.remediation)
            }
            out += "\n"
        }
        if report.findings.isEmpty {
            out += report.nothingFoundSentence + "\n\n"
        }
        out += summary(report)
        return out
    }

    func wrap(_ text: String, indent: Int, style: String? = nil) -> String {
        let limit = width - indent
        var lines: [String] = []
        var current = ""
        // The line's length is kept, not recounted: counting Characters walks the whole line,
        // once per word of every finding's text.
        var length = 0
        for word in text.split(separator: " ") {
            let count = word.count
            if length + count + 1 > limit, !current.isEmpty {
                lines.append(current)
                current = ""
                length = 0
            }
            if current.isEmpty {
                current = String(word)
                length = count
            } else {
                current += " " + word
                length += count + 1
            }
        }
        if !current.isEmpty { lines.append(current) }
        let pad = String(repeating: " ", count: indent)
        return lines.map { line in pad + (style.map { paint(line, $0) } ?? line) + "\n" }.joined()
    }

    func summary(_ report: CheckReport) -> String {
        let s = report.summary
        var out = paint("Summary", "1") + "\n"
        let levelStyle = s.level == .critical || s.level == .high ? "1;31" : s.level == .moderate ? "33" : "32"
        out += "  Risk score \(paint("\(s.score)/100 (\(s.level.rawValue))", levelStyle))"
        out += String(format: ", estimated effort %.1f h\n", s.effort)
        out += "  \(s.files) files, \(s.documents) documents, \(s.resources) resources; \(s.findings) findings, \(s.suppressed) suppressed\n"
        let sev = Severity.allCases.reversed().map { "\($0.rawValue) \(s.bySeverity[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        out += "  By severity: \(sev)\n"
        let domains = s.byDomain.sorted { ($0.value.score, $1.key) > ($1.value.score, $0.key) }
        if !domains.isEmpty {
            out += "  By domain:   " + domains.map { "\($0.key) \($0.value.score) (\($0.value.findings))" }.joined(separator: ", ") + "\n"
        }
        let drivers = report.findings.sorted { ($0.score, $1.file, $1.line) > ($1.score, $0.file, $0.line) }.prefix(3)
        if !drivers.isEmpty {
            out += "  Driven by:\n"
            for d in drivers {
                out += "    \(String(format: "%5.1f", d.score))  \(d.divergenceId) on \(d.resource) (\(d.file):\(d.line))\n"
            }
        }
        if report.targets.count > 1 {
            out += "  Targets ranked (lowest risk first):\n"
            for t in report.targets {
                out += "    \(t.rank). \(t.to.rawValue)  score \(t.score) (\(t.level.rawValue)), \(t.findings) findings, " + String(format: "%.1f h\n", t.effort)
            }
        }
        if report.summary.baselined > 0 || !report.fixed.isEmpty {
            out += "  Baseline: \(report.summary.baselined) known finding(s) left out; \(report.fixed.count) fixed since the baseline\n"
            for f in report.fixed.prefix(20) { out += "    fixed: \(f.ruleId) on \(f.resource) (\(f.file), \(f.path))\n" }
        }
        if !report.suppressed.isEmpty {
            out += "  Suppressed:\n"
            for x in report.suppressed.prefix(20) { out += "    \(x.ruleId) on \(x.resource) (\(x.file):\(x.line)): \(x.reason) [\(x.source)]\n" }
        }
        for warning in report.coverage.warnings { out += paint("  warning: \(warning)", "33") + "\n" }
        let unassessed = report.unassessed.count
        if unassessed > 0 { out += "  Unassessed provider constructs: \(unassessed) (not in the catalogue yet; review by hand)\n" }
        if !report.coverage.skipped.isEmpty || !report.coverage.errors.isEmpty {
            out += "  Coverage: \(report.coverage.skipped.count) skipped, \(report.coverage.errors.count) errors\n"
            for e in report.coverage.errors {
                out += paint("    error: \(e.file)\(e.line.map { ":\($0)" } ?? ""): \(e.message)", "31") + "\n"
            }
            for k in report.coverage.skipped {
                out += "    skipped: \(k.file)\(k.line.map { ":\($0)" } ?? ""): \(k.reason)\n"
            }
        }
        out += paint("  Catalogue \(report.catalogue.version) (\(report.catalogue.points) points, \(report.catalogue.rules) rules, sha256 \(report.catalogue.sha256.prefix(12)))", "2") + "\n"
        return out
    }
}
