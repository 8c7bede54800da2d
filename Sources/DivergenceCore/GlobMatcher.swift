/// Matches paths against gitignore-style globs without backtracking: `*` and `?` stay within a
/// segment, `[…]` is a character class (`!` or `^` negates it), `\` escapes, and a `**` segment
/// matches any number of segments. The segment wildcards are matched with the two-pointer method
/// and `**` with one pass per path segment, so a pattern like `**a**a**a**aX` costs at most the
/// product of the two lengths, never an exponential search.
public struct GlobMatcher: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case anyDepth
        case glob([Token])
    }

    enum Token: Sendable, Hashable {
        case byte(UInt8)
        case anyByte
        case anyRun
        case set([ClosedRange<UInt8>], negated: Bool)
    }

    let segments: [Segment]

    /// `pattern` split at `/`; empty segments (a doubled or trailing slash) are dropped.
    public init(_ pattern: String) {
        var segments: [Segment] = []
        for part in pattern.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "**" {
                if segments.last != .anyDepth { segments.append(.anyDepth) }
            } else {
                segments.append(.glob(Self.tokens(Array(part.utf8))))
            }
        }
        self.segments = segments
    }

    static func tokens(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "*"):
                // `**` inside a segment is the same as `*`.
                if tokens.last != .anyRun { tokens.append(.anyRun) }
                i += 1
            case UInt8(ascii: "?"):
                tokens.append(.anyByte)
                i += 1
            case UInt8(ascii: "\\") where i + 1 < bytes.count:
                tokens.append(.byte(bytes[i + 1]))
                i += 2
            case UInt8(ascii: "["):
                if let (set, next) = characterSet(bytes, from: i) {
                    tokens.append(set)
                    i = next
                } else {
                    tokens.append(.byte(b))
                    i += 1
                }
            default:
                tokens.append(.byte(b))
                i += 1
            }
        }
        return tokens
    }

    /// A `[…]` class starting at `start`, and the index after it; `nil` when it is not closed.
    static func characterSet(_ bytes: [UInt8], from start: Int) -> (Token, Int)? {
        var i = start + 1
        var negated = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "!") || bytes[i] == UInt8(ascii: "^") { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt8>] = []
        var first = true
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "]"), !first { return (.set(ranges, negated: negated), i + 1) }
            first = false
            var low = b
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count { i += 1; low = bytes[i] }
            if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "-"), bytes[i + 2] != UInt8(ascii: "]") {
                let high = bytes[i + 2]
                ranges.append(min(low, high)...max(low, high))
                i += 3
            } else {
                ranges.append(low...low)
                i += 1
            }
        }
        return nil
    }

    /// Whether the whole of `path` (segments separated by `/`) matches.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Array($0.utf8) }
        return matches(segments: parts)
    }

    /// Whether the segments match, by a pass over the path per pattern segment: `reachable[j]`
    /// says the pattern so far can end just before path segment `j`.
    public func matches(segments path: [[UInt8]]) -> Bool {
        var reachable = [Bool](repeating: false, count: path.count + 1)
        reachable[0] = true
        for segment in segments {
            var next = [Bool](repeating: false, count: path.count + 1)
            switch segment {
            case .anyDepth:
                var any = false
                for j in 0...path.count {
                    any = any || reachable[j]
                    next[j] = any
                }
            case .glob(let tokens):
                for j in 0..<path.count where reachable[j] && Self.matches(tokens, path[j]) {
                    next[j + 1] = true
                }
            }
            reachable = next
        }
        return reachable[path.count]
    }

    /// One segment against one glob: the two-pointer method, which backs up only to the last
    /// `*` and so runs in at most the product of the two lengths.
    static func matches(_ tokens: [Token], _ text: [UInt8]) -> Bool {
        var t = 0, s = 0
        var star = -1, mark = 0
        while s < text.count {
            if t < tokens.count, tokens[t] != .anyRun, accepts(tokens[t], text[s]) {
                t += 1; s += 1
            } else if t < tokens.count, tokens[t] == .anyRun {
                star = t; mark = s; t += 1
            } else if star >= 0 {
                t = star + 1; mark += 1; s = mark
            } else {
                return false
            }
        }
        while t < tokens.count, tokens[t] == .anyRun { t += 1 }
        return t == tokens.count
    }

    static func accepts(_ token: Token, _ byte: UInt8) -> Bool {
        switch token {
        case .byte(let b): return b == byte
        case .anyByte: return byte != UInt8(ascii: "/")
        case .anyRun: return true
        case .set(let ranges, let negated): return ranges.contains { $0.contains(byte) } != negated
        }
    }
}
