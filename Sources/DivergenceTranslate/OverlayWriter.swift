import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

/// Writes a translation plan as a Kustomize overlay: copies of the scanned files under
/// `source/` (Kustomize loads resources only from inside the overlay's folder, and the
/// originals stay untouched), one RFC 6902 patch per changed resource under `patches/`,
/// `kustomization.yaml` naming both, and the translation report.
public struct OverlayWriter: Sendable {
    public var directory: String
    public var from: Platform?
    public var to: Platform
    /// Scanned files not in the overlay, with why (a repeated resource, a Kustomize file).
    public var leftOut: [(file: String, reason: String)] = []
    /// The choices this target offers, the option used for each and whether it was asked for.
    public var choices: [Choice] = []

    /// One choice among the target's equivalents, as used for this overlay.
    public struct Choice: Sendable, Codable {
        public var name: String
        public var used: String
        public var options: [String]
        /// Asked for (flag or configuration), rather than the default.
        public var chosen: Bool
        public init(name: String, used: String, options: [String], chosen: Bool) {
            self.name = name; self.used = used; self.options = options; self.chosen = chosen
        }
    }

    public init(directory: String, from: Platform?, to: Platform) {
        self.directory = directory; self.from = from; self.to = to
    }

    public struct Summary: Sendable, Codable {
        public var to: Platform
        public var directory: String
        public var translated: Int
        public var needsInput: Int
        public var refused: Int
        /// Of `translated`: kept as written, with no edit.
        public var kept = 0
        /// Of `refused`: no translation of the rule in the catalogue yet.
        public var uncovered = 0
        public var patches: Int
        public var findings: [TranslatedFinding]
        public var leftOut: [String: String] = [:]
        public var choices: [Choice] = []
    }

    /// Writes the overlay for `plan` over `files` (the scanned files that hold resources).
    @discardableResult
    public func write(_ plan: Translator.Plan, files: [String], json: Bool) throws -> Summary {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Only what this writer owns is replaced: a previous overlay's copies and patches.
        for owned in ["source", "patches", "generated"] { try? fm.removeItem(atPath: directory + "/" + owned) }
        var resources: [String] = []
        var used = Set<String>()
        for file in files {
            var name = Self.relativeName(file)
            while used.contains(name) { name = "_" + name }
            used.insert(name)
            let copy = directory + "/source/" + name
            try fm.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ReportWriter.write(try Data(contentsOf: URL(fileURLWithPath: file)), to: copy)
            resources.append("source/" + name)
        }
        if !plan.generated.isEmpty { try fm.createDirectory(atPath: directory + "/generated", withIntermediateDirectories: true) }
        for (i, resource) in plan.generated.enumerated() {
            let name = String(format: "generated/%03d-", i + 1) + resource.name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" } + ".yaml"
            try ReportWriter.write(Data(("# Added by divergence translate (\(resource.name)).\n" + resource.yaml).utf8), to: directory + "/" + name)
            resources.append(name)
        }
        var kustomization = "# Written by divergence translate (\(from?.rawValue ?? "unknown") → \(to.rawValue)); the originals are untouched.\n"
        // An overlay none of whose files could join (all left out) still builds, to nothing.
        kustomization += "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\(resources.isEmpty ? " []" : "")\n"
        for r in resources { kustomization += "- \(yamlQuoted(r))\n" }
        if !plan.patches.isEmpty || !plan.deletions.isEmpty { kustomization += "patches:\n" }
        try fm.createDirectory(atPath: directory + "/patches", withIntermediateDirectories: true)
        for (i, patch) in plan.patches.enumerated() where !patch.operations.isEmpty {
            let ref = patch.resource
            let name = String(format: "%03d-", i + 1) + [ref.kind, ref.namespace, ref.name].compactMap { $0 }.joined(separator: "-")
                .lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" } + ".yaml"
            var text = "# \(ref) in \(patch.file)\n"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for op in patch.operations { text += "- " + String(decoding: try encoder.encode(op), as: UTF8.self) + "\n" }
            try ReportWriter.write(Data(text.utf8), to: directory + "/patches/" + name)
            let group = ref.apiVersion.contains("/") ? String(ref.apiVersion.split(separator: "/")[0]) : ""
            let version = String(ref.apiVersion.split(separator: "/").last ?? "")
            kustomization += "- path: patches/\(name)\n  target:\n"
            if !group.isEmpty { kustomization += "    group: \(yamlQuoted(group))\n" }
            kustomization += "    version: \(yamlQuoted(version))\n    kind: \(yamlQuoted(ref.kind))\n    name: \(yamlQuoted(ref.name))\n"
            if let ns = ref.namespace { kustomization += "    namespace: \(yamlQuoted(ns))\n" }
        }
        // Deletions last: a strategic-merge `$patch: delete` names the resource it removes.
        for (i, deletion) in plan.deletions.enumerated() {
            let ref = deletion.resource
            let name = String(format: "delete-%03d-", i + 1) + [ref.kind, ref.namespace, ref.name].compactMap { $0 }.joined(separator: "-")
                .lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" } + ".yaml"
            var text = "# \(ref) in \(deletion.file): replaced by the resources under generated/\n$patch: delete\n"
            text += "apiVersion: \(yamlQuoted(ref.apiVersion))\nkind: \(yamlQuoted(ref.kind))\nmetadata:\n  name: \(yamlQuoted(ref.name))\n"
            if let ns = ref.namespace { text += "  namespace: \(yamlQuoted(ns))\n" }
            try ReportWriter.write(Data(text.utf8), to: directory + "/patches/" + name)
            kustomization += "- path: patches/\(name)\n"
        }
        if !plan.images.isEmpty {
            kustomization += "images:\n"
            for image in plan.images { kustomization += "- name: \(yamlQuoted(image.name))\n  newName: \(yamlQuoted(image.newName))\n" }
        }
        try ReportWriter.write(Data(kustomization.utf8), to: directory + "/kustomization.yaml")
        let count = { (o: TranslationOutcome) in plan.findings.filter { $0.outcome == o }.count }
        var summary = Summary(to: to, directory: directory, translated: count(.translated), needsInput: count(.needsInput),
                              refused: count(.refused), patches: plan.patches.filter { !$0.operations.isEmpty }.count, findings: plan.findings)
        summary.choices = choices
        summary.kept = plan.findings.filter(\.kept).count
        summary.uncovered = plan.findings.filter(\.uncovered).count
        summary.leftOut = Dictionary(leftOut.map { ($0.file, $0.reason) }, uniquingKeysWith: { a, _ in a })
        try ReportWriter.write(Data(report(summary).utf8), to: directory + "/TRANSLATION.md")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try ReportWriter.write(try encoder.encode(summary) + Data("\n".utf8), to: directory + "/translation.json")
        }
        return summary
    }

    /// TRANSLATION.md: counts, the placeholders to fill with where to find them, and every
    /// finding with its outcome.
    func report(_ s: Summary) -> String {
        let e = PointText.escapeMarkdown
        var out = "# Translation \(from?.rawValue ?? "unknown") → \(to.rawValue)\n\n"
        out += "Build with `kubectl kustomize \(e(directory))`. \(s.translated) finding(s) translated (\(s.kept) of them kept as written), \(s.needsInput) written with a placeholder to fill, \(s.refused) refused (\(s.refused - s.uncovered) with no faithful mechanical equivalent, \(s.uncovered) with no translation in the catalogue yet), in \(s.patches) patch(es).\n\n"
        let inputs = Dictionary(s.findings.flatMap(\.inputs).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { $0.name < $1.name }
        if !inputs.isEmpty {
            out += "## Values to fill in\n\nEach placeholder is written `<<needs-input:NAME>>` in the patches (`grep -r needs-input patches/`).\n\n| Placeholder | Where to find the value on \(to.rawValue) |\n|---|---|\n"
            for input in inputs { out += "| `\(input.placeholder)` | \(e(input.whereToFind)) |\n" }
            out += "\n"
        }
        if !s.choices.isEmpty {
            out += "## Choices\n\nWhere \(to.rawValue) offers several equivalents, the option used (`--choose NAME=OPTION` or `translate: choose:` in .divergence.yaml picks another).\n\n| Choice | Used | Options |\n|---|---|---|\n"
            for c in s.choices { out += "| `\(c.name)` | \(c.used)\(c.chosen ? "" : " (default)") | \(c.options.joined(separator: ", ")) |\n" }
            out += "\n"
        }
        if !leftOut.isEmpty {
            out += "## Files left out of the overlay\n\n| File | Why |\n|---|---|\n"
            for item in leftOut { out += "| \(e(item.file)) | \(e(item.reason)) |\n" }
            out += "\n"
        }
        for outcome in TranslationOutcome.allCases {
            let group = s.findings.filter { $0.outcome == outcome }
            guard !group.isEmpty else { continue }
            out += "## \(outcome == .translated ? "Translated" : outcome == .needsInput ? "Needs input" : "Refused")\n\n"
            out += "| Finding | Resource | Place | What was done\(outcome == .refused ? " / advice" : "") |\n|---|---|---|---|\n"
            for f in group {
                let what = outcome == .refused ? e(f.note) + (f.advice.map { "<br>Advice: " + e($0) } ?? "") : e(f.note)
                out += "| `\(f.ruleId)` (\(f.severity.rawValue)) | \(e(f.resource)) | \(e(f.file)):\(f.line) `\(f.path.replacingOccurrences(of: "`", with: "'"))` | \(what) |\n"
            }
            out += "\n"
        }
        return out
    }

    /// A scanned file's name inside `source/`: its path relative to the working directory when
    /// it is under it, else its last two components; never climbing out with `..`.
    static func relativeName(_ file: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        let relative = absolute.hasPrefix(cwd + "/") ? String(absolute.dropFirst(cwd.count + 1)) : absolute.split(separator: "/").suffix(2).joined(separator: "/")
        return relative.split(separator: "/").filter { $0 != ".." && $0 != "." }.joined(separator: "/")
    }
}
