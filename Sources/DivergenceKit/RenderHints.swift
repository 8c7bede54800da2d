import DivergenceManifests
import Foundation

/// Helm charts and Kustomize directories met during a plain scan: their raw files are templates
/// or partial overlays, so the report says how to check what they really render.
enum RenderHints {
    /// Hints for the directories of `files`, the list the loader already walked: a chart has its
    /// `Chart.yaml` there and an overlay its `kustomization.yaml`, so only the extension-less
    /// `Kustomization` needs a look on disk, once per directory (not once per file).
    static func hints(forFiles files: [String]) -> [SkippedInput] {
        var hints: [SkippedInput] = []
        var seen = Set<String>()
        let listed = Set(files)
        let fm = FileManager.default
        for file in files where file != "-" {
            let directory = (file as NSString).deletingLastPathComponent
            guard seen.insert(directory).inserted else { continue }
            let shown = directory.isEmpty ? "." : directory
            if listed.contains(join(directory, "Chart.yaml")) {
                hints.append(SkippedInput(file: shown, reason: "Helm chart: its templates are not checked as written; check the rendered chart with `divergence check --helm \(shown) --to …`"))
            }
            let kustomization = ["kustomization.yaml", "kustomization.yml"].contains { listed.contains(join(directory, $0)) }
                || fm.fileExists(atPath: join(directory, "Kustomization"))
            if kustomization {
                hints.append(SkippedInput(file: shown, reason: "Kustomize directory: files are checked as written, without patches; check the built result with `divergence check --kustomize \(shown) --to …`"))
            }
        }
        return hints
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory + "/" + name
    }
}
