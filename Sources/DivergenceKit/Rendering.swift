import DivergenceManifests
import Foundation

/// Manifests that must be rendered before they can be checked.
public enum RenderRequest: Sendable, Hashable {
    /// `helm template CHART -f VALUES…`
    case helm(chart: String, values: [String])
    /// `kustomize build DIR`, or `kubectl kustomize DIR` when kustomize is not installed.
    case kustomize(directory: String)

    public var label: String {
        switch self {
        case .helm(let chart, _): "helm:\(chart)"
        case .kustomize(let directory): "kustomize:\(directory)"
        }
    }
}

/// Runs the renderers and loads their output; findings in Helm output point at the chart's
/// template files through the `# Source:` comments helm writes.
public enum Rendering {
    /// Two minutes: a large chart renders in seconds; past this the renderer is waiting on
    /// something (a remote base, a hung plugin) that a check should not wait for.
    public static let defaultTimeout: Double = 120

    /// Runs the renderer for `request` within `timeout` seconds and at most the loader's file
    /// size of output, and loads what it wrote.
    public static func load(_ request: RenderRequest, with loader: ManifestLoader, timeout: Double = defaultTimeout) -> ManifestSet {
        let limits = (timeout: timeout, maxOutput: loader.maxFileBytes)
        var failed = ManifestSet()
        let output: Executable.Output
        var wrapper: String?
        defer { if let wrapper { try? FileManager.default.removeItem(atPath: wrapper) } }
        do {
            switch request {
            case .helm(let chart, let values):
                guard let helm = Executable.find("helm") else {
                    failed.errors.append(InputError(file: chart, message: "--helm needs the `helm` command, which is not installed (or not on PATH); install Helm, or render yourself: `helm template \(chart) | divergence check - --to …`"))
                    return failed
                }
                output = try Executable.run(helm, ["template", chart] + values.flatMap { ["-f", $0] }, timeout: limits.timeout, maxOutput: limits.maxOutput)
            case .kustomize(let directory):
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                    failed.errors.append(InputError(file: directory, message: "--kustomize needs a directory holding a kustomization.yaml"))
                    return failed
                }
                // Built through a wrapper that asks for origin annotations, so findings point at
                // the base or patch file that wrote each value (`KustomizeOrigins`).
                let built = try KustomizeOrigins.wrapper(for: directory)
                wrapper = built
                if let kustomize = Executable.find("kustomize") {
                    output = try Executable.run(kustomize, ["build", built], timeout: limits.timeout, maxOutput: limits.maxOutput)
                } else if let kubectl = Executable.find("kubectl") {
                    output = try Executable.run(kubectl, ["kustomize", built], timeout: limits.timeout, maxOutput: limits.maxOutput)
                } else {
                    failed.errors.append(InputError(file: directory, message: "--kustomize needs `kustomize` or `kubectl`, and neither is installed (or on PATH); install one, or build yourself: `kustomize build \(directory) | divergence check - --to …`"))
                    return failed
                }
            }
        } catch {
            failed.errors.append(InputError(file: request.label, message: "not rendered: \(error)"))
            return failed
        }
        guard output.status == 0 else {
            var detail = output.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").prefix(5).joined(separator: " / ")
            if let wrapper { detail = detail.replacingOccurrences(of: wrapper + "/", with: "").replacingOccurrences(of: wrapper, with: "") }
            failed.errors.append(InputError(file: request.label, message: "rendering failed (exit \(output.status)): \(detail)"))
            return failed
        }
        var set = loader.load(text: output.stdout, file: request.label)
        if let wrapper { KustomizeOrigins.apply(to: &set, wrapper: wrapper, loader: loader) }
        if case .helm(let chart, _) = request {
            // `# Source: mychart/templates/x.yaml` is relative to the chart's parent directory.
            let url = URL(fileURLWithPath: chart)
            let parent = (chart as NSString).deletingLastPathComponent
            for i in set.resources.indices {
                guard let source = set.resources[i].renderedFrom, source.hasPrefix(url.lastPathComponent + "/") else { continue }
                set.resources[i].renderedFrom = parent.isEmpty ? source : parent + "/" + source
            }
        }
        return set
    }
}
