import DivergenceCore
import Foundation

/// A Markdown runbook: score and what drove it, a table by domain, findings in the order the
/// work is done, a checklist and the coverage. Every value from a manifest is escaped.
public struct MarkdownReportRenderer: ReportRenderer {
    public init() {}

    func e(_ s: String) -> String { PointText.escapeMarkdown(s) }

    /// A manifest value as inline code: the fence is longer than any backtick run inside, and
    /// HTML is inert in a code span, so nothing in the value can break out.
    func code(_ s: String) -> String {
        let flat = PointText.clean(s)
        var longest = 0, run = 0
        for c in flat { run = c == "`" ? run + 1 : 0; longest = max(longest, run) }
        let fence = String(repeating: "`", count: longest + 1)
        return "\(fence) \(flat) \(fence)"
    }

    /// Catalogue prose, which is trusted Markdown: code spans stay as written; outside them,
    /// `<`, `>` and `&` are escaped so placeholders such as `<ns>` are not read as HTML.
    func prose(_ s: String) -> String {
        var out = ""
        var inCode = false
        for c in s.replacingOccurrences(of: "\n", with: " ") {
            if c == "`" { inCode.toggle(); out.append(c); continue }
            if inCode { out.append(c); continue }
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A fenced block that no backtick run in the text can close early.
    func fenced(_ text: String) -> String {
        var fence = "```"
        while text.contains(fence) { fence += "`" }
        let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let isManifest = lines.count > 1 && lines.allSatisfy { $0.contains(":") || $0.trimmingCharacters(in: .whitespaces).hasPrefix("-") }
        return fence + (isManifest ? "yaml" : "text") + "\n" + text.trimmingCharacters(in: .whitespacesAndNewlines) + "\n" + fence + "\n"
    }

    public func render(_ report: CheckReport) throws -> String {
        // The findings of one rule and target share their title, file and texts (see `Memo`).
        var escapedTexts = Memo<String, String>()
        func escaped(_ s: String) -> String { escapedTexts.value(s) { e(s) } }
        var scoreTexts = Memo<Double, String>()
        func tenths(_ score: Double) -> String { scoreTexts.value(score) { String(format: "%.1f", score) } }
        var explanations = Memo<FindingTexts, String>()
        func explanation(_ f: Finding) -> String { explanations.value(FindingTexts(f)) { explain(f) } }
        func explain(_ f: Finding) -> String {
            var out = ""
            let lines = f.message.split(separator: "\n").map(String.init)
            out += "**Here (\(e(f.owner))).** \(prose(lines.first ?? ""))\n\n"
            if lines.count > 1 { out += "**On the target.** " + lines.dropFirst().map { prose($0) }.joined(separator: " ") + "\n\n" }
            let advice = f.remediation.components(separatedBy: "\nOn ").first ?? f.remediation
            out += "**What to do.** \(prose(advice))\n\n"
            if let equivalent = f.targetEquivalent {
                out += "Equivalent on \(f.target.product):\n\n" + fenced(equivalent) + "\n"
            }
            if !f.references.isEmpty { out += f.references.map { SafeLink.isSafe($0) ? "<\($0)>" : code($0) }.joined(separator: " · ") + "\n\n" }
            return out
        }
        let s = report.summary
        var out = "# Migration assessment: \(report.from?.rawValue ?? "unknown") → \(report.to.map(\.rawValue).joined(separator: ", "))\n\n"
        if let reason = report.fromReason { out += "_\(e(reason))_\n\n" }
        if let warning = report.fromWarning { out += "> **Warning:** \(e(warning))\n\n" }
        out += "**Risk score \(s.score)/100 (\(s.level.rawValue))**, estimated effort \(String(format: "%.1f", s.effort)) h. "
        out += "\(s.files) files, \(s.resources) resources, \(s.findings) findings, \(s.suppressed) suppressed.\n\n"
        if s.workloadsByLevel.values.reduce(0, +) > 0 {
            out += "Workloads by level: " + RiskLevel.allCases.reversed().map { "\(s.workloadsByLevel[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + ".\n\n"
        }
        let drivers = report.findings.sorted { ($0.severity, $0.score, $1.file, $1.line) > ($1.severity, $1.score, $0.file, $0.line) }.prefix(5)
        if !drivers.isEmpty {
            out += "The score is driven by:\n\n"
            for d in drivers { out += "- \(String(format: "%.1f", d.score)) — `\(d.divergenceId)` on \(e(d.resource.description)) (\(e(d.file)):\(d.line))\n" }
            out += "\n"
        }
        if report.targets.count > 1 {
            out += "## Targets\n\n| Rank | Target | Score | Level | Findings | Effort (h) |\n|---|---|---|---|---|---|\n"
            for t in report.targets { out += "| \(t.rank) | \(t.to.rawValue) | \(t.score) | \(t.level.rawValue) | \(t.findings) | \(String(format: "%.1f", t.effort)) |\n" }
            out += "\n"
        }
        out += "## By domain\n\n| Domain | Findings | Score | Effort (h) |\n|---|---|---|---|\n"
        for domain in Domain.workOrder {
            guard let d = s.byDomain[domain.rawValue] else { continue }
            out += "| \(domain.rawValue) | \(d.findings) | \(d.score) | \(String(format: "%.1f", d.effort)) |\n"
        }
        if !report.workloads.isEmpty {
            out += "\n## By workload\n\nA workload is a pod-bearing resource with the Services that select it, its ServiceAccount, its claims and the Ingresses in front of it.\n\n"
            out += "| Workload | Resources | Findings | Score | Effort (h) |\n|---|---|---|---|---|\n"
            for w in report.workloads {
                out += "| \(e(w.label)) | \(w.resources.map(e).joined(separator: "<br>")) | \(w.findings) | \(w.score) | \(String(format: "%.1f", w.effort)) |\n"
            }
        }
        out += "\n## Findings\n\nIn the order the work is done: identity, networking and load balancing, ingress, DNS and TLS, storage, registry, secrets, compute, observability.\n\n"
        for domain in Domain.workOrder {
            let group = report.findings.filter { $0.domain == domain }
            guard !group.isEmpty else { continue }
            out += "### \(domain.rawValue)\n\n"
            for f in group {
                out += "#### \(f.severity.rawValue.uppercased()): \(escaped(f.title))\(report.to.count > 1 ? " (→ \(f.target.rawValue))" : "")\n\n"
                out += "- **Where:** \(code(f.file + ":\(f.line)")) — \(e(f.resource.description)), \(code(f.path))\n"
                out += "- **Evidence:** \(code(f.evidence))\n"
                if let also = f.alsoAt { out += "- **Also:** \(e(also))\n" }
                out += "- **Point:** `\(f.divergenceId)` · rule `\(f.ruleId)` · confidence \(f.confidence.rawValue) · equivalence \(f.equivalence.rawValue) · score \(tenths(f.score)) · effort \(f.effort) h\n\n"
                out += explanation(f)
            }
        }
        if report.findings.isEmpty { out += report.nothingFoundSentence + "\n\n" }
        out += "## Checklist\n\n"
        for domain in Domain.workOrder {
            for f in report.findings where f.domain == domain {
                out += "- [ ] \(e(f.resource.description)): \(e(f.title)) (\(code(f.file + ":\(f.line)")))\n"
            }
        }
        if !report.suppressed.isEmpty {
            out += "\n## Suppressed\n\n| Rule | Resource | Where | Reason | By |\n|---|---|---|---|---|\n"
            for x in report.suppressed { out += "| `\(x.ruleId)` | \(e(x.resource.description)) | \(e(x.file)):\(x.line) | \(e(x.reason)) | \(e(x.source)) |\n" }
        }
        if report.summary.baselined > 0 || !report.fixed.isEmpty {
            out += "\n## Baseline\n\n\(report.summary.baselined) finding(s) already in the baseline are left out; \(report.fixed.count) fixed since.\n\n"
            for f in report.fixed { out += "- Fixed: `\(f.ruleId)` on \(e(f.resource)) (\(e(f.file)), \(code(f.path)))\n" }
        }
        out += "\n## Coverage\n\n"
        if report.coverage.skipped.isEmpty && report.coverage.errors.isEmpty && report.unassessed.isEmpty && report.coverage.warnings.isEmpty {
            out += "Every input was read; no unassessed provider constructs.\n"
        }
        for w in report.coverage.warnings { out += "- Warning: \(e(w))\n" }
        for x in report.coverage.errors { out += "- Error: \(code(x.file + (x.line.map { ":\($0)" } ?? ""))) — \(e(x.message))\n" }
        for x in report.coverage.skipped { out += "- Skipped: \(code(x.file + (x.line.map { ":\($0)" } ?? ""))) — \(e(x.reason))\n" }
        for x in report.unassessed { out += "- Unassessed: \(code(x.evidence)) on \(e(x.resource.description)) (\(code(x.file + ":\(x.line)")))\n" }
        out += "\n---\nCatalogue \(report.catalogue.version), \(report.catalogue.points) points, \(report.catalogue.rules) rules, sha256 `\(report.catalogue.sha256)`. Generated by divergence \(report.tool.version).\n"
        return out
    }
}
