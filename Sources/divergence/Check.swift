import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check manifests for constructs that tie them to a cloud, and score the migration risk.",
        discussion: """
        PATH is a file, a directory (recursive: .yaml, .yml, .json) or - for standard input.
        Exit codes: 0 nothing at or above --fail-on, 1 findings at or above --fail-on,
        2 usage/configuration/input error (reports are still written), 3 internal error.
        """
    )

    @Argument(help: "Files, directories, or - for standard input.")
    var paths: [String]

    @Option(help: "The platform the manifests run on now (aws, azure, gcp, local); inferred when omitted.")
    var from: Platform?

    @Option(help: "The platform(s) to move to, comma-separated (e.g. azure,gcp).", transform: Check.parseTargets)
    var to: [Platform]

    @Option(help: "Output format for standard output: text, json, markdown, sarif, html.")
    var format: ReportFormat = .text

    @Option(name: .customLong("output"), help: "Write the report to FILE instead of standard output (format from the extension: .json .md .sarif .html .txt, else --format). Repeatable.")
    var outputs: [String] = []

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at or above this severity: info, low, medium, high, critical.")
    var failOn: Severity = .high

    @Flag(help: "Print nothing on standard error but errors.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "Never colour the text report.")
    var noColor = false

    @OptionGroup var catalogueOptions: CatalogueOptions

    static func parseTargets(_ text: String) throws -> [Platform] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return try parts.map { part in
            guard let platform = Platform(rawValue: part) else {
                throw ValidationError("unknown platform '\(part)' in --to (valid: \(Platform.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return platform
        }
    }

    func validate() throws {
        guard !to.isEmpty else { throw ValidationError("--to needs at least one platform") }
        if let from, to.contains(from) {
            throw ValidationError("--to \(from.rawValue) is the same platform as --from; nothing would move")
        }
        if Set(to).count != to.count { throw ValidationError("--to lists a platform twice") }
    }

    func run() throws {
        let catalogue: Catalogue
        do {
            catalogue = try catalogueOptions.load()
        } catch let error as UsageError {
            Terminal.error(error.description)
            throw ExitCode(ExitStatus.usage)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let run = try CheckRun(catalogue: catalogue)
        let report = run.run(CheckOptions(paths: paths, from: from, to: to))

        var writeFailed = false
        if outputs.isEmpty {
            Terminal.write(try render(report, as: format, toTerminal: true))
        } else {
            for output in outputs {
                let outputFormat = Self.format(forPath: output) ?? format
                do {
                    try ReportWriter.write(try render(report, as: outputFormat, toTerminal: false), to: output)
                    if !quiet { FileHandle.standardError.write(Data("wrote \(outputFormat.rawValue) report to \(output)\n".utf8)) }
                } catch {
                    Terminal.error("cannot write \(output): \(error)")
                    writeFailed = true
                }
            }
        }
        if !quiet {
            for e in report.coverage.errors {
                Terminal.error("\(e.file)\(e.line.map { ":\($0)" } ?? ""): \(e.message)")
            }
        }
        if writeFailed || !report.coverage.errors.isEmpty { throw ExitCode(ExitStatus.usage) }
        if report.findings.contains(where: { $0.severity >= failOn }) { throw ExitCode(ExitStatus.findings) }
    }

    func render(_ report: CheckReport, as format: ReportFormat, toTerminal: Bool) throws -> String {
        switch format {
        case .text:
            return try TextReportRenderer(color: toTerminal && Terminal.useColor(noColor: noColor), width: Terminal.width).render(report)
        case .json:
            return try JSONReportRenderer().render(report)
        case .markdown:
            return try MarkdownReportRenderer().render(report)
        case .sarif:
            return try SARIFReportRenderer().render(report)
        case .html:
            return try HTMLReportRenderer().render(report)
        }
    }

    static func format(forPath path: String) -> ReportFormat? {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": .json
        case "md", "markdown": .markdown
        case "sarif": .sarif
        case "html", "htm": .html
        case "txt", "text": .text
        default: nil
        }
    }
}
