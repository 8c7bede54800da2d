import Foundation

/// The catalogue YAML files under a directory, found by a bounded walk: a team catalogue comes
/// from configuration that a scanned repository may hold, and `catalogues: [/proc]` must not walk
/// forever. Hidden entries are skipped; only regular files count; depth and the number of entries
/// looked at are capped, and the walk says when it stopped early.
public enum CatalogueFiles {
    public static let maxDepth = 8
    public static let maxEntries = 20_000
    public static let maxFileBytes = 4 << 20

    public struct Entry: Sendable {
        public var relative: String
        public var size: Int
        public var modified: String
    }

    /// The files, sorted by relative path, and whether the walk stopped at a bound.
    public static func yamlFiles(under directory: String) -> (files: [Entry], truncated: Bool) {
        var files: [Entry] = []
        var seen = 0
        var truncated = false
        walk(directory, relative: "", depth: 0, seen: &seen, truncated: &truncated, into: &files)
        return (files.sorted { $0.relative < $1.relative }, truncated)
    }

    private static func walk(_ directory: String, relative: String, depth: Int, seen: inout Int, truncated: inout Bool, into files: inout [Entry]) {
        guard depth <= maxDepth else { truncated = true; return }
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            seen += 1
            if seen > maxEntries { truncated = true; return }
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name.hasPrefix(".") { continue }
            let path = directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            let child = relative.isEmpty ? name : relative + "/" + name
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, relative: child, depth: depth + 1, seen: &seen, truncated: &truncated, into: &files)
            case S_IFREG where name.hasSuffix(".yaml") || name.hasSuffix(".yml"):
                files.append(Entry(relative: child, size: Int(info.st_size), modified: "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"))
            default:
                continue  // FIFOs, devices and sockets are never read
            }
        }
    }
}
