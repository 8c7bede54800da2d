import DivergenceCore
import Foundation

/// How the detailed findings of a text report are grouped.
public enum FindingGrouping: String, Sendable, CaseIterable {
    /// Each resource with its findings, in file order (the default).
    case resource
    /// Each divergence point with every place it occurs.
    case point
    /// Each file with its findings, in line order.
    case file
}

/// The report for people at a terminal. It leads with the summary (score, workloads by level,
/// drivers; per target when there are several), then what to do: one entry per divergence point
/// and target, most at risk first, its explanation written once and its places listed; then
/// every finding (grouped by resource, point or file) without repeating the explanations; then
/// coverage, aggregated by cause.
public struct TextReportRenderer: ReportRenderer {
    public var color: Bool
    public var width: Int
    public var grouping: FindingGrouping
    /// Places listed under one "what to do" entry before the rest are counted.
    static let placesShown = 8
    /// Files listed under one coverage cause before the rest are counted.
    static let filesShown = 5

    public init(color: Bool = false, width: Int = 100, grouping: FindingGrouping = .resource) {
        self.color = color
        self.width = max(60, width)
        self.grouping = grouping
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
        if let warning = report.fromWarning { out += paint("  warning: \(warning)", "1;33") + "\n" }
        if !report.rendered.isEmpty {
            out += paint("  rendered: \(report.rendered.joined(separator: ", ")); findings point at the files that wrote each value", "2") + "\n"
        }
        out += "\n"
        if report.findings.isEmpty {
            out += report.nothingFoundSentence + "\n\n"
        }
        out += summary(report) + "\n"
        if !report.findings.isEmpty {
            let actions = Self.actions(of: report)
            out += render(actions, report) + "\n"
            out += details(report, ranked: actions)
        }
        out += coverage(report)
        out += paint("Catalogue \(report.catalogue.version) (\(report.catalogue.points) points, \(report.catalogue.rules) rules, sha256 \(report.catalogue.sha256.prefix(12)))", "2") + "\n"
        return out
    }

    /// One value as a single short line: a multi-line value shows its first line.
    func oneLine(_ text: String) -> String {
        guard let newline = text.firstIndex(where: \.isNewline) else { return text }
        return String(text[..<newline]) + " …"
    }

    /// The findings of one divergence point, over every target.
    struct Action {
        var point: String
        var findings: [Finding]
        /// The worst score over the targets (targets are alternatives).
        var score: Int
        var worst: Severity
        var effortByTarget: [(Platform, Double)]
    }

    static func actions(of report: CheckReport) -> [Action] {
        var order: [String] = []
        var groups: [String: [Finding]] = [:]
        for finding in report.findings {
            if groups[finding.divergenceId] == nil { order.append(finding.divergenceId) }
            groups[finding.divergenceId, default: []].append(finding)
        }
        return order.map { point in
            let findings = groups[point]!
            let worst = findings.map(\.severity).max()!
            var score = 0
            var efforts: [(Platform, Double)] = []
            for target in report.to {
                let mine = findings.filter { $0.target == target }
                guard !mine.isEmpty else { continue }
                score = max(score, RiskModel.aggregate(mine.map(\.score), worst: mine.map(\.severity).max()!))
                efforts.append((target, (mine.reduce(0) { $0 + $1.effort } * 10).rounded() / 10))
            }
            return Action(point: point, findings: findings, score: score, worst: worst, effortByTarget: efforts)
        }.sorted { a, b in
            let effortA = a.effortByTarget.map(\.1).max() ?? 0, effortB = b.effortByTarget.map(\.1).max() ?? 0
            return (a.worst, a.score, effortA, b.point) > (b.worst, b.score, effortB, a.point)
        }
    }

    /// What to do: one entry per divergence point, its explanation once (and the remedy once per
    /// target), the most severe first (then by score and effort), its places listed once.
    func render(_ actions: [Action], _ report: CheckReport) -> String {
        var out = paint("What to do, most at risk first", "1") + " (\(actions.count) divergence point\(actions.count == 1 ? "" : "s"))\n"
        let multi = report.to.count > 1
        for (index, action) in actions.enumerated() {
            var seen = Set<String>()
            var places: [Finding] = []
            for f in action.findings where seen.insert("\(f.file):\(f.line)").inserted { places.append(f) }
            let resources = Set(places.map { "\($0.file)\u{0}\($0.resource)" }).count
            let number = "\(index + 1).".padding(toLength: 4, withPad: " ", startingAt: 0)
            out += "\(number)\(badge(action.worst)) \(paint(action.point, "1"))  "
            out += "\(places.count) place\(places.count == 1 ? "" : "s") on \(resources) resource\(resources == 1 ? "" : "s"), "
            out += action.effortByTarget.map { multi ? "\($0.0.rawValue) " + String(format: "%.1f h", $0.1) : String(format: "%.1f h", $0.1) }
                .joined(separator: ", ") + "\n"
            // The explanation of the highest-scored finding; other rules of the point are named.
            let lead = action.findings.max { ($0.score, $1.file, $1.line) < ($1.score, $0.file, $0.line) }!
            out += wrap(Prose.sentence(firstParagraph(lead.message)), indent: 13)
            // One remedy per distinct text: targets that share it are named together.
            var remedies: [(text: String, targets: [Platform])] = []
            for (target, _) in action.effortByTarget {
                guard let remedy = action.findings.filter({ $0.target == target }).max(by: { $0.score < $1.score }) else { continue }
                let text = Prose.sentence(firstParagraph(remedy.remediation))
                if let i = remedies.firstIndex(where: { $0.text == text }) { remedies[i].targets.append(target) } else { remedies.append((text, [target])) }
            }
            for remedy in remedies {
                let label = multi ? "→ \(remedy.targets.map(\.rawValue).joined(separator: ", ")): " : "→ "
                out += wrap(label + remedy.text, indent: 13, style: "32")
            }
            let rules = Set(action.findings.map(\.ruleId)).sorted()
            if rules.count > 1 { out += wrap(paint("rules: " + rules.joined(separator: ", "), "2"), indent: 13) }
            for f in places.prefix(Self.placesShown) {
                out += "             \(f.resource)  \(paint("\(f.file):\(f.line)", "2"))  \(oneLine(f.evidence))\n"
            }
            if places.count > Self.placesShown {
                out += paint("             and \(places.count - Self.placesShown) more place(s), under Findings", "2") + "\n"
            }
        }
        return out
    }

    func firstParagraph(_ text: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? text
    }

    /// One finding without its explanation (it is under What to do).
    func line(_ f: Finding, targets: [Platform], showResource: Bool) -> String {
        let shown = targets.isEmpty ? "" : " [→\(targets.map(\.rawValue).joined(separator: ", "))]"
        var out = "  \(badge(f.severity)) \(f.divergenceId)\(shown)  \(paint("\(f.file):\(f.line):\(f.column)", "2"))"
        if showResource { out += "  \(f.resource)" }
        out += "\n           \(f.path) = \(oneLine(f.evidence))\n"
        if let also = f.alsoAt { out += "           \(also)\n" }
        return out
    }

    /// `ranked`: the divergence points in What to do's order, which `--group-by point` follows.
    func details(_ report: CheckReport, ranked: [Action]) -> String {
        let multi = report.to.count > 1
        var out = paint("Findings by \(grouping.rawValue)", "1") + "\n"
        var order: [String] = []
        var groups: [String: [Finding]] = [:]
        for finding in report.findings {
            let key: String
            switch grouping {
            case .resource: key = "\(finding.file)\u{0}\(finding.resource)"
            case .point: key = finding.divergenceId
            case .file: key = finding.file
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(finding)
        }
        if grouping == .point {
            let rank = Dictionary(ranked.enumerated().map { ($1.point, $0) }, uniquingKeysWith: min)
            order.sort { (rank[$0] ?? .max, $0) < (rank[$1] ?? .max, $1) }
        }
        for key in order {
            let findings = groups[key]!
            let first = findings[0]
            switch grouping {
            case .resource: out += paint("\(first.resource)", "1") + "  " + paint(first.file, "2") + "\n"
            case .point: out += paint(first.divergenceId, "1") + "  " + paint(first.title, "2") + "\n"
            case .file: out += paint(first.file, "1") + "\n"
            }
            // The same place for several targets is one line naming them.
            var targetsAt: [String: [Platform]] = [:]
            var firsts: [Finding] = []
            for f in findings {
                let place = "\(f.file):\(f.line):\(f.column)\u{0}\(f.ruleId)"
                if targetsAt[place] == nil { firsts.append(f) }
                targetsAt[place, default: []].append(f.target)
            }
            for f in firsts {
                let targets = targetsAt["\(f.file):\(f.line):\(f.column)\u{0}\(f.ruleId)"]!
                out += line(f, targets: multi ? targets : [], showResource: grouping != .resource)
            }
            out += "\n"
        }
        return out
    }

    /// Skipped inputs and errors, one line per cause with the first files named.
    func coverage(_ report: CheckReport) -> String {
        guard !report.coverage.skipped.isEmpty || !report.coverage.errors.isEmpty else { return "" }
        var out = paint("Coverage", "1") + ": \(report.coverage.skipped.count) skipped, \(report.coverage.errors.count) error(s)\n"
        let errors = report.coverage.errors.map { (file: $0.file, line: $0.line, text: $0.message) }
        let skipped = report.coverage.skipped.map { (file: $0.file, line: $0.line, text: $0.reason) }
        for (label, items, style) in [("error", errors, "31"), ("skipped", skipped, "")] {
            for group in Self.causes(items) {
                let places = group.places
                if places.count == 1 {
                    out += paint("  \(label): \(places[0]): \(group.cause)", style.isEmpty ? "0" : style) + "\n"
                    continue
                }
                out += paint("  \(label) (\(places.count)): \(group.cause)", style.isEmpty ? "0" : style) + "\n"
                let shown = places.prefix(Self.filesShown).joined(separator: ", ")
                out += paint("    \(shown)\(places.count > Self.filesShown ? ", and \(places.count - Self.filesShown) more" : "")", "2") + "\n"
            }
        }
        return out + "\n"
    }

    /// The `count` findings that drive a score (most severe, then largest score, then first in
    /// the files), picked in one pass: sorting a hundred thousand findings to show three cost
    /// more than the rest of the report.
    static func drivers(_ findings: [Finding], count: Int, where include: (Finding) -> Bool) -> [Finding] {
        func before(_ a: Finding, _ b: Finding) -> Bool {
            (a.severity, a.score, b.file, b.line) > (b.severity, b.score, a.file, a.line)
        }
        var best: [Int] = []
        for i in findings.indices where include(findings[i]) {
            if best.count == count, let last = best.last, !before(findings[i], findings[last]) { continue }
            let at = best.firstIndex { before(findings[i], findings[$0]) } ?? best.count
            best.insert(i, at: at)
            if best.count > count { best.removeLast() }
        }
        return best.map { findings[$0] }
    }

    /// Coverage entries grouped by cause: the text with its own file, document and line numbers
    /// taken out, so "Kustomize directory … `--kustomize overlays/dev`" for 97 folders is one cause.
    static func causes(_ items: [(file: String, line: Int?, text: String)]) -> [(cause: String, places: [String])] {
        var order: [String] = []
        var places: [String: [String]] = [:]
        for item in items {
            var cause = item.text
            if !item.file.isEmpty { cause = cause.replacingOccurrences(of: item.file, with: "DIR") }
            cause = Prose.cause(cause)
            if places[cause] == nil { order.append(cause) }
            places[cause, default: []].append(item.file + (item.line.map { ":\($0)" } ?? ""))
        }
        return order.map { ($0, places[$0]!) }
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
        func levelStyle(_ level: RiskLevel) -> String { level == .critical || level == .high ? "1;31" : level == .moderate ? "33" : "32" }
        func distribution(_ counts: [String: Int]) -> String {
            RiskLevel.allCases.reversed().map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        }
        if report.targets.count > 1 {
            out += "  Targets are alternatives, ranked lowest risk first (nothing is added up across them):\n"
            for t in report.targets {
                out += "    \(t.rank). \(t.to.rawValue): risk \(paint("\(t.score)/100 (\(t.level.rawValue))", levelStyle(t.level))), "
                out += "\(t.findings) findings, " + String(format: "effort %.1f h", t.effort) + "\n"
                out += "       workloads: \(distribution(t.workloadsByLevel))\n"
                let drivers = Self.drivers(report.findings, count: 2) { $0.target == t.to }
                for d in drivers {
                    out += "       driven by \(String(format: "%.1f", d.score))  \(d.divergenceId) on \(d.resource) (\(d.file):\(d.line))\n"
                }
            }
        } else {
            out += "  Risk score \(paint("\(s.score)/100 (\(s.level.rawValue))", levelStyle(s.level)))"
            out += String(format: ", estimated effort %.1f h\n", s.effort)
            let workloads = s.workloadsByLevel.values.reduce(0, +)
            if workloads > 0 { out += "  Workloads: \(distribution(s.workloadsByLevel)) (\(workloads) with findings)\n" }
        }
        out += "  \(s.files) files, \(s.documents) documents, \(s.resources) resources; \(s.findings) findings, \(s.suppressed) suppressed\n"
        let sev = Severity.allCases.reversed().map { "\($0.rawValue) \(s.bySeverity[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        out += "  By severity: \(sev)\n"
        let domains = s.byDomain.sorted { ($0.value.score, $1.key) > ($1.value.score, $0.key) }
        if !domains.isEmpty {
            out += wrap("By domain:   " + domains.map { "\($0.key) \($0.value.score) (\($0.value.findings))" }.joined(separator: ", "), indent: 2)
        }
        if report.targets.count <= 1 {
            let drivers = Self.drivers(report.findings, count: 3) { _ in true }
            if !drivers.isEmpty {
                out += "  Driven by:\n"
                for d in drivers {
                    out += "    \(String(format: "%5.1f", d.score))  \(d.divergenceId) on \(d.resource) (\(d.file):\(d.line))\n"
                }
            }
        }
        if let hidden = report.hiddenBelow {
            out += "  Shown: findings at \(hidden.severity.rawValue) or above; \(hidden.count) below it left out of this report (the score counts them)\n"
        }
        if report.summary.baselined > 0 || !report.fixed.isEmpty {
            out += "  Baseline: \(report.summary.baselined) known finding(s) left out; \(report.fixed.count) fixed since the baseline\n"
            for f in report.fixed.prefix(20) { out += "    fixed: \(f.ruleId) on \(f.resource) (\(f.file), \(f.path))\n" }
        }
        if !report.suppressed.isEmpty {
            out += "  Suppressed:\n"
            for x in report.suppressed.prefix(20) { out += "    \(x.ruleId) on \(x.resource) (\(x.file):\(x.line)): \(x.reason) [\(x.source)]\n" }
            if report.suppressed.count > 20 { out += "    and \(report.suppressed.count - 20) more\n" }
        }
        for warning in report.coverage.warnings { out += paint("  warning: \(warning)", "33") + "\n" }
        let unassessed = report.unassessed.count
        if unassessed > 0 { out += "  Unassessed provider constructs: \(unassessed) (not in the catalogue yet; review by hand)\n" }
        return out
    }
}
