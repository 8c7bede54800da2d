import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceManifests
import DivergenceReports
import DivergenceTranslate
import Foundation

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Kustomize overlay that moves the scanned manifests to the target cloud, and a report of every finding: translated, needs input, or refused.")

    @Argument(help: "Manifest files or directories (the originals are never modified).")
    var paths: [String] = []

    @Option(help: "The cloud the manifests run on: aws, azure, gcp (eks, aks, gke); or `from:` in the configuration; else inferred from the manifests.")
    var from: Platform?

    @Option(help: "The target cloud(s), comma-separated; one overlay folder each under --output when several; or `to:` in the configuration.", transform: Check.parseTargets)
    var to: [Platform]?

    @Option(help: "Configuration file (default: .divergence.yaml in the working directory or the scanned directory): exclude, ignore, catalogues, and translate: choose / registryMap.")
    var config: String?

    @Option(help: "The folder to write the overlay to (created; a previous overlay's files are replaced).")
    var output: String

    @Option(name: .customLong("registry-map"), help: "Write images of registry host SOURCE with host TARGET (SOURCE=TARGET). Repeatable.")
    var registryMap: [String] = []

    @Option(name: .customLong("choose"), help: "Where the target offers several equivalents, which one: NAME=OPTION (ingress=app-routing|agic|agc on Azure; gcp-ingress=gke-ingress|gateway and gcp-identity=impersonation|principal on GKE). Repeatable; without it each choice takes its documented default (see TRANSLATION.md).")
    var choose: [String] = []

    @Flag(name: .customLong("per-folder"), help: "One overlay per folder of manifests (under --output, named by the folder's path with `__` for `/`), and one per file that repeats a resource of its folder (an alternative): for a repository of independent samples or apps.")
    var perFolder = false

    @Option(help: "Also write translation.json: text or json.") var format: QueryFormat = .text
    @OptionGroup var catalogueOptions: CatalogueOptions

    func validate() throws {
        if paths.isEmpty || paths.contains("-") { throw ValidationError("give manifest files or directories (standard input cannot be copied into an overlay)") }
        for entry in choose where entry.split(separator: "=").count != 2 {
            throw ValidationError("--choose takes NAME=OPTION, not \(entry)")
        }
        for entry in registryMap where entry.split(separator: "=").count != 2 {
            throw ValidationError("--registry-map takes SOURCE=TARGET, not \(entry)")
        }
    }

    func run() throws {
        // The overlay goes into a folder this command creates or owns: never over a file, and
        // never through a symbolic link (one planted in a tree could aim it anywhere).
        var info = stat()
        if lstat(output, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK { throw UsageError(description: TerminalText.safe("--output \(output): a symbolic link; give the folder itself")) }
            if kind != S_IFDIR { throw UsageError(description: TerminalText.safe("--output \(output): not a folder (the overlay is a folder of files)")) }
        }
        // Command line over configuration file over defaults, as for check.
        // A scanned repository's configuration is untrusted: its errors are printed safely.
        let configuration: Configuration
        do { configuration = try Configuration.forRun(explicit: config, paths: paths) } catch { throw UsageError(description: TerminalText.safe("\(error)")) }
        let targets = to ?? configuration.to
        guard !targets.isEmpty else { throw UsageError(description: TerminalText.safe("say where the workloads move: --to PLATFORM[,PLATFORM…] or `to:` in .divergence.yaml")) }
        let stated = from ?? configuration.from
        if let stated, targets.contains(stated) { throw UsageError(description: TerminalText.safe("--to \(stated.rawValue) is the same platform as --from; nothing would move")) }
        var catalogueOptions = self.catalogueOptions
        catalogueOptions.catalogueDirectories += configuration.catalogues
        let directories = try catalogueOptions.dataDirectories()
        let (translations, problems) = TranslationSource.read(directories: directories)
        if !problems.isEmpty { throw UsageError(description: TerminalText.safe(problems.map(\.description).joined(separator: "\n"))) }
        let options = TranslationSource.choices(in: translations)
        var chosen: [String: String] = [:]
        // The configuration's choices first, each flag over them.
        let fromFile = configuration.translateChoices.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value, origin: "\(configuration.file ?? ".divergence.yaml"): translate.choose") }
        let fromFlags = choose.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            return (name: parts[0], value: parts[1], origin: "--choose \(entry)")
        }
        for entry in fromFile + fromFlags {
            guard let known = options[entry.name] else {
                throw UsageError(description: TerminalText.safe("\(entry.origin): no choice named \(entry.name) (choices: \(options.keys.sorted().joined(separator: ", ")))"))
            }
            guard known.contains(entry.value) else {
                throw UsageError(description: TerminalText.safe("\(entry.origin): \(entry.name) is one of \(known.joined(separator: ", ")) (default \(known[0]))"))
            }
            chosen[entry.name] = entry.value
        }
        let catalogue = try catalogueOptions.load()
        let run = try CheckRun(catalogue: catalogue)
        var checkOptions = CheckOptions(paths: paths, from: stated, to: targets)
        // What the team excluded or accepted in its configuration is not translated either.
        checkOptions.exclude = configuration.exclude
        checkOptions.ignore = configuration.ignore
        // The overlay folder is never scanned: a second run over the same tree would otherwise
        // read the first one's copies.
        checkOptions.skipUnder = [URL(fileURLWithPath: output).standardizedFileURL.path]
        // The directories are walked once: the check and the overlay see the same file list.
        let expansion = PathExpansion(paths: paths)
        let report = run.run(checkOptions, expansion: expansion)
        guard let from = report.from else {
            throw UsageError(description: TerminalText.safe("no construct says which cloud the manifests run on; give --from (or `from:` in .divergence.yaml)"))
        }
        if targets.contains(from) {
            throw UsageError(description: TerminalText.safe("the constructs found belong to \(from.rawValue) (\(report.fromReason ?? "inferred")), and --to \(from.rawValue) is the same platform: nothing would move. Give --from if the workloads run elsewhere, or another --to."))
        }
        if report.fromInferred { Terminal.warn("--from not given: \(report.fromReason ?? "inferred as \(from.rawValue)")") }
        // The trees of the resources, read again: the report keeps only what a report needs.
        let loader = ManifestLoader()
        // The files the check read: what git ignores, what the team excluded and the overlay
        // folder stay out of the overlay too.
        let files = checkOptions.filesRead(expansion.value.files)
        // Read as the check reads them: size bound, names that are not UTF-8, FIFOs refused.
        let sets = loader.loadEach(files: files) { $0 }
        let map = configuration.registryMap.merging(registryMap.map { entry -> (String, String) in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        }, uniquingKeysWith: { _, flag in flag })
        // Files the check skipped (too large, not UTF-8, …) stay out of the overlay too.
        let leftOutByCheck = Set(report.coverage.skipped.map(\.file))
        // One overlay, or one per folder and per alternative (`--per-folder`).
        let layout = OverlayLayout(zip(files, sets).filter { !leftOutByCheck.contains($0.0) }.map { (file: $0.0, set: $0.1) }, perFolder: perFolder)
        let groups = layout.groups
        var failed = false
        var totals: [Platform: (overlays: Int, translated: Int, needsInput: Int, refused: Int)] = [:]
        for group in groups {
            let groupFiles = Set(group.files)
            let findings = perFolder ? report.findings.filter { groupFiles.contains($0.file) } : report.findings
            for target in targets {
                var directory = targets.count > 1 ? output + "/" + target.rawValue : output
                if !group.name.isEmpty { directory += "/" + group.name }
                let translator = Translator(translations: translations, target: target, from: from, registryMap: map, choices: chosen)
                let plan = translator.plan(findings: findings, resources: group.patchable)
                var writer = OverlayWriter(directory: directory, from: from, to: target)
                writer.leftOut = group.leftOut
                // The choices that matter for this target, with the option each took.
                writer.choices = TranslationSource.choices(in: translations.filter { $0.to == target }).sorted { $0.key < $1.key }.map { name, known in
                    OverlayWriter.Choice(name: name, used: chosen[name] ?? known[0], options: known, chosen: chosen[name] != nil)
                }
                let summary = try writer.write(plan, files: group.usable, json: format == .json)
                if groups.count <= 20 {
                    // Folder names come from the scanned tree: printed safely.
                    try Terminal.write(TerminalText.safe("\(from.rawValue) → \(target.rawValue): \(summary.translated) translated, \(summary.needsInput) need input, \(summary.refused) refused; \(summary.patches) patch(es) in \(directory) (see \(directory)/TRANSLATION.md)\n"))
                }
                var total = totals[target] ?? (0, 0, 0, 0)
                total = (total.overlays + 1, total.translated + summary.translated, total.needsInput + summary.needsInput, total.refused + summary.refused)
                totals[target] = total
                failed = failed || summary.needsInput > 0 || summary.refused > 0
            }
        }
        if groups.count > 20 {
            for target in targets {
                let t = totals[target] ?? (0, 0, 0, 0)
                try Terminal.write(TerminalText.safe("\(from.rawValue) → \(target.rawValue): \(t.overlays) overlays under \(targets.count > 1 ? output + "/" + target.rawValue : output), one per folder: \(t.translated) translated, \(t.needsInput) need input, \(t.refused) refused (each folder's TRANSLATION.md says which)\n"))
            }
        }
        // Files that repeat a resource another file already gave: one overlay cannot hold both.
        let repeated = groups.flatMap(\.leftOut).filter { $0.reason.hasPrefix("repeats ") }.count
        if repeated > 0 && !perFolder {
            Terminal.warn("\(repeated) file(s) repeat a resource another file already gave and were left out of the overlay (listed in TRANSLATION.md); --per-folder writes one overlay per folder and per alternative")
        }
        for error in report.coverage.errors { Terminal.error("\(error.file)\(error.line.map { ":\($0)" } ?? ""): \(error.message)") }
        if !report.coverage.errors.isEmpty { throw ExitCode(ExitStatus.usage) }
        // Like check: 1 when something is left for people (input to fill, constructs to redesign).
        if failed { throw ExitCode(ExitStatus.findings) }
    }
}
