import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

struct Topics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The domains with their point counts, or the points of one domain.")

    @Argument(help: "A domain: \(Domain.allCases.map(\.rawValue).joined(separator: ", ")).")
    var domain: Domain?

    @Option(help: "text, json or markdown") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func run() throws {
        let catalogue = try catalogueOptions.load()
        let view = try CatalogueQueries(catalogue: catalogue).topics(domain: domain)
        if format == .json {
            try Terminal.write(try Terminal.json(view))
            return
        }
        if format == .markdown {
            var out = domain == nil ? "| Domain | Points |\n|---|---|\n" : "| Point | Title |\n|---|---|\n"
            if domain == nil {
                for d in view.domains { out += "| \(d.domain) | \(d.points) |\n" }
            } else {
                for p in view.points { out += "| `\(p.id)` | \(PointText.escapeMarkdown(p.title)) |\n" }
            }
            try Terminal.write(out)
            return
        }
        if domain == nil {
            for d in view.domains { try Terminal.write("\(d.domain.padding(toLength: 18, withPad: " ", startingAt: 0)) \(d.points) points" + "\n") }
            try Terminal.write("\n`divergence topics DOMAIN` lists the points of a domain." + "\n")
        } else {
            for p in view.points { try Terminal.write("\(p.id.padding(toLength: 46, withPad: " ", startingAt: 0)) \(p.title)" + "\n") }
        }
    }
}
