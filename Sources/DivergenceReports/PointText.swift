import DivergenceCore
import Foundation

/// Text and Markdown views of catalogue entries for the query commands.
public enum PointText {
    /// One line of text: line breaks of every kind (CR, LF, U+2028/U+2029, NEL) and other control
    /// characters become spaces, so a value from a manifest can never start a heading, a list or a
    /// table row of its own in Markdown.
    static func clean(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }) else {
            return s.trimmingCharacters(in: .whitespaces)
        }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let v = scalar.value
            out.append(v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 ? " " : scalar)
        }
        return String(out).trimmingCharacters(in: .whitespaces)
    }

    /// `text` wrapped at `width`; a word longer than a whole line (an annotation key in a narrow
    /// column) is broken across lines rather than left to run into the next column.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        let room = max(8, width - indent)
        var lines: [String] = []
        var current = ""
        var words: [Substring] = []
        for word in clean(text).split(separator: " ") {
            var rest = word
            while rest.count > room {
                words.append(rest.prefix(room))
                rest = rest.dropFirst(room)
            }
            words.append(rest)
        }
        for word in words {
            if current.count + word.count + 1 > width - indent, !current.isEmpty {
                lines.append(pad + current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(pad + current) }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func text(_ p: DivergencePoint, from: Platform?, to: Platform?, width: Int, color: Bool) -> String {
        let bold = { (s: String) in color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
        var out = bold("\(p.title)") + "  (\(p.id), \(p.domain.rawValue))\n\n"
        out += wrap(p.summary, width: width, indent: 2) + "\n"
        let platforms = from.flatMap { f in to.map { [f, $0] } } ?? Platform.allCases.filter { p.platforms[$0] != nil }
        for platform in platforms {
            guard let side = p.platforms[platform] else { continue }
            out += bold("  \(platform.product)") + "\n"
            out += wrap(side.behaviour, width: width, indent: 4)
            if !side.constructs.isEmpty { out += "    constructs: " + side.constructs.joined(separator: ", ") + "\n" }
            if !side.equivalent.isEmpty { out += wrap("equivalent: " + side.equivalent, width: width, indent: 4) }
            out += "\n"
        }
        if let from, let to {
            if let pair = p.pair(from: from, to: to) {
                out += bold("  \(from.rawValue) → \(to.rawValue)") + ": severity \(pair.severity.rawValue), equivalence \(pair.equivalence.rawValue), effort \(pair.effort) h\n"
                if let note = pair.note { out += wrap(note, width: width, indent: 4) }
            }
        } else {
            out += bold("  Pairs") + "\n"
            for pair in p.pairs {
                out += "    \(pair.from.rawValue) → \(pair.to.rawValue)".padding(toLength: 22, withPad: " ", startingAt: 0)
                    + "\(pair.severity.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(pair.equivalence.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(pair.effort) h\n"
            }
        }
        out += "\n" + bold("  Impact") + "\n" + wrap(p.impact, width: width, indent: 4)
        out += bold("  Mitigation") + "\n" + wrap(p.mitigation, width: width, indent: 4)
        if !p.deprecations.isEmpty {
            out += bold("  Deprecations") + "\n"
            for d in p.deprecations { out += "    \(d.platform): \(clean(d.what)) — \(d.date)\n" }
        }
        if !p.unverified.isEmpty {
            out += bold("  Unverified") + "\n"
            for u in p.unverified { out += wrap(u, width: width, indent: 4) }
        }
        if !p.disagreements.isEmpty {
            out += bold("  Sources disagree") + "\n"
            for d in p.disagreements { out += wrap(d, width: width, indent: 4) }
        }
        out += bold("  Sources") + "\n"
        for s in p.sources { out += "    [\(s.platform)] \(s.url)\n" }
        out += "  verified \(p.verified)\n"
        return out
    }

    /// Escapes text for a Markdown table cell or paragraph.
    public static func escapeMarkdown(_ s: String) -> String {
        var out = ""
        for c in clean(s) {
            switch c {
            case "|": out += "\\|"
            case "`": out += "\\`"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "*", "_", "[", "]": out += "\\\(c)"
            default: out.append(c)
            }
        }
        return out
    }

    public static func markdown(_ p: DivergencePoint, from: Platform?, to: Platform?) -> String {
        var out = "# \(escapeMarkdown(p.title))\n\n`\(p.id)` · \(p.domain.rawValue) · verified \(p.verified)\n\n\(escapeMarkdown(p.summary))\n\n"
        let platforms = from.flatMap { f in to.map { [f, $0] } } ?? Platform.allCases.filter { p.platforms[$0] != nil }
        out += "| | " + platforms.map(\.product).joined(separator: " | ") + " |\n|---|" + platforms.map { _ in "---|" }.joined() + "\n"
        out += "| Behaviour | " + platforms.map { escapeMarkdown(p.platforms[$0]?.behaviour ?? "") }.joined(separator: " | ") + " |\n"
        out += "| Constructs | " + platforms.map { (p.platforms[$0]?.constructs ?? []).map(escapeMarkdown).joined(separator: "<br>") }.joined(separator: " | ") + " |\n"
        out += "| Equivalent | " + platforms.map { escapeMarkdown(p.platforms[$0]?.equivalent ?? "") }.joined(separator: " | ") + " |\n\n"
        out += "| From → to | Severity | Equivalence | Effort (h) |\n|---|---|---|---|\n"
        for pair in p.pairs where from == nil || (pair.from == from && pair.to == to) {
            out += "| \(pair.from.rawValue) → \(pair.to.rawValue) | \(pair.severity.rawValue) | \(pair.equivalence.rawValue) | \(pair.effort) |\n"
        }
        out += "\n**Impact.** \(escapeMarkdown(p.impact))\n\n**Mitigation.** \(escapeMarkdown(p.mitigation))\n\n"
        if !p.unverified.isEmpty { out += "**Unverified.** " + p.unverified.map(escapeMarkdown).joined(separator: " ") + "\n\n" }
        if !p.disagreements.isEmpty { out += "**Sources disagree.** " + p.disagreements.map(escapeMarkdown).joined(separator: " ") + "\n\n" }
        out += "Sources:\n\n" + p.sources.map { "- \($0.platform): <\($0.url)>" }.joined(separator: "\n") + "\n"
        return out
    }

    public static func compareText(_ rows: [ComparisonRow], from: Platform, to: Platform, width: Int) -> String {
        let column = max(24, (width - 14) / 2)
        var out = "".padding(toLength: 10, withPad: " ", startingAt: 0) + from.product.padding(toLength: column, withPad: " ", startingAt: 0) + " " + to.product + "\n"
        for row in rows {
            out += "\n\(row.severity.rawValue.uppercased()) \(row.id) — \(row.title) (\(row.equivalence.rawValue), \(row.effort) h)\n"
            let left = wrap(row.from, width: column + 10, indent: 10).split(separator: "\n").map { String($0.dropFirst(10)) }
            let right = wrap(row.to, width: column + 10, indent: 10).split(separator: "\n").map { String($0.dropFirst(10)) }
            for i in 0..<min(6, max(left.count, right.count)) {
                let l = i < left.count ? left[i] : ""
                let r = i < right.count ? right[i] : ""
                out += "          " + l.padding(toLength: column, withPad: " ", startingAt: 0) + " " + r + "\n"
            }
        }
        return out
    }

    public static func compareMarkdown(_ rows: [ComparisonRow], from: Platform, to: Platform) -> String {
        var out = "| Point | Severity | Equivalence | \(from.product) | \(to.product) |\n|---|---|---|---|---|\n"
        for row in rows {
            out += "| `\(row.id)` \(escapeMarkdown(row.title)) | \(row.severity.rawValue) | \(row.equivalence.rawValue) | \(escapeMarkdown(row.from)) | \(escapeMarkdown(row.to)) |\n"
        }
        return out
    }

    public static func rule(_ rule: Rule, point: DivergencePoint?) -> String {
        var out = "\(rule.id)  (\(rule.owner.rawValue), confidence \(rule.confidence.rawValue))\n"
        out += "  point:  \(rule.point)\(point.map { " — \($0.title)" } ?? "")\n"
        out += "  kinds:  \(rule.kinds.map(\.description).joined(separator: ", "))\n"
        out += "  match:  \(describe(rule.condition))\n"
        out += "  defined at \(rule.file):\(rule.line)\n\n"
        out += wrap(rule.message, width: 100, indent: 2)
        for (i, example) in rule.examples.fire.enumerated() {
            out += "\n  fires on (example \(i + 1)):\n" + example.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        }
        for (i, example) in rule.examples.pass.enumerated() {
            out += "\n  does not fire on (example \(i + 1)):\n" + example.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }

    static func describe(_ c: Condition) -> String {
        switch c {
        case .field(let path, let key, let value):
            var s = path.text
            switch key {
            case .equals(let k)?: s += "[\"\(k)\"]"
            case .prefix(let p)?: s += "[key starts with \"\(p)\"]"
            case .pattern(let r)?: s += "[key ~ /\(r)/]"
            case nil: break
            }
            switch value {
            case .equals(let v)?: s += " == \"\(v)\""
            case .oneOf(let vs)?: s += " in [\(vs.joined(separator: ", "))]"
            case .pattern(let r)?: s += " ~ /\(r)/"
            case .contains(let t)?: s += " contains \"\(t)\""
            case .absent?: s += " is absent"
            case nil: s += " is present"
            }
            return s
        case .all(let cs): return "all(" + cs.map(describe).joined(separator: ", ") + ")"
        case .any(let cs): return "any(" + cs.map(describe).joined(separator: ", ") + ")"
        case .not(let c): return "not(" + describe(c) + ")"
        }
    }
}

extension Finding {
    /// "also at lines 21, 22" for a finding with related locations (one construct written in
    /// several sibling places), else `nil`.
    var alsoAt: String? {
        guard let related, !related.isEmpty else { return nil }
        let lines = related.map { String($0.line) }
        return "also at line\(lines.count > 1 ? "s" : "") \(lines.joined(separator: ", "))"
    }
}

extension CheckReport {
    /// What a report with no finding says: never "none found" when inputs could not be analysed.
    var nothingFoundSentence: String {
        let failed = coverage.errors.count
        guard failed > 0 else { return "No cloud-specific constructs found for this move." }
        return summary.resources == 0
            ? "Nothing could be analysed: \(failed) input error(s), listed under Coverage."
            : "No cloud-specific constructs found in what could be analysed; \(failed) input error(s), listed under Coverage."
    }
}
