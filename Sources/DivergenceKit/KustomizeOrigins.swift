import DivergenceCore
import DivergenceManifests
import Foundation
import Yams

/// Points findings in a Kustomize build at the files a user edits. The build runs through a
/// wrapper kustomization (in a temporary folder, never in the user's tree) that asks Kustomize
/// to annotate every resource with its origin file (`config.kubernetes.io/origin`) and with the
/// kustomizations whose transformers changed it (`alpha.config.kubernetes.io/transformations`).
/// Each node of a built resource is then looked up at the same path in its origin file, and else
/// in the patches those kustomizations apply: the first file that writes the node is where the
/// finding lands, with its line.
enum KustomizeOrigins {
    static let originAnnotation = "config.kubernetes.io/origin"
    static let transformationsAnnotation = "alpha.config.kubernetes.io/transformations"

    /// A temporary folder holding a kustomization that builds `directory` with origin and
    /// transformer annotations; the caller removes it.
    static func wrapper(for directory: String) throws -> String {
        let target = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let wrapper = NSTemporaryDirectory() + "divergence-kustomize-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: wrapper, withIntermediateDirectories: true)
        let resolved = URL(fileURLWithPath: wrapper).resolvingSymlinksInPath().path
        // Kustomize refuses an absolute path as a base: the target is named relative to the wrapper.
        let relative = relativePath(from: resolved, to: target)
        let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- \"\(relative)\"\nbuildMetadata: [originAnnotations, transformerAnnotations]\n"
        try text.write(toFile: wrapper + "/kustomization.yaml", atomically: true, encoding: .utf8)
        return resolved
    }

    static func relativePath(from base: String, to target: String) -> String {
        let a = base.split(separator: "/"), b = target.split(separator: "/")
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let up = Array(repeating: "..", count: a.count - common)
        let rest = b[common...].map(String.init)
        return (up + rest).joined(separator: "/")
    }

    /// Maps the lines of every resource of a build made through `wrapper` to the file and line
    /// that wrote them. Files are shown relative to the working directory when under it.
    static func apply(to set: inout ManifestSet, wrapper: String, loader: ManifestLoader) {
        var files: [String: [LocatedResource]] = [:]
        func resources(in path: String) -> [LocatedResource] {
            if let cached = files[path] { return cached }
            var plain = loader
            plain.literalScanner = nil
            let loaded = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { plain.load(data: $0, file: path).resources } ?? []
            files[path] = loaded
            return loaded
        }
        let cwd = FileManager.default.currentDirectoryPath
        func shown(_ path: String) -> String {
            path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
        }
        for i in set.resources.indices {
            let resource = set.resources[i]
            let annotations = resource.root["metadata"]?["annotations"]
            guard let origin = annotations?[originAnnotation]?.scalar, let relative = Self.value(of: "path", in: origin) else { continue }
            let originFile = URL(fileURLWithPath: wrapper + "/" + relative).standardizedFileURL.path
            // Patch files named by the kustomizations that transformed this resource.
            var patchFiles: [String] = []
            if let transformations = annotations?[transformationsAnnotation]?.scalar {
                for line in transformations.split(separator: "\n") {
                    guard let configured = Self.value(of: "configuredIn", in: String(line).replacingOccurrences(of: "- ", with: "")) else { continue }
                    let kustomization = URL(fileURLWithPath: wrapper + "/" + configured).standardizedFileURL.path
                    for patch in Self.patchFiles(of: kustomization, loader: loader) where !patchFiles.contains(patch) { patchFiles.append(patch) }
                }
            }
            let sources: [(file: String, resource: LocatedResource)] = ([originFile] + patchFiles).compactMap { file in
                Self.counterpart(of: resource, in: resources(in: file)).map { (file, $0) }
            }
            var lines: [Int: SourceLine] = [:]
            func visit(_ node: ManifestNode, path: [Step], keyLine: Int?) {
                // Later sources (patches) win over the origin for a value they write.
                for source in sources.reversed() {
                    guard let found = Self.node(at: path, in: source.resource.root) else { continue }
                    if let value = node.scalar, let theirs = found.node.scalar, value != theirs { continue }
                    lines[node.location.line] = SourceLine(file: shown(source.file), line: found.node.location.line)
                    if let keyLine, let theirKey = found.keyLine { lines[keyLine] = SourceLine(file: shown(source.file), line: theirKey) }
                    break
                }
                switch node.value {
                case .scalar: break
                case .mapping(let entries):
                    for entry in entries { visit(entry.value, path: path + [.key(entry.key)], keyLine: entry.keyLocation.line) }
                case .sequence(let items):
                    for (index, item) in items.enumerated() { visit(item, path: path + [.item(index, name: item["name"]?.scalar)], keyLine: nil) }
                }
            }
            visit(resource.root, path: [], keyLine: nil)
            let fallback = sources.first.map { SourceLine(file: shown($0.file), line: $0.resource.kindLocation.line) }
                ?? SourceLine(file: shown(originFile), line: 1)
            set.resources[i].renderedFrom = nil
            set.resources[i].sourceLines = SourceLines(lines: lines, fallback: fallback)
        }
    }

    /// `key: value` from a small annotation text such as `path: base/deploy.yaml`.
    static func value(of key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(key + ":") {
                return trimmed.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
        }
        return nil
    }

    /// The patch files a kustomization applies (`patches[].path`, `patchesStrategicMerge`,
    /// `patchesJson6902[].path`), as absolute paths.
    static func patchFiles(of kustomization: String, loader: ManifestLoader) -> [String] {
        let directory = (kustomization as NSString).deletingLastPathComponent
        // A kustomization often has no apiVersion/kind, so it is read as plain YAML, within
        // the configuration size bound (it is the user's file, but of an untrusted tree).
        guard let text = try? String(contentsOfFile: kustomization, encoding: .utf8), text.utf8.count <= 1 << 20,
              let root = (try? Yams.load(yaml: text)) as? [String: Any] else { return [] }
        var paths: [String] = []
        for key in ["patches", "patchesJson6902"] {
            for item in root[key] as? [Any] ?? [] { if let path = (item as? [String: Any])?["path"] as? String { paths.append(path) } }
        }
        for item in root["patchesStrategicMerge"] as? [Any] ?? [] { if let path = item as? String, !path.contains("\n") { paths.append(path) } }
        return paths.map { URL(fileURLWithPath: directory + "/" + $0).standardizedFileURL.path }
    }

    /// The resource of `candidates` that `built` came from: same kind and name, else the only
    /// one of its kind (a name prefix or suffix may have changed the name).
    static func counterpart(of built: LocatedResource, in candidates: [LocatedResource]) -> LocatedResource? {
        let sameKind = candidates.filter { $0.ref.kind == built.ref.kind }
        if let exact = sameKind.first(where: { $0.ref.name == built.ref.name }) { return exact }
        // A namePrefix or nameSuffix changed the name: the longest source name the built one
        // starts or ends with (`web` must not take `web-api`'s place).
        let affixed = sameKind.filter { built.ref.name.hasSuffix($0.ref.name) || built.ref.name.hasPrefix($0.ref.name) }
        return affixed.max { $0.ref.name.count < $1.ref.name.count } ?? (sameKind.count == 1 ? sameKind[0] : nil)
    }

    /// A step of a path through a built resource: a list item carries its `name`, if any.
    enum Step {
        case key(String)
        case item(Int, name: String?)
    }

    /// The node at `path`, list items matched by `name` when they have one (a strategic merge
    /// patch lists only the containers it changes), else by position.
    static func node(at path: [Step], in root: ManifestNode) -> (node: ManifestNode, keyLine: Int?)? {
        var node = root
        var keyLine: Int?
        for step in path {
            switch step {
            case .key(let key):
                guard let entry = node.entry(key) else { return nil }
                node = entry.value
                keyLine = entry.keyLocation.line
            case .item(let index, let name):
                guard let items = node.items else { return nil }
                keyLine = nil
                if let name {
                    guard let match = items.first(where: { $0["name"]?.scalar == name }) else { return nil }
                    node = match
                } else {
                    guard items.indices.contains(index) else { return nil }
                    node = items[index]
                }
            }
        }
        return (node, keyLine)
    }
}
