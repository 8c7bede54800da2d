import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import DivergenceTranslate
import Foundation

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The detection rules, or one rule with its match and examples.")

    @Argument(help: "A rule id.") var id: String?
    @Option(help: "Only rules whose construct belongs to this platform (or 'neutral').") var platform: String?
    @Option(help: "text or json") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func run() throws {
        let catalogue = try catalogueOptions.load()
        var rules = id == nil ? catalogue.rules : try catalogue.rulesWithExamples()
        if let platform {
            let owner = platform.lowercased() == "neutral" ? "neutral" : Platform(named: platform)?.rawValue
            guard let owner else {
                Terminal.error("unknown platform '\(platform)' (valid: \(Platform.acceptedNames), or neutral)")
                throw ExitCode(ExitStatus.usage)
            }
            rules = rules.filter { $0.owner.rawValue == owner }
        }
        if let id {
            guard let rule = rules.first(where: { $0.id == id }) else {
                Terminal.error("no rule '\(id)' (list them with `divergence rules`)")
                throw ExitCode(ExitStatus.usage)
            }
            if format == .json {
                try Terminal.write(try Terminal.json(rule))
            } else if format == .markdown {
                try Terminal.write("## `\(rule.id)`\n\n```\n" + (PointText.rule(rule, point: catalogue.points[rule.point]) + translations(of: rule.id)).replacingOccurrences(of: "```", with: "` ` `") + "```\n")
            } else {
                try Terminal.write(PointText.rule(rule, point: catalogue.points[rule.point]) + translations(of: rule.id))
            }
            return
        }
        if format == .json {
            struct Row: Encodable { var id: String; var point: String; var platform: String; var confidence: Confidence; var kinds: [String] }
            try Terminal.write(try Terminal.json(rules.map { Row(id: $0.id, point: $0.point, platform: $0.owner.rawValue, confidence: $0.confidence, kinds: $0.kinds.map(\.description)) }))
            return
        }
        if format == .markdown {
            var out = "| Rule | Platform | Point | Confidence |\n|---|---|---|---|\n"
            for rule in rules.sorted(by: { $0.id < $1.id }) {
                out += "| `\(rule.id)` | \(rule.owner.rawValue) | `\(rule.point)` | \(rule.confidence.rawValue) |\n"
            }
            try Terminal.write(out + "\n\(rules.count) rules\n")
            return
        }
        for rule in rules.sorted(by: { $0.id < $1.id }) {
            try Terminal.write("\(rule.id.padding(toLength: 52, withPad: " ", startingAt: 0)) → \(rule.point)" + "\n")
        }
        try Terminal.write("\(rules.count) rules" + "\n")
    }

    /// How `divergence translate` moves what the rule finds to each target, from the catalogue's
    /// translations (none when only a compiled catalogue file is given).
    func translations(of rule: String) -> String {
        guard let directories = try? catalogueOptions.dataDirectories() else { return "" }
        let entries = TranslationSource.read(directories: directories).translations.filter { $0.rule == rule }
        guard !entries.isEmpty else { return "\ntranslations: none yet (divergence translate refuses its findings with the point's advice)\n" }
        return "\ntranslations (divergence translate):\n" + TranslationText.lines(entries, indent: "  ")
    }
}
