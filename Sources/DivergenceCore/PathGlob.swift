import Foundation

/// A path glob as in `.gitignore` and most CI tools: `*` matches within one path segment, `**`
/// across segments, `?` one character. A pattern without `/` matches the last segment at any
/// depth; a leading `./` on either side is ignored.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let regex: NSRegularExpressionBox

    public init(_ pattern: String) throws {
        self.pattern = pattern
        var body = ""
        var p = Substring(pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern)
        let anchoredToSegment = !p.contains("/")
        if p.hasPrefix("/") { p = p.dropFirst() }
        var i = p.startIndex
        while i < p.endIndex {
            let c = p[i]
            if c == "*" {
                let next = p.index(after: i)
                if next < p.endIndex, p[next] == "*" {
                    let afterStars = p.index(after: next)
                    if afterStars < p.endIndex, p[afterStars] == "/" {
                        body += "(?:.*/)?"
                        i = p.index(after: afterStars)
                    } else {
                        body += ".*"
                        i = afterStars
                    }
                    continue
                }
                body += "[^/]*"
            } else if c == "?" {
                body += "[^/]"
            } else {
                body += NSRegularExpression.escapedPattern(for: String(c))
            }
            i = p.index(after: i)
        }
        // A directory pattern (`vendor/`) matches everything under it.
        if body.hasSuffix("/") { body += ".*" }
        let full = anchoredToSegment ? "^(?:.*/)?" + body + "(?:/.*)?$" : "^" + body + "(?:/.*)?$"
        regex = NSRegularExpressionBox(try NSRegularExpression(pattern: full))
    }

    public func matches(_ path: String) -> Bool {
        let p = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return regex.value.firstMatch(in: p, range: NSRange(p.startIndex..., in: p)) != nil
    }

    public var description: String { pattern }

    public static func == (a: PathGlob, b: PathGlob) -> Bool { a.pattern == b.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}

/// The regular-expression source of a simple glob where `*` is the only wildcard, as used for
/// API groups, key prefixes and resource selectors (not paths: see `PathGlob`).
public enum StarGlob {
    /// `star` is what `*` may match, e.g. `.*` or `[^/]*`; `anchorEnd` adds `$`.
    public static func regex(_ glob: String, star: String = ".*", anchorEnd: Bool = true) -> String {
        "^" + glob.split(separator: "*", omittingEmptySubsequences: false)
            .map { NSRegularExpression.escapedPattern(for: String($0)) }
            .joined(separator: star) + (anchorEnd ? "$" : "")
    }
}

/// NSRegularExpression is immutable and thread-safe once made.
struct NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
