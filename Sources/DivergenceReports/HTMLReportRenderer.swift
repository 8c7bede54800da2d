import DivergenceCore
import Foundation

/// One self-contained HTML page: inline CSS, inline SVG charts, no script, font or image from
/// anywhere else. Every value from a manifest is escaped.
public struct HTMLReportRenderer: ReportRenderer {
    public init() {}

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
    header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
    main{padding:20px 32px;max-width:1200px}section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px 20px;margin:0 0 18px}
    h2{font-size:17px;margin:0 0 12px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
    .score{font-size:40px;font-weight:700}.lvl{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
    .critical{background:#7b1fa2}.high{background:#c62828}.medium{background:#ef8f00}.low{background:#00838f}.info{background:#78909c}.moderate{background:#ef8f00}
    code{background:#f0f2f5;padding:1px 4px;border-radius:3px;font-size:12.5px;word-break:break-all}
    pre{background:#f0f2f5;padding:8px 10px;border-radius:4px;white-space:pre-wrap;font-size:12.5px}
    details{border-top:1px solid #eceff3;padding:8px 0}summary{cursor:pointer}.muted{color:#5f6b7a}.warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:6px 10px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px}
    """

    public func render(_ report: CheckReport) throws -> String {
        let h = Self.escape
        let s = report.summary
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>divergence: \(h(report.from?.rawValue ?? "unknown")) → \(h(report.to.map(\.rawValue).joined(separator: ", ")))</title>"
        out += "<style>\(Self.style)</style></head><body>"
        out += "<header><h1>Migration assessment: \(h(report.from?.rawValue ?? "unknown")) → \(h(report.to.map(\.rawValue).joined(separator: ", ")))</h1>"
        out += "<div>\(s.files) files · \(s.resources) resources · \(s.findings) findings · \(s.suppressed) suppressed</div></header><main>"
        out += "<section><h2>Risk</h2><span class=\"score\">\(s.score)</span>/100 <span class=\"lvl \(s.level.rawValue)\">\(s.level.rawValue)</span>"
        out += " <span class=\"muted\">estimated effort \(String(format: "%.1f", s.effort)) h</span>"
        if s.workloadsByLevel.values.reduce(0, +) > 0 {
            out += "<p>Workloads by level: " + RiskLevel.allCases.reversed().map { "\(s.workloadsByLevel[$0.rawValue] ?? 0) <span class=\"lvl \($0.rawValue)\">\($0.rawValue)</span>" }.joined(separator: ", ") + "</p>"
        }
        if let reason = report.fromReason { out += "<p class=\"muted\">\(h(reason))</p>" }
        if let warning = report.fromWarning { out += "<p class=\"warning\"><strong>Warning:</strong> \(h(warning))</p>" }
        if report.targets.count > 1 {
            out += "<table><tr><th>Rank</th><th>Target</th><th>Score</th><th>Findings</th><th>Effort (h)</th></tr>"
            for t in report.targets {
                out += "<tr><td>\(t.rank)</td><td>\(t.to.rawValue)</td><td>\(t.score) <span class=\"lvl \(t.level.rawValue)\">\(t.level.rawValue)</span></td><td>\(t.findings)</td><td>\(String(format: "%.1f", t.effort))</td></tr>"
            }
            out += "</table>"
        }
        out += "</section><div class=\"grid\">"
        let domains = Domain.workOrder.compactMap { d in s.byDomain[d.rawValue].map { (d.rawValue, $0.score) } }
        out += "<section><h2>Risk by domain</h2>\(barChart(domains))</section>"
        let workloads = report.workloads.prefix(12).map { ($0.kind == "cluster-wide" ? "cluster-wide" : "\($0.kind)/\($0.name)", $0.score) }
        out += "<section><h2>Risk by workload</h2>\(barChart(Array(workloads)))</section></div>"
        if !report.workloads.isEmpty {
            out += "<section><h2>Workloads</h2><table><tr><th>Workload</th><th>Resources</th><th>Findings</th><th>Score</th><th>Effort (h)</th></tr>"
            for w in report.workloads {
                out += "<tr><td>\(h(w.label))</td><td>\(w.resources.map(h).joined(separator: "<br>"))</td><td>\(w.findings)</td><td>\(w.score)</td><td>\(String(format: "%.1f", w.effort))</td></tr>"
            }
            out += "</table></section>"
        }
        out += "<section><h2>Findings</h2>"
        // The findings of one rule and target share their title, file and texts (see `Memo`).
        var escapedTexts = Memo<String, String>()
        func escaped(_ s: String) -> String { escapedTexts.value(s) { h(s) } }
        var explanations = Memo<FindingTexts, String>()
        func explanation(_ f: Finding) -> String {
            explanations.value(FindingTexts(f)) {
                var out = ""
                for line in f.message.split(separator: "\n") { out += "<p>\(h(String(line)))</p>" }
                out += "<p><strong>What to do.</strong> " + h(f.remediation.components(separatedBy: "\nOn ").first ?? f.remediation) + "</p>"
                if let equivalent = f.targetEquivalent {
                    out += "<p class=\"muted\">Equivalent on \(h(f.target.product)):</p><pre>\(h(equivalent))</pre>"
                }
                return out
            }
        }
        var linkLists = Memo<[String], String>()
        func links(_ references: [String]) -> String {
            guard !references.isEmpty else { return "" }
            return linkLists.value(references) {
                "<p class=\"muted\">" + references.map { SafeLink.isSafe($0) ? "<a href=\"\(h($0))\" rel=\"noreferrer\">\(h($0))</a>" : h($0) }.joined(separator: "<br>") + "</p>"
            }
        }
        for domain in Domain.workOrder {
            let group = report.findings.filter { $0.domain == domain }
            guard !group.isEmpty else { continue }
            out += "<h3>\(domain.rawValue) (\(group.count))</h3>"
            for f in group.sorted(by: { ($0.score, $1.file, $1.line) > ($1.score, $0.file, $0.line) }) {
                out += "<details><summary><span class=\"lvl \(f.severity.rawValue)\">\(f.severity.rawValue)</span> \(escaped(f.title))"
                out += " — \(h(f.resource.description)) <span class=\"muted\">\(escaped(f.file)):\(f.line)\(report.to.count > 1 ? " → \(f.target.rawValue)" : "")</span></summary>"
                out += "<p><code>\(h(f.path))</code> = <code>\(h(f.evidence))</code></p>"
                if let also = f.alsoAt { out += "<p class=\"muted\">\(h(also))</p>" }
                out += explanation(f)
                out += "<p class=\"muted\">\(h(f.divergenceId)) · rule \(h(f.ruleId)) · score \(String(format: "%.1f", f.score)) · confidence \(f.confidence.rawValue) · equivalence \(f.equivalence.rawValue) · effort \(f.effort) h</p>"
                out += links(f.references)
                out += "</details>"
            }
        }
        if report.findings.isEmpty { out += "<p>\(report.nothingFoundSentence)</p>" }
        out += "</section>"
        if !report.suppressed.isEmpty {
            out += "<section><h2>Suppressed (\(report.suppressed.count))</h2><table><tr><th>Rule</th><th>Resource</th><th>Reason</th></tr>"
            for x in report.suppressed { out += "<tr><td><code>\(h(x.ruleId))</code></td><td>\(h(x.resource.description))</td><td>\(h(x.reason)) <span class=\"muted\">(\(h(x.source)))</span></td></tr>" }
            out += "</table></section>"
        }
        if report.summary.baselined > 0 || !report.fixed.isEmpty {
            out += "<section><h2>Baseline</h2><p>\(report.summary.baselined) known finding(s) left out; \(report.fixed.count) fixed since the baseline.</p><ul>"
            for f in report.fixed { out += "<li>Fixed: <code>\(h(f.ruleId))</code> on \(h(f.resource)) (<code>\(h(f.file))</code>)</li>" }
            out += "</ul></section>"
        }
        out += "<section><h2>Coverage</h2><ul>"
        for w in report.coverage.warnings { out += "<li>Warning: \(h(w))</li>" }
        for x in report.coverage.errors { out += "<li>Error: <code>\(h(x.file))\(x.line.map { ":\($0)" } ?? "")</code> — \(h(x.message))</li>" }
        for x in report.coverage.skipped { out += "<li>Skipped: <code>\(h(x.file))</code> — \(h(x.reason))</li>" }
        for x in report.unassessed { out += "<li>Unassessed: <code>\(h(x.evidence))</code> on \(h(x.resource.description))</li>" }
        out += "</ul><p class=\"muted\">Catalogue \(h(report.catalogue.version)) · \(report.catalogue.points) points · \(report.catalogue.rules) rules · sha256 \(h(report.catalogue.sha256))</p></section>"
        out += "</main></body></html>\n"
        return out
    }

    /// A horizontal bar chart as inline SVG.
    func barChart(_ rows: [(String, Int)]) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">No findings.</p>" }
        let rowHeight = 24
        let height = rows.count * rowHeight + 8
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 520 \(height)\" role=\"img\">"
        for (i, row) in rows.enumerated() {
            let y = i * rowHeight + 4
            let width = max(2, row.1 * 300 / 100)
            let color = row.1 >= 75 ? "#7b1fa2" : row.1 >= 50 ? "#c62828" : row.1 >= 25 ? "#ef8f00" : "#00838f"
            svg += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\" fill=\"#1d2330\">\(Self.escape(String(row.0.prefix(28))))</text>"
            svg += "<rect x=\"180\" y=\"\(y + 3)\" width=\"\(width)\" height=\"16\" rx=\"3\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(186 + width)\" y=\"\(y + 15)\" font-size=\"12\" fill=\"#1d2330\">\(row.1)</text>"
        }
        return svg + "</svg>"
    }
}
