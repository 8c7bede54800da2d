import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Full-text search over the catalogue (titles, summaries, behaviour, constructs, tags).")

    @Argument(parsing: .remaining, help: "Words to search for; searched as plain words.")
    var text: [String]

    @Option(help: "Only this domain.") var domain: Domain?
    @Option(help: "At most this many results.") var limit: Int = 10
    @Option(help: "text or json") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func validate() throws {
        if text.joined().trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give some words to search for") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let query = text.joined(separator: " ")
        let hits = try catalogueOptions.withCatalogue { try CatalogueQueries(catalogue: $0).search(query, domain: domain, limit: limit) }
        if format == .json {
            struct Output: Encodable { var query: String; var results: [SearchResultView] }
            try Terminal.write(try Terminal.json(Output(query: query, results: hits)))
            return
        }
        if hits.isEmpty {
            try Terminal.write("no results for '\(query)'" + "\n")
            return
        }
        if format == .markdown {
            var out = "| Point | Title | Domain | Where it matched |\n|---|---|---|---|\n"
            for hit in hits {
                out += "| `\(hit.id)` | \(PointText.escapeMarkdown(hit.title)) | \(hit.domain) | \(PointText.escapeMarkdown(hit.snippet.replacingOccurrences(of: "\n", with: " "))) |\n"
            }
            try Terminal.write(out)
            return
        }
        let color = Terminal.useColor(noColor: false)
        for hit in hits {
            let title = color ? "\u{1B}[1m\(hit.id)\u{1B}[0m" : hit.id
            try Terminal.write("\(title)  \(hit.title)  [\(hit.domain)]" + "\n")
            let snippet = color ? hit.snippet.replacingOccurrences(of: "[", with: "\u{1B}[33m").replacingOccurrences(of: "]", with: "\u{1B}[0m") : hit.snippet
            try Terminal.write("    \(snippet.replacingOccurrences(of: "\n", with: " "))" + "\n")
        }
    }
}
