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
    var paths: [String] = []

    @Option(help: "The platform the manifests run on now (aws, azure, gcp, local); inferred when omitted.")
    var from: Platform?

    @Option(help: "The platform(s) to move to, comma-separated (e.g. azure,gcp); or `to:` in the configuration.", transform: Check.parseTargets)
    var to: [Platform]?

    @Option(help: "Configuration file (default: .divergence.yaml in the working directory or the scanned directory).")
    var config: String?

    @Option(name: .customLong("exclude"), help: "Leave out paths matching this glob (`**` crosses directories). Repeatable.")
    var excludes: [String] = []

    @Option(help: "Report only findings that are not in this baseline file; report baseline findings that are gone as fixed.")
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: "Write the findings of this run to FILE as a baseline.")
    var writeBaseline: String?

    @Option(help: "Render this Helm chart with `helm template` and check the result. Repeatable.")
    var helm: [String] = []

    @Option(name: .customLong("values"), help: "A values file for --helm (passed as -f). Repeatable.")
    var values: [String] = []

    @Option(help: "Build this Kustomize directory (kustomize build, or kubectl kustomize) and check the result. Repeatable.")
    var kustomize: [String] = []

    @Option(name: .customLong("render-timeout"), help: "Seconds --helm and --kustomize may run before the renderer is stopped and the input fails (default 120).")
    var renderTimeout: Double = Rendering.defaultTimeout

    @Flag(name: .customLong("no-gitignore"), help: "Check files even when git ignores them.")
    var noGitIgnore = false

    @Option(help: "Output format for standard output: text, json, markdown, sarif, html.")
    var format: ReportFormat = .text

    @Option(name: .customLong("output"), help: "Write the report to FILE instead of standard output (format from the extension: .json .md .sarif .html .txt, else --format). Repeatable.")
    var outputs: [String] = []

    @Option(name: .customLong("min-severity"), help: "Show only findings at or above this severity (info, low, medium, high, critical); the summary and scores still count all.")
    var minSeverity: Severity = .info

    @Option(name: .customLong("group-by"), help: "Group the detailed findings of the text report by point, resource (default) or file.")
    var groupBy: FindingGrouping = .resource

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at or above this severity: info, low, medium, high, critical (default high, or failOn in the configuration).")
    var failOn: Severity?

    @Flag(help: "Print nothing on standard error but errors.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "Never colour the text report.")
    var noColor = false

    @OptionGroup var catalogueOptions: CatalogueOptions

    static func parseTargets(_ text: String) throws -> [Platform] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return try parts.map { part in
            guard let platform = Platform(named: part) else {
                throw ValidationError("unknown platform '\(part)' in --to (valid: \(Platform.acceptedNames))")
            }
            return platform
        }
    }

    func validate() throws {
        for output in outputs where output != "-" && !(output as NSString).pathExtension.isEmpty && Self.format(forPath: output) == nil {
            throw ValidationError("--output \(output): unknown extension '.\((output as NSString).pathExtension)'; use .json, .md, .sarif, .html or .txt (a name without an extension is written in --format)")
        }
        if paths.isEmpty && helm.isEmpty && kustomize.isEmpty {
            throw ValidationError("give at least one PATH (a file, a directory or - for standard input), --helm CHART or --kustomize DIR")
        }
        if !(renderTimeout > 0 && renderTimeout <= 3600) { throw ValidationError("--render-timeout takes seconds between 0 and 3600") }
        if !values.isEmpty && helm.isEmpty { throw ValidationError("--values goes with --helm") }
        if let to, Set(to).count != to.count { throw ValidationError("--to lists a platform twice") }
    }

    /// Command line over configuration file over defaults.
    func effectiveConfiguration() throws -> Configuration {
        var configuration = try Configuration.forRun(explicit: config, paths: paths)
        if let from { configuration.from = from; configuration.origins["from"] = "command line" }
        if let to { configuration.to = to; configuration.origins["to"] = "command line" }
        if let failOn { configuration.failOn = failOn; configuration.origins["failOn"] = "command line" }
        if !excludes.isEmpty {
            configuration.exclude += try excludes.map { try PathGlob($0) }
            configuration.origins["exclude"] = "command line" + (configuration.origins["exclude"].map { " and \($0)" } ?? "")
        }
        return configuration
    }

    func run() throws {
        let configuration: Configuration
        let catalogue: Catalogue
        var baselineFile: Baseline?
        // The directory walk needs neither the catalogue nor the rules: it starts now.
        let expansion = PathExpansion(paths: paths)
        do {
            configuration = try effectiveConfiguration()
            guard !configuration.to.isEmpty else {
                throw UsageError(description: "say where the workloads move: --to PLATFORM[,PLATFORM…] or `to:` in .divergence.yaml")
            }
            if let from = configuration.from, configuration.to.contains(from) {
                throw UsageError(description: "--to \(from.rawValue) is the same platform as --from; nothing would move")
            }
            var options = catalogueOptions
            options.catalogueDirectories += configuration.catalogues
            catalogue = try options.load()
            if let baseline { baselineFile = try Baseline.load(file: baseline) }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let run = try CheckRun(catalogue: catalogue)
        var options = CheckOptions(paths: paths, from: configuration.from, to: configuration.to)
        options.exclude = configuration.exclude
        options.ignore = configuration.ignore
        options.baseline = baselineFile
        options.honourGitIgnore = !noGitIgnore
        options.renderTimeout = renderTimeout
        options.renders = helm.map { .helm(chart: $0, values: values) } + kustomize.map { .kustomize(directory: $0) }
        let progressLine = ProgressLine.make(quiet: quiet)
        var onProgress: (@Sendable (CheckRun.Progress) -> Void)?
        if let progressLine { onProgress = { progressLine.update($0) } }
        let report = run.run(options, expansion: expansion, progress: onProgress)
        progressLine?.finish()
        // An inferred source that is also a target is the pair `--from X --to X`, refused above.
        if report.fromInferred, let from = report.from, configuration.to.contains(from) {
            Terminal.error("the constructs found belong to \(from.rawValue) (\(report.fromReason ?? "inferred")), and --to \(from.rawValue) is the same platform: nothing would move. Give --from if the workloads run elsewhere, or another --to.")
            throw ExitCode(ExitStatus.usage)
        }
        // What the reports show; the exit code and a written baseline use every finding.
        let shown = report.showing(atLeast: minSeverity)
        let failOn = configuration.failOn

        var writeFailed = false
        // A report or baseline never replaces one of the manifests it was made from.
        let scanned = Set(expansion.value.files.map(Self.canonical))
        func isScanned(_ path: String) -> Bool {
            guard scanned.contains(Self.canonical(path)) else { return false }
            Terminal.error("refusing to write \(path): it is one of the scanned manifests")
            writeFailed = true
            return true
        }
        for output in outputs where output != "-" && !isScanned(output) {
            let outputFormat = Self.format(forPath: output) ?? format
            do {
                if outputFormat == .json {
                    try ReportWriter.write(to: output) { handle in
                        try JSONReportRenderer().stream(shown) { bytes in try withData(bytes) { try handle.write(contentsOf: $0) } }
                    }
                } else {
                    try ReportWriter.write(try render(shown, as: outputFormat, toTerminal: false), to: output)
                }
                if !quiet { FileHandle.standardError.write(Data("wrote \(outputFormat.rawValue) report to \(output)\n".utf8)) }
            } catch {
                Terminal.error("cannot write \(output): \(error)")
                writeFailed = true
            }
        }
        if let writeBaseline, !isScanned(writeBaseline) {
            do {
                try Baseline(findings: report.findings).write(to: writeBaseline)
                if !quiet { FileHandle.standardError.write(Data("wrote baseline of \(report.findings.count) findings to \(writeBaseline)\n".utf8)) }
            } catch {
                Terminal.error("cannot write baseline \(writeBaseline): \(error)")
                writeFailed = true
            }
        }
        // Standard output last: a reader that stops early (`| head`) ends the process, and
        // the files asked for are already in place.
        var stdoutFailed = false
        if outputs.isEmpty || outputs.contains("-") {
            do {
                if format == .json {
                    // Streamed: a large report is never held whole in memory.
                    try JSONReportRenderer().stream(shown) { bytes in try bytes.withUnsafeBytes { try Terminal.write(bytes: $0) } }
                } else {
                    try Terminal.write(try render(shown, as: format, toTerminal: outputs.isEmpty))
                }
            } catch {
                Terminal.error("the report did not reach standard output: \(error)")
                stdoutFailed = true
            }
        }
        if !quiet {
            for warning in report.coverage.warnings { Terminal.warn(warning) }
            for e in report.coverage.errors {
                Terminal.error("\(e.file)\(e.line.map { ":\($0)" } ?? ""): \(e.message)")
            }
        }
        if stdoutFailed { throw ExitCode(ExitStatus.internalError) }
        if writeFailed || !report.coverage.errors.isEmpty { throw ExitCode(ExitStatus.usage) }
        if report.findings.contains(where: { $0.severity >= failOn }) { throw ExitCode(ExitStatus.findings) }
    }

    /// A path as the file system knows it: absolute, standardized, symlinks resolved.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardized.resolvingSymlinksInPath().path
    }

    func render(_ report: CheckReport, as format: ReportFormat, toTerminal: Bool) throws -> String {
        switch format {
        case .text:
            return try TextReportRenderer(color: toTerminal && Terminal.useColor(noColor: noColor), width: Terminal.width, grouping: groupBy).render(report)
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

/// `bytes` seen as `Data` without copying them: a JSON report is written in megabyte blocks,
/// and copying each into a new `Data` cost as much as writing it.
private func withData(_ bytes: [UInt8], _ body: (Data) throws -> Void) rethrows {
    try bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress, !raw.isEmpty else { return }
        try body(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none))
    }
}
