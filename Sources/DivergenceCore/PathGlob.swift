import Foundation

/// A path glob as in `.gitignore` and most CI tools: `*` matches within one path segment, `**`
/// across segments, `?` one character. A pattern without `/` matches the last segment at any
/// depth; a leading `./` on either side is ignored. A match of a directory covers everything
/// under it. Matched without backtracking (`GlobMatcher`): a hostile `**a**a**aX` costs at most
/// the product of pattern and path lengths.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let matcher: GlobMatcher

    public init(_ pattern: String) throws {
        self.pattern = pattern
        var p = Substring(pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern)
        let anchored = p.dropLast(p.hasSuffix("/") ? 1 : 0).contains("/")
        if p.hasPrefix("/") { p = p.dropFirst() }
        // Unanchored: at any depth; either way, everything under a matching directory.
        matcher = GlobMatcher((anchored ? "" : "**/") + p + "/**")
    }

    public func matches(_ path: String) -> Bool {
        matcher.matches(path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
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
