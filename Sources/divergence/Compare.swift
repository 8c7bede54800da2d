import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every point of a domain, two clouds side by side, most severe first.")

    @Option(help: "Source platform.") var from: Platform
    @Option(help: "Target platform.") var to: Platform
    @Option(help: "Only this domain.") var domain: Domain?
    @Option(help: "text, json or markdown") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func validate() throws {
        if from == to { throw ValidationError("--from and --to must differ") }
    }

    func run() throws {
        let catalogue = try catalogueOptions.load()
        let rows = CatalogueQueries(catalogue: catalogue).compare(from: from, to: to, domain: domain)
        switch format {
        case .json:
            struct Output: Encodable { var from: Platform; var to: Platform; var domain: Domain?; var points: [ComparisonRow] }
            try Terminal.write(try Terminal.json(Output(from: from, to: to, domain: domain, points: rows)))
        case .markdown:
            try Terminal.write(PointText.compareMarkdown(rows, from: from, to: to))
        case .text:
            try Terminal.write(PointText.compareText(rows, from: from, to: to, width: Terminal.width))
        }
    }
}
