import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
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
        case .markdown: try Terminal.write(PointText.markdown(point, from: from, to: to))
        case .text: try Terminal.write(PointText.text(point, from: from, to: to, width: Terminal.width, color: Terminal.useColor(noColor: false)))
        }
    }
}
