import DivergenceCore
import DivergenceManifests
import Foundation

/// Which scanned files go into which overlay, and which of their resources can be patched.
public struct OverlayLayout: Sendable {
    /// One overlay: its folder name under `--output` (empty for the single overlay), the files it
    /// was made from, those it loads, those left out with why, and the resources a patch can
    /// target without also hitting another.
    public struct Group: Sendable {
        public var name: String
        public var files: [String]
        public var usable: [String]
        public var leftOut: [(file: String, reason: String)]
        public var patchable: [LocatedResource]
    }

    public var groups: [Group]

    /// `sets` are the scanned files as loaded (files without resources are skipped). With
    /// `perFolder`, one overlay per folder, named by the folder's path under the deepest folder
    /// the inputs share, and one per file that repeats a resource of its folder (an alternative:
    /// one model size, one variant of a sample).
    public init(_ sets: [(file: String, set: ManifestSet)], perFolder: Bool) {
        let files = sets.filter { !$0.set.resources.isEmpty }
        guard perFolder else {
            groups = [Self.group(name: "", files)]
            return
        }
        let folderOf = { (file: String) in (file as NSString).deletingLastPathComponent }
        var byFolder: [String: [(file: String, set: ManifestSet)]] = [:]
        var order: [String] = []
        for entry in files {
            if byFolder[folderOf(entry.file)] == nil { order.append(folderOf(entry.file)) }
            byFolder[folderOf(entry.file), default: []].append(entry)
        }
        let root = Self.commonFolder(order)
        var names = Set<String>()
        var groups: [Group] = []
        for folder in order {
            // Flattened names can meet (`a/b` and a folder named `a__b`): the later one is set apart.
            var name = Self.relativeFolder(folder, under: root)
            while names.contains(name) { name += "_" }
            let members = byFolder[folder]!
            let repeats = Set(Self.overlayFiles(members).leftOut.filter { $0.reason.hasPrefix("repeats ") }.map(\.file))
            groups.append(Self.group(name: name, members.filter { !repeats.contains($0.file) }))
            names.insert(name)
            for entry in members where repeats.contains(entry.file) {
                var own = name + "__" + ((entry.file as NSString).lastPathComponent as NSString).deletingPathExtension
                while names.contains(own) { own += "_" }
                names.insert(own)
                groups.append(Self.group(name: own, [entry]))
            }
        }
        self.groups = groups
    }

    static func group(name: String, _ files: [(file: String, set: ManifestSet)]) -> Group {
        let (usable, leftOut) = overlayFiles(files)
        let included = Set(usable)
        // A patch target without a namespace matches that kind and name in every namespace: a
        // resource that shares its kind and name with another is not patched (its findings say so).
        let resources = files.flatMap(\.set.resources).filter { included.contains($0.file) }
        var names: [String: Int] = [:]
        for r in resources { names["\(r.ref.group)/\(r.ref.kind)/\(r.ref.name)", default: 0] += 1 }
        let patchable = resources.filter { $0.ref.namespace != nil || names["\($0.ref.group)/\($0.ref.kind)/\($0.ref.name)", default: 0] == 1 }
        return Group(name: name, files: files.map(\.file), usable: usable, leftOut: leftOut, patchable: patchable)
    }

    /// The files of one overlay, and those left out with why. Only files whose every document is
    /// a plain resource go in: a kustomization or a file that failed to load would break the
    /// build. Kustomize refuses two resources with one identity (no namespace counts as
    /// `default`), so a file that repeats one already taken (a variant of an example, a copy for
    /// another environment) is left out and named.
    static func overlayFiles(_ files: [(file: String, set: ManifestSet)]) -> (usable: [String], leftOut: [(file: String, reason: String)]) {
        var usable: [String] = []
        var leftOut: [(file: String, reason: String)] = []
        var seen: [String: String] = [:]
        for (file, set) in files {
            if !set.errors.isEmpty { leftOut.append((file, "could not be read as manifests")); continue }
            if set.resources.contains(where: { $0.ref.group == "kustomize.config.k8s.io" }) { leftOut.append((file, "a Kustomize file, not a resource")); continue }
            if set.resources.contains(where: { $0.root["metadata"]?["name"]?.scalar?.isEmpty ?? true }) {
                leftOut.append((file, "a resource without metadata.name (generateName), which Kustomize cannot load")); continue
            }
            let ids = set.resources.map { "\($0.ref.group)/\($0.ref.kind)/\($0.ref.namespace ?? "default")/\($0.ref.name)" }
            if let repeated = ids.first(where: { seen[$0] != nil }) {
                leftOut.append((file, "repeats \(repeated.split(separator: "/").suffix(2).joined(separator: "/")) already taken from \(seen[repeated]!); translate it on its own (or with --per-folder)"))
                continue
            }
            if Set(ids).count < ids.count { leftOut.append((file, "defines one resource twice")); continue }
            for id in ids { seen[id] = file }
            usable.append(file)
        }
        return (usable, leftOut)
    }

    /// The deepest folder every one of `folders` is in.
    static func commonFolder(_ folders: [String]) -> String {
        guard var common = folders.first?.split(separator: "/", omittingEmptySubsequences: false) else { return "" }
        for folder in folders.dropFirst() {
            let parts = folder.split(separator: "/", omittingEmptySubsequences: false)
            var n = 0
            while n < min(common.count, parts.count), common[n] == parts[n] { n += 1 }
            common = Array(common.prefix(n))
        }
        return common.joined(separator: "/")
    }

    /// `folder`'s path under `root` as one overlay folder's name, its parts joined with `__`:
    /// flat, so no overlay lies inside another's `source/` or `patches/`; never climbing out,
    /// never empty (the root's own files make `_root`).
    static func relativeFolder(_ folder: String, under root: String) -> String {
        let rest = folder == root ? "" : String(folder.dropFirst(root.isEmpty ? 0 : root.count + 1))
        let parts = rest.split(separator: "/").filter { $0 != ".." && $0 != "." }
        return parts.isEmpty ? "_root" : parts.joined(separator: "__")
    }
}
