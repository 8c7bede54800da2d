import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import DivergenceTranslate
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One divergence point, every platform side by side; the pair view with --from/--to.")

    @Argument(help: "A divergence point id, e.g. load-balancing.idle-timeout.")
    var id: String

    @Option(help: "Source platform for the pair view.") var from: Platform?
    @Option(help: "Target platform for the pair view.") var to: Platform?
    @Option(help: "text, json or markdown") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func validate() throws {
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
        if let from, from == to { throw ValidationError("--from and --to must differ") }
    }

    func run() throws {
        let catalogue = try catalogueOptions.load()
        let queries = CatalogueQueries(catalogue: catalogue)
        guard let point = try queries.point(id) else {
            let suggestions = queries.suggest(id)
            Terminal.error("no divergence point '\(id)'" + (suggestions.isEmpty ? "" : "; did you mean: \(suggestions.joined(separator: ", "))?"))
            throw ExitCode(ExitStatus.usage)
        }
        switch format {
        case .json: try Terminal.write(try Terminal.json(PointView(point)))
        case .markdown: try Terminal.write(PointText.markdown(point, from: from, to: to) + translations(point: point.id, rules: catalogue.rules.filter { $0.point == point.id }.map(\.id), fenced: true))
        case .text: try Terminal.write(PointText.text(point, from: from, to: to, width: Terminal.width, color: Terminal.useColor(noColor: false)) + translations(point: point.id, rules: catalogue.rules.filter { $0.point == point.id }.map(\.id), fenced: false))
        }
    }

    /// In the pair view: how `divergence translate` moves each construct of the point from
    /// `--from` to `--to` (the rules whose construct belongs to the source, and neutral ones).
    func translations(point: String, rules: [String], fenced: Bool) -> String {
        guard let from, let to, let directories = try? catalogueOptions.dataDirectories() else { return "" }
        let relevant = Set(rules.filter { $0.hasPrefix(from.rawValue + ".") || $0.hasPrefix("neutral.") })
        let entries = TranslationSource.read(directories: directories).translations
            .filter { relevant.contains($0.rule) && $0.to == to && ($0.from == nil || $0.from == from) }
        guard !entries.isEmpty else { return "" }
        var out = "\nHow divergence translate moves it (\(from.rawValue) → \(to.rawValue)):\n"
        for rule in entries.map(\.rule).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } {
            out += "  \(rule)\n" + TranslationText.lines(entries.filter { $0.rule == rule }, indent: "    ")
        }
        return fenced ? "\n```\n" + out.replacingOccurrences(of: "```", with: "` ` `") + "```\n" : out
    }
}
