import ArgumentParser
import DivergenceCatalogue
import DivergenceKit
import DivergenceTranslate
import DivergenceReports
import Foundation

struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Compile the catalogue into SQLite, describe it, or lint it.",
        subcommands: [Build.self, Info.self, Validate.self, Docs.self]
    )

    struct Docs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write docs/catalogue.md (one section per domain, one entry per point) from the catalogue sources.")

        @Option(help: "Where to write it (default: standard output).") var output: String?
        @OptionGroup var catalogueOptions: CatalogueOptions

        func run() throws {
            let source = CatalogueSource.read(directories: try catalogueOptions.dataDirectories())
            let text = CatalogueDocument.render(points: source.points, rules: source.rules)
            if let output {
                try ReportWriter.write(text, to: output)
            } else {
                try Terminal.write(text)
            }
        }
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compile Data/ (and team catalogues) into an SQLite database.")

        @Option(help: "Where to write the database (default: the user cache, where the CLI looks for it).")
        var output: String?

        @OptionGroup var catalogueOptions: CatalogueOptions

        func run() throws {
            let directories = try catalogueOptions.dataDirectories()
            let source = CatalogueSource.read(directories: directories)
            let issues = CatalogueValidator.validate(source)
            let info: CatalogueInfo
            if let output {
                info = try CatalogueStore.build(source, at: output).info()
            } else {
                info = try Catalogue.load(dataDirectories: directories).info
            }
            try Terminal.write("built \(info.path): \(info.points) points, \(info.rules) rules, sha256 \(info.sha256)" + "\n")
            if !issues.isEmpty {
                Terminal.warn("\(issues.count) problem(s) in the sources; run `divergence db validate`")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Version, content hash, counts and location of the catalogue.")

        @Option(help: "text or json") var format: QueryFormat = .text

        func validate() throws {
            if format == .markdown { throw ValidationError("--format markdown is not available here; use text or json") }
        }
        @OptionGroup var catalogueOptions: CatalogueOptions

        func run() throws {
            let info = try catalogueOptions.load().info
            if format == .json {
                try Terminal.write(try Terminal.json(info))
                return
            }
            try Terminal.write("catalogue \(info.version)" + "\n")
            try Terminal.write("  sha256   \(info.sha256)" + "\n")
            try Terminal.write("  points   \(info.points)" + "\n")
            try Terminal.write("  rules    \(info.rules)" + "\n")
            try Terminal.write("  domains  " + info.domains.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n")
            try Terminal.write("  database \(info.path)" + "\n")
            try Terminal.write("  built    \(info.builtAt)" + "\n")
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lint the catalogue sources and run every rule's and translation's examples; exit 2 on any problem.")

        @Option(help: "text or json") var format: QueryFormat = .text

        func validate() throws {
            if format == .markdown { throw ValidationError("--format markdown is not available here; use text or json") }
        }
        @OptionGroup var catalogueOptions: CatalogueOptions

        func run() throws {
            let directories = try catalogueOptions.dataDirectories()
            let source = CatalogueSource.read(directories: directories)
            var issues = CatalogueValidator.validate(source)
            // Provenance too: a checked date on every source, and every construct a point names
            // shown by one of its rules or listed outside manifests with why.
            issues += CatalogueValidator.provenance(source)
            let points = Dictionary(source.points.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            issues += ExampleVerifier.verify(rules: source.rules, points: points)
            // Translations: readable, and each example's input patched into its output. They
            // need the compiled catalogue, so they are run only once the sources compile.
            let (translations, problems) = TranslationSource.read(directories: directories)
            issues += problems.map { CatalogueIssue(file: $0.file, line: 0, message: $0.message) }
            if issues.isEmpty {
                do {
                    issues += TranslationVerifier.verify(translations, run: try CheckRun(catalogue: try catalogueOptions.load()))
                } catch {
                    issues.append(CatalogueIssue(file: directories.joined(separator: ", "), line: 0, message: "the catalogue does not compile: \(error)"))
                }
            }
            if format == .json {
                struct Output: Encodable { var points: Int; var rules: Int; var translations: Int; var problems: [CatalogueIssue] }
                try Terminal.write(try Terminal.json(Output(points: source.points.count, rules: source.rules.count, translations: translations.count, problems: issues)))
            } else {
                for issue in issues { try Terminal.write(issue.description + "\n") }
                try Terminal.write("\(source.points.count) points, \(source.rules.count) rules, \(translations.count) translations, \(issues.count) problem(s)" + "\n")
            }
            if !issues.isEmpty { throw ExitCode(ExitStatus.usage) }
        }
    }
}
