import DivergenceCore
import Foundation

/// `docs/catalogue.md`, generated from `Data/`: one section per domain, one entry per point with
/// its per-platform table and sources. A test regenerates it and fails when the committed copy
/// is stale.
public enum CatalogueDocument {
    public static func render(points: [DivergencePoint], rules: [Rule]) -> String {
        let rulesByPoint = Dictionary(grouping: rules, by: \.point)
        var out = "# Catalogue\n\n"
        out += "Generated from `Data/` by `divergence db docs`; do not edit by hand.\n\n"
        out += "\(points.count) divergence points and \(rules.count) detection rules in \(Domain.allCases.count) domains. "
        out += "Severity is per move (from → to); equivalence says what the target offers: `direct` (same construct or a rename), "
        out += "`behavioural` (an equivalent that behaves differently) or `none`.\n\n"
        out += "| Domain | Points | Rules |\n|---|---|---|\n"
        for domain in Domain.workOrder {
            let inDomain = points.filter { $0.domain == domain }
            let ruleCount = inDomain.reduce(0) { $0 + (rulesByPoint[$1.id]?.count ?? 0) }
            out += "| [\(domain.rawValue)](#\(domain.rawValue)) | \(inDomain.count) | \(ruleCount) |\n"
        }
        for domain in Domain.workOrder {
            let inDomain = points.filter { $0.domain == domain }.sorted { $0.id < $1.id }
            guard !inDomain.isEmpty else { continue }
            out += "\n## \(domain.rawValue)\n"
            for point in inDomain {
                out += "\n### \(PointText.escapeMarkdown(point.title))\n\n"
                out += "`\(point.id)` · verified \(point.verified)"
                if let r = rulesByPoint[point.id], !r.isEmpty { out += " · rules: " + r.map { "`\($0.id)`" }.sorted().joined(separator: ", ") }
                out += "\n\n\(cell(point.summary))\n\n"
                let platforms = Platform.allCases.filter { point.platforms[$0] != nil }
                out += "| | " + platforms.map(\.product).joined(separator: " | ") + " |\n|---|" + platforms.map { _ in "---|" }.joined() + "\n"
                out += "| Behaviour | " + platforms.map { cell(point.platforms[$0]!.behaviour) }.joined(separator: " | ") + " |\n"
                out += "| Constructs | " + platforms.map { point.platforms[$0]!.constructs.map { "`\(codeCell($0))`" }.joined(separator: "<br>") }.joined(separator: " | ") + " |\n"
                out += "| Equivalent | " + platforms.map { cell(point.platforms[$0]!.equivalent) }.joined(separator: " | ") + " |\n\n"
                out += "| Move | Severity | Equivalence | Effort (h) |\n|---|---|---|---|\n"
                for pair in point.pairs.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
                    out += "| \(pair.from.rawValue) → \(pair.to.rawValue) | \(pair.severity.rawValue) | \(pair.equivalence.rawValue) | \(formatEffort(pair.effort)) |\n"
                }
                out += "\n**Impact.** \(cell(point.impact))\n\n**Mitigation.** \(cell(point.mitigation))\n\n"
                if !point.deprecations.isEmpty {
                    out += "**Deprecations.** " + point.deprecations.map { "\($0.platform): \(cell($0.what)) (\($0.date))" }.joined(separator: "; ") + "\n\n"
                }
                if !point.disagreements.isEmpty { out += "**Sources disagree.** " + point.disagreements.map(cell).joined(separator: " ") + "\n\n" }
                if !point.unverified.isEmpty { out += "**Unverified.** " + point.unverified.map(cell).joined(separator: " ") + "\n\n" }
                out += "Sources: " + point.sources.map { "[\($0.platform)](\($0.url))" }.joined(separator: " · ") + "\n"
            }
        }
        return out
    }

    static func formatEffort(_ effort: Double) -> String {
        effort == effort.rounded() ? String(Int(effort)) : String(format: "%.1f", effort)
    }

    /// Catalogue prose inside a table cell: one line, pipes escaped, `<` outside code escaped.
    static func cell(_ text: String) -> String {
        var out = ""
        var inCode = false
        for c in text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ") {
            switch c {
            case "`": inCode.toggle(); out.append(c)
            case "|": out += "\\|"
            case "<" where !inCode: out += "&lt;"
            case ">" where !inCode: out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }

    static func codeCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ")
    }
}
