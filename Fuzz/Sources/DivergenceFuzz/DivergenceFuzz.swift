// libFuzzer entry point: each input is one manifest file's bytes. It runs the whole `check`
// pipeline on it (loader, rule engine, unassessed detector, assessor, risk model, workload
// grouping) for a couple of source/target pairs and renders every report format, so a crash
// anywhere between the bytes and the rendered report is found.
//
// Build and run: Scripts/fuzz SECONDS (see the script for the flags).

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
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
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
