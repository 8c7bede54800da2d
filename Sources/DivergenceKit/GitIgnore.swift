import DivergenceCore
import Foundation

/// The files of a scan that the work tree's `.gitignore` files leave out, read natively: a
/// scanned repository decides nothing about what runs (its `.git/config` could name commands for
/// git to start, such as `core.fsmonitor`), so no git is started. Outside a work tree (no `.git`
/// above the file) nothing is ignored.
///
/// Rules as git applies them: `.git/info/exclude`, then each directory's `.gitignore` from the
/// work tree's root down, the last matching pattern deciding; `!` re-includes, a trailing `/`
/// matches directories only, a pattern with a `/` before its end is anchored to its file's
/// directory, and a file under an ignored directory stays ignored. The user's global excludes
/// file is not read (it belongs to the machine, not the repository).
enum GitIgnore {
    /// Files larger than this are not read as ignore files, and no more rules than this are kept
    /// from one file: a hostile repository bounds nothing else here.
    static let maxFileBytes = 1 << 20
    static let maxRules = 10_000

    struct Rule {
        var base: [String]
        var matcher: GlobMatcher
        var negated: Bool
        var directoryOnly: Bool
    }

    static func ignoredFiles(_ files: [String]) -> Set<String> {
        var cache = Cache()
        var ignored = Set<String>()
        for file in files where file != "-" {
            let absolute = URL(fileURLWithPath: file).standardized.path
            if cache.isIgnored(absolute) { ignored.insert(file) }
        }
        return ignored
    }

    /// Work-tree roots and rules, found once per directory.
    struct Cache {
        private var roots: [String: String?] = [:]
        private var rules: [String: [Rule]] = [:]

        mutating func isIgnored(_ path: String) -> Bool {
            let directory = (path as NSString).deletingLastPathComponent
            guard let root = root(of: directory) else { return false }
            let relative = path.dropFirst(root.count).split(separator: "/").map(String.init)
            guard !relative.isEmpty else { return false }
            // A file under an ignored directory stays ignored, whatever later rules say.
            var current = root
            for depth in 0..<relative.count {
                let isDirectory = depth < relative.count - 1
                let rulesHere = rules(for: current, root: root)
                if decide(Array(relative[...depth]), isDirectory: isDirectory, rules: rulesHere) {
                    return true
                }
                current += "/" + relative[depth]
            }
            return false
        }

        private func decide(_ path: [String], isDirectory: Bool, rules: [Rule]) -> Bool {
            var ignored = false
            for rule in rules {
                if rule.directoryOnly && !isDirectory { continue }
                guard path.count > rule.base.count, Array(path[..<rule.base.count]) == rule.base else { continue }
                let below = path[rule.base.count...].map { Array($0.utf8) }
                if rule.matcher.matches(segments: below) { ignored = !rule.negated }
            }
            return ignored
        }

        private mutating func root(of directory: String) -> String? {
            if let known = roots[directory] { return known }
            var found: String?
            if FileManager.default.fileExists(atPath: directory + "/.git") {
                found = directory
            } else {
                let parent = (directory as NSString).deletingLastPathComponent
                if parent != directory, !parent.isEmpty { found = root(of: parent) }
            }
            roots[directory] = found
            return found
        }

        /// The rules in force for entries of `directory`: its parents' and its own, in order.
        private mutating func rules(for directory: String, root: String) -> [Rule] {
            if let known = rules[directory] { return known }
            var result: [Rule]
            let base = directory == root ? [] : directory.dropFirst(root.count).split(separator: "/").map(String.init)
            if directory == root {
                result = GitIgnore.rules(in: root + "/.git/info/exclude", base: [])
            } else {
                result = rules(for: (directory as NSString).deletingLastPathComponent, root: root)
            }
            result += GitIgnore.rules(in: directory + "/.gitignore", base: base)
            rules[directory] = result
            return result
        }
    }

    /// The rules of one ignore file, relative to `base` (its directory within the work tree).
    static func rules(in file: String, base: [String]) -> [Rule] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
              (attributes[.type] as? FileAttributeType) == .typeRegular,
              let size = attributes[.size] as? Int, size <= maxFileBytes,
              let data = FileManager.default.contents(atPath: file) else { return [] }
        var rules: [Rule] = []
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            guard rules.count < maxRules, let rule = parse(Substring(raw), base: base) else { continue }
            rules.append(rule)
        }
        return rules
    }

    /// One line of an ignore file, or `nil` for a blank line or a comment.
    static func parse(_ raw: Substring, base: [String]) -> Rule? {
        var line = raw.hasSuffix("\r") ? raw.dropLast() : raw
        // Trailing spaces are dropped unless escaped with a backslash.
        while line.hasSuffix(" "), !line.hasSuffix("\\ ") { line = line.dropLast() }
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
        var negated = false
        if line.hasPrefix("!") { negated = true; line = line.dropFirst() } else if line.hasPrefix("\\!") || line.hasPrefix("\\#") { line = line.dropFirst() }
        var directoryOnly = false
        if line.hasSuffix("/") { directoryOnly = true; line = line.dropLast() }
        guard !line.isEmpty else { return nil }
        // A slash at the start or in the middle anchors the pattern to the file's directory;
        // otherwise it matches a name at any depth below it.
        let anchored = line.contains("/")
        if line.hasPrefix("/") { line = line.dropFirst() }
        return Rule(base: base, matcher: GlobMatcher((anchored ? "" : "**/") + line), negated: negated, directoryOnly: directoryOnly)
    }
}
