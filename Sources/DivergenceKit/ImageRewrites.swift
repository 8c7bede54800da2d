import DivergenceCore
import Foundation

/// The `images:` of the Kustomizations in a scan: an image a kustomization rewrites is deployed
/// as what it becomes (`newName`), so the container's written reference is not the binding. The
/// new reference is judged where it is written, on the Kustomization's `images` entry.
public struct ImageRewrites: Sendable {
    /// One `images:` entry that changes the registry or repository.
    struct Rewrite: Sendable, Hashable {
        /// The directory of the kustomization file: it applies to the files below it and to the
        /// directories its `resources:` name.
        var scope: [String]
        /// The image name the entry matches (Kustomize compares the name without tag or digest).
        var name: String
    }

    var rewrites: [Rewrite] = []

    public init() {}

    /// The rewrites of `resource` if it is a Kustomization with `images:` entries that set `newName`.
    mutating func add(_ resource: LocatedResource) {
        guard resource.ref.kind == "Kustomization", resource.ref.group == "kustomize.config.k8s.io",
              let images = resource.root["images"]?.items, resource.file != "-" else { return }
        let directory = (resource.file as NSString).deletingLastPathComponent
        var scope = [Self.normalised(directory)]
        for entry in resource.root["resources"]?.items ?? [] {
            // A resource that is a directory (a base) is in scope; a remote URL is not on disk.
            guard let path = entry.scalar, !path.contains("://") else { continue }
            scope.append(Self.normalised((directory as NSString).appendingPathComponent(path)))
        }
        for image in images {
            guard let name = image["name"]?.scalar, image["newName"]?.scalar != nil else { continue }
            rewrites.append(Rewrite(scope: scope, name: name))
        }
    }

    mutating func append(_ other: ImageRewrites) { rewrites += other.rewrites }

    /// Whether a finding on a container image is about a reference some kustomization rewrites.
    func rewrites(_ finding: Finding) -> Bool {
        guard !rewrites.isEmpty, finding.path.hasSuffix(".image"), finding.file != "-" else { return false }
        let name = Self.imageName(finding.evidence)
        let file = Self.normalised(finding.file)
        return rewrites.contains { rewrite in
            rewrite.name == name && rewrite.scope.contains { file == $0 || file.hasPrefix($0 + "/") }
        }
    }

    /// `registry/repo:tag@sha256:…` → `registry/repo`: a tag is after the last `/`, a digest after `@`.
    static func imageName(_ reference: String) -> String {
        var name = Substring(reference)
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = name[..<colon] }
        return String(name)
    }

    static func normalised(_ path: String) -> String {
        let standard = (path as NSString).standardizingPath
        return standard.isEmpty ? "." : standard
    }
}
