import DivergenceManifests
import Foundation

/// Helm charts and Kustomize directories met during a plain scan: their raw files are templates
/// or partial overlays, so the report says how to check what they really render.
enum RenderHints {
    static func hints(for paths: [String]) -> [SkippedInput] {
        var hints: [SkippedInput] = []
        let fm = FileManager.default
        for root in paths where root != "-" {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue,
                  let enumerator = fm.enumerator(atPath: root) else { continue }
            var directories = [""]
            while let item = enumerator.nextObject() as? String {
                if (item as NSString).lastPathComponent.hasPrefix(".") { enumerator.skipDescendants(); continue }
                directories.append(item)
            }
            for relative in directories {
                let directory = relative.isEmpty ? root : root + "/" + relative
                if fm.fileExists(atPath: directory + "/Chart.yaml") {
                    hints.append(SkippedInput(file: directory, reason: "Helm chart: its templates are not checked as written; check the rendered chart with `divergence check --helm \(directory) --to …`"))
                }
                for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] where fm.fileExists(atPath: directory + "/" + name) {
                    hints.append(SkippedInput(file: directory, reason: "Kustomize directory: files are checked as written, without patches; check the built result with `divergence check --kustomize \(directory) --to …`"))
                }
            }
        }
        return hints
    }
}
