// libFuzzer entry point. `DIVERGENCE_FUZZ_TARGET` picks what an input is:
//
// - `manifest` (default): one manifest file's bytes. The whole `check` pipeline runs on it
//   (loader, rule engine, unassessed detector, assessor, risk model, workload grouping) for a
//   couple of source/target pairs and every report format is rendered.
// - `config`: a `.divergence.yaml`, read as `check` reads it (every accepted value is then used
//   to build the options of a run).
// - `baseline`: a `--baseline` file, loaded and applied to a report.
// - `catalogue`: one file of a team catalogue; the first byte says where it goes (a points file,
//   a rules file or the unassessed prefixes), the rest is its text. The catalogue is read,
//   validated, compiled to SQLite, reopened and documented, as `db validate` and `--catalogue`
//   do with a team's directory.
//
// A crash anywhere between the bytes and the output is found; errors are expected answers.
// Build and run: Scripts/fuzz SECONDS (see the script for the flags).

import DivergenceCatalogue
import DivergenceCore
import DivergenceKit
import DivergenceManifests
import DivergenceReports
import Foundation

/// The built-in catalogue (`Data/` of this repository), compiled once per process into a
/// cache under /tmp so the fuzzer never touches the user's ~/.cache.
private let checkRun: CheckRun = {
    let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Sources/DivergenceFuzz
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // Fuzz
        .deletingLastPathComponent()  // repository root
    let data = repository.appendingPathComponent("Data").path
    let cache = NSTemporaryDirectory() + "divergence-fuzz-cache"
    try? FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
    do {
        let catalogue = try Catalogue.load(dataDirectories: [data], cacheDirectory: cache)
        let run = try CheckRun(catalogue: catalogue)
        // Decode everything now, on this thread (the SQLite connection is single-threaded).
        _ = catalogue.points; _ = catalogue.rules; _ = catalogue.prefixes; _ = catalogue.info
        return run
    } catch {
        fatalError("fuzz setup: cannot load the catalogue from \(data): \(error)")
    }
}()

/// Source/target pairs each input is assessed for: the source inferred (so a target may be the
/// inferred source, as `check --to aws,azure` allows), and a given source with two targets.
private let runs: [CheckOptions] = [
    CheckOptions(paths: [], from: nil, to: [.aws, .azure, .gcp, .local]),
    CheckOptions(paths: [], from: .aws, to: [.gcp, .azure]),
]

private let renderers: [any ReportRenderer] = [
    TextReportRenderer(color: false, width: 100),
    TextReportRenderer(color: true, width: 60),
    JSONReportRenderer(),
    MarkdownReportRenderer(),
    SARIFReportRenderer(),
    HTMLReportRenderer(),
]

// SwiftPM links every executable with `--defsym main=<Module>_main` (so tests can link it with
// its entry point renamed); under `-parse-as-library` the compiler emits no such function, so the
// link fails with an undefined `DivergenceFuzz_main`. Define it here and hand over to libFuzzer's
// driver, which is what libFuzzer's own `main` does. (libFuzzer's `main` is then never linked.)
// `@_silgen_name` declares the C function with Swift's calling convention, which for pointer
// arguments and an Int32 result passes them in the same registers as C on x86_64 and arm64.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("DivergenceFuzz_main")
public func fuzzMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    _ = checkRun  // load the catalogue before the first input, outside any input's time and leak check
    _ = sampleReport
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}

/// What an input is, from `DIVERGENCE_FUZZ_TARGET`.
private let target = ProcessInfo.processInfo.environment["DIVERGENCE_FUZZ_TARGET"] ?? "manifest"

/// A private scratch directory for readers that take a file name (config, baseline, catalogue).
private let scratch: String = {
    let path = NSTemporaryDirectory() + "divergence-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// One small report to apply baselines to: the shipped AWS example assessed for Azure.
private let sampleReport: (CheckReport, ManifestSet) = {
    let run = checkRun
    let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/aws/shop.yaml")
    let manifests = run.loader.load(data: (try? Data(contentsOf: example)) ?? Data(), file: "Examples/aws/shop.yaml")
    return (run.assess(manifests, options: CheckOptions(paths: [], from: .aws, to: [.azure])), manifests)
}()

private func write(_ data: Data, to path: String) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: data) else { fatalError("fuzz: cannot write \(path)") }
}

private func fuzzConfiguration(_ bytes: Data) {
    let file = scratch + "/.divergence.yaml"
    write(bytes, to: file)
    guard let configuration = try? Configuration.load(file: file) else { return }
    // What was accepted must be usable: build a run's options from it and apply its ignores.
    var options = CheckOptions(paths: [], from: configuration.from, to: configuration.to.isEmpty ? [.azure] : configuration.to)
    options.exclude = configuration.exclude
    options.ignore = configuration.ignore
    let report = checkRun.assess(sampleReport.1, options: options)
    _ = try? JSONReportRenderer().render(report)
    _ = configuration.exclude.map { $0.matches("Examples/aws/shop.yaml") }
}

private func fuzzBaseline(_ bytes: Data) {
    let file = scratch + "/baseline.json"
    write(bytes, to: file)
    guard let baseline = try? Baseline.load(file: file) else { return }
    var options = CheckOptions(paths: [], from: .aws, to: [.azure])
    options.baseline = baseline
    let report = checkRun.assess(sampleReport.1, options: options)
    _ = try? TextReportRenderer(color: false, width: 80).render(report)
    _ = try? SARIFReportRenderer().render(report)
}

private func fuzzCatalogue(_ bytes: Data) {
    let root = scratch + "/team"
    try? FileManager.default.removeItem(atPath: root)
    let places = ["catalogue/team/points.yaml", "rules/team/rules.yaml", "unassessed.yaml"]
    let place = places[Int(bytes.first ?? 0) % places.count]
    write(bytes.dropFirst(), to: root + "/" + place)
    let source = CatalogueSource.read(directories: [root])
    let issues = CatalogueValidator.validate(source)
    _ = issues.map(\.description)
    guard !source.points.isEmpty || !source.rules.isEmpty else { return }
    _ = CatalogueDocument.render(points: source.points, rules: source.rules)
    let database = scratch + "/team.sqlite"
    do {
        try CatalogueStore.build(source, at: database)
        let catalogue = try Catalogue.open(file: database)
        _ = catalogue.points; _ = catalogue.rules; _ = catalogue.prefixes
        if issues.isEmpty, let run = try? CheckRun(catalogue: catalogue) {
            _ = run.assess(sampleReport.1, options: CheckOptions(paths: [], from: nil, to: [.aws, .azure, .gcp]))
        }
    } catch {
        // A catalogue the validator passed must compile; one it refused may fail with an error.
        if issues.isEmpty { fatalError("a catalogue that passed validation did not compile: \(error)") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    switch target {
    case "config": fuzzConfiguration(Data(bytes: data, count: size)); return 0
    case "baseline": fuzzBaseline(Data(bytes: data, count: size)); return 0
    case "catalogue": fuzzCatalogue(Data(bytes: data, count: size)); return 0
    default: break
    }
    let run = checkRun
    let bytes = Data(bytes: data, count: size)
    // The run's own loader: it carries the engine's literal scanner, fed as documents are parsed.
    let manifests = run.loader.load(data: bytes, file: "fuzz/input.yaml")
    for options in runs {
        let report = run.assess(manifests, options: options)
        for renderer in renderers {
            do {
                _ = try renderer.render(report)
            } catch {
                // A renderer that throws on a report the pipeline produced is a bug too.
                fatalError("\(type(of: renderer)) failed: \(error)")
            }
        }
    }
    return 0
}
