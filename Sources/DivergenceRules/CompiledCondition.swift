import DivergenceCore
import Foundation

/// A regular expression, compiled once: when the rules load, or on first use for patterns
/// already checked when their catalogue was read. Most patterns never run during a check
/// (their literals reject nearly every value first), and compiling them all was most of the
/// time spent building the engine.
final class CompiledPattern: @unchecked Sendable {
    let source: String
    /// For a `^literal…` pattern without alternation, the literal every match starts with:
    /// checked first, it rejects most values without running the regular expression, which
    /// is costly on Linux (each call bridges the string to UTF-16).
    let requiredPrefix: String?

    private enum Regex {
        case pending
        case ready(NSRegularExpression)
        case invalid
    }
    // Changed only under `lock`, once; NSRegularExpression is immutable and thread-safe.
    private var state = Regex.pending
    private let lock = NSLock()

    /// `checked`: the source is known to compile (the catalogue reader compiled it), so
    /// compiling waits until the pattern is first run.
    init(_ source: String, checked: Bool = false) throws {
        self.source = source
        if !checked { state = .ready(try NSRegularExpression(pattern: source, options: [])) }
        requiredPrefix = Self.literalPrefix(of: source)
        let required = Self.requiredLiterals(of: source)
        requiredLiterals = required?.literals
        caseInsensitive = required?.caseInsensitive ?? false
    }

    /// The compiled expression; `nil` only if a pattern said to be checked does not compile.
    private var regex: NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        switch state {
        case .ready(let regex): return regex
        case .invalid: return nil
        case .pending:
            guard let regex = try? NSRegularExpression(pattern: source, options: []) else {
                state = .invalid
                return nil
            }
            state = .ready(regex)
            return regex
        }
    }

    /// Literal runs of which every match contains at least one (one per top-level
    /// alternative), compared case-insensitively for a leading `(?i)`.
    let requiredLiterals: [[UInt8]]?
    let caseInsensitive: Bool

    /// Answers for values already tested: image names, hosts and keys repeat across a
    /// repository, and a lookup costs far less than a regular-expression run.
    let memo = PatternMemo()

    func matches(_ text: String) -> Bool {
        if let requiredPrefix, !text.hasPrefix(requiredPrefix) { return false }
        if let requiredLiterals {
            var utf8 = text
            let present = utf8.withUTF8 { bytes in
                requiredLiterals.contains { ByteSearch.contains(UnsafeRawBufferPointer(bytes), $0, foldingCase: caseInsensitive) }
            }
            guard present else { return false }
        }
        if let known = memo.answer(for: text) { return known }
        guard let regex else { return false }
        let result = regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
        memo.remember(text, result)
        return result
    }

    /// `text` with every match replaced by `template` (`$1` for a group), or `text` itself when
    /// the literal prefilter or the expression finds nothing.
    func replacingMatches(in text: String, with template: String) -> String {
        guard matches(text), let regex else { return text }
        return regex.stringByReplacingMatches(in: text, options: [], range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    /// Literals of which every match contains at least one, compared case-insensitively for a
    /// leading `(?i)`; `nil` when no such set of literals of two or more characters exists, or
    /// the pattern uses flags other than a leading `(?i)`.
    ///
    /// Groups count: `(^|\n)\s*(awsxray|awsemf)` requires `awsxray` or `awsemf`, and a whole
    /// pattern in one group is read inside it. Optional parts (`?`, `*`, `{0,…}`) and
    /// lookarounds never do.
    static func requiredLiterals(of source: String) -> (literals: [[UInt8]], caseInsensitive: Bool)? {
        var pattern = Substring(source)
        var caseInsensitive = false
        if pattern.hasPrefix("(?i)") { caseInsensitive = true; pattern = pattern.dropFirst(4) }
        if pattern.contains("\\Q") { return nil }
        var analysis = RequiredLiterals(pattern)
        guard let literals = analysis.alternation(), !analysis.failed, analysis.atEnd else { return nil }
        return (literals.map { Array((caseInsensitive ? $0.lowercased() : $0).utf8) }, caseInsensitive)
    }

    /// The literal characters after a leading `^`, up to the first metacharacter; escaped
    /// punctuation (`\.`, `\/`, `\-`) counts as literal. `nil` when the pattern has a top-level
    /// choice or flags, or no literal start.
    static func literalPrefix(of pattern: String) -> String? {
        guard pattern.hasPrefix("^"), !pattern.hasPrefix("^("), !pattern.contains("|"), !pattern.contains("(?") else { return nil }
        var out = ""
        var chars = pattern.dropFirst().makeIterator()
        var pendingEscape = false
        while let c = chars.next() {
            if pendingEscape {
                guard ".-/:_@=\\".contains(c) else { break }
                out.append(c)
                pendingEscape = false
                continue
            }
            if c == "\\" { pendingEscape = true; continue }
            if "[](){}.*+?^$|".contains(c) {
                // A quantifier makes the previous character optional or repeated: drop it.
                if "*?{".contains(c), !out.isEmpty { out.removeLast() }
                break
            }
            out.append(c)
        }
        return out.isEmpty ? nil : out
    }
}

/// A bounded, thread-safe memo of one pattern's answers.
final class PatternMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String: Bool] = [:]
    /// Values longer than this are not kept (they rarely repeat and would cost memory).
    private static let maxValueLength = 256
    private static let capacity = 4096

    func answer(for text: String) -> Bool? {
        guard text.utf8.count <= Self.maxValueLength else { return nil }
        lock.lock(); defer { lock.unlock() }
        return answers[text]
    }

    func remember(_ text: String, _ answer: Bool) {
        guard text.utf8.count <= Self.maxValueLength else { return }
        lock.lock(); defer { lock.unlock() }
        if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
        answers[text] = answer
    }
}

/// A small recursive descent over a regular expression that finds what every match must
/// contain (see `CompiledPattern.requiredLiterals`). Anything it does not understand makes it
/// give up (`failed`), never guess. Reads UTF-8 bytes: it runs for every pattern of every rule
/// each time a check starts.
struct RequiredLiterals {
    private let bytes: [UInt8]
    private var i = 0
    private(set) var failed = false

    init(_ pattern: Substring) { bytes = Array(pattern.utf8) }

    var atEnd: Bool { i == bytes.count }

    private static let escapedLiterals = Set(".-/:_@=\\[]{}()*+?^$|#".utf8)

    private func at(_ offset: Int = 0) -> UInt8? {
        i + offset < bytes.count ? bytes[i + offset] : nil
    }

    /// `a|b|…`: the union of what each alternative requires, `nil` if one requires nothing.
    mutating func alternation() -> [String]? {
        var union: [String] = []
        var complete = true
        while true {
            if let required = sequence() {
                for literal in required where !union.contains(literal) { union.append(literal) }
            } else {
                complete = false
            }
            guard !failed, at() == UInt8(ascii: "|") else { break }
            i += 1
        }
        return complete && !failed ? union : nil
    }

    /// A concatenation: the most selective of its literal runs and required groups.
    private mutating func sequence() -> [String]? {
        var best: [String]?
        var run: [UInt8] = []
        func consider(_ candidate: [String]) {
            guard let shortest = candidate.map(\.utf8.count).min(), shortest >= 2 else { return }
            if let best, let current = best.map(\.utf8.count).min(), (current, -best.count) >= (shortest, -candidate.count) { return }
            best = candidate
        }
        func endRun() {
            if !run.isEmpty { consider([String(decoding: run, as: UTF8.self)]) }
            run = []
        }
        /// A literal character, minding a quantifier after it: a repeated character ends the
        /// run after it, an optional one is not required at all (all of its UTF-8 bytes).
        func literal(_ character: ArraySlice<UInt8>) {
            run += character
            guard let optional = skipQuantifier() else { return }
            if optional { run.removeLast(character.count) }
            endRun()
        }
        while !failed, let c = at(), c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
            switch c {
            case UInt8(ascii: "("):
                i += 1
                var zeroWidth = false
                if at() == UInt8(ascii: "?") {
                    let next = at(1), third = at(2)
                    if next == UInt8(ascii: ":") || next == UInt8(ascii: ">") {
                        i += 2
                    } else if next == UInt8(ascii: "=") || next == UInt8(ascii: "!") {
                        zeroWidth = true; i += 2
                    } else if next == UInt8(ascii: "<"), third == UInt8(ascii: "=") || third == UInt8(ascii: "!") {
                        zeroWidth = true; i += 3
                    } else if next == UInt8(ascii: "<"), let close = bytes[i...].firstIndex(of: UInt8(ascii: ">")) {
                        i = close + 1  // a named group
                    } else {
                        failed = true  // inline flags change what the literals mean
                        return nil
                    }
                }
                let inner = alternation()
                guard !failed, at() == UInt8(ascii: ")") else { failed = true; return nil }
                i += 1
                endRun()
                let optional = skipQuantifier()
                if !zeroWidth, optional == nil, let inner { consider(inner) }
            case UInt8(ascii: "["):
                i += 1
                if at() == UInt8(ascii: "^") { i += 1 }
                if at() == UInt8(ascii: "]") { i += 1 }
                while let b = at(), b != UInt8(ascii: "]") { i += b == UInt8(ascii: "\\") ? 2 : 1 }
                i += 1
                endRun()
                _ = skipQuantifier()
            case UInt8(ascii: "\\"):
                guard let next = at(1) else { failed = true; return nil }
                i += 2
                if Self.escapedLiterals.contains(next) {
                    literal(bytes[(i - 1)..<i])
                } else {
                    endRun()
                    _ = skipQuantifier()
                }
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"):
                i += 1
                endRun()
                _ = skipQuantifier()
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                failed = true  // a quantifier with nothing before it
                return nil
            default:
                // One character: a lead byte and its continuation bytes.
                var end = i + 1
                while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
                let character = bytes[i..<end]
                i = end
                literal(character)
            }
        }
        endRun()
        return best
    }

    /// Skips a quantifier at the cursor: `nil` when there is none, else whether it allows zero.
    private mutating func skipQuantifier() -> Bool? {
        guard let c = at() else { return nil }
        let optional: Bool
        switch c {
        case UInt8(ascii: "?"), UInt8(ascii: "*"): optional = true; i += 1
        case UInt8(ascii: "+"): optional = false; i += 1
        case UInt8(ascii: "{"):
            guard let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")) else { failed = true; return nil }
            let bounds = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
            optional = bounds.split(separator: ",", omittingEmptySubsequences: false).first.map { Int($0) ?? 0 } == 0
            i = close + 1
        default: return nil
        }
        // Lazy and possessive forms.
        if at() == UInt8(ascii: "?") || at() == UInt8(ascii: "+") { i += 1 }
        return optional
    }
}

enum CompiledKeyTest: Sendable {
    case equals(String), prefix(String), pattern(CompiledPattern)

    init(_ test: KeyTest, patterns: PatternCache) throws {
        switch test {
        case .equals(let k): self = .equals(k)
        case .prefix(let p): self = .prefix(p)
        case .pattern(let r): self = .pattern(try patterns.compiled(r))
        }
    }

    func matches(_ key: String) -> Bool {
        switch self {
        case .equals(let k): key == k
        case .prefix(let p): key.hasPrefix(p)
        case .pattern(let r): r.matches(key)
        }
    }
}

enum CompiledValueTest: Sendable {
    case equals(String), oneOf(Set<String>), pattern(CompiledPattern), contains(String)

    func matches(_ value: String) -> Bool {
        switch self {
        case .equals(let v): value == v
        case .oneOf(let set): set.contains(value)
        case .pattern(let r): r.matches(value)
        case .contains(let s): value.contains(s)
        }
    }
}

/// A condition with its regular expressions compiled, ready to evaluate.
indirect enum CompiledCondition: Sendable {
    /// `slot` numbers the distinct field paths of all rules, for the per-resource cache.
    case field(FieldPath, slot: Int, CompiledKeyTest?, CompiledValueTest?, absent: Bool)
    case all([CompiledCondition])
    case any([CompiledCondition])
    case not(CompiledCondition)

    init(_ condition: Condition, paths: PathSlots, patterns: PatternCache) throws {
        switch condition {
        case .field(let path, let key, let value):
            let keyTest = try key.map { try CompiledKeyTest($0, patterns: patterns) }
            let slot = paths.slot(for: path)
            switch value {
            case nil: self = .field(path, slot: slot, keyTest, nil, absent: false)
            case .absent?: self = .field(path, slot: slot, keyTest, nil, absent: true)
            case .equals(let v)?: self = .field(path, slot: slot, keyTest, .equals(v), absent: false)
            case .oneOf(let vs)?: self = .field(path, slot: slot, keyTest, .oneOf(Set(vs)), absent: false)
            case .pattern(let r)?: self = .field(path, slot: slot, keyTest, .pattern(try patterns.compiled(r)), absent: false)
            case .contains(let s)?: self = .field(path, slot: slot, keyTest, .contains(s), absent: false)
            }
        case .all(let cs): self = .all(try cs.map { try CompiledCondition($0, paths: paths, patterns: patterns) })
        case .any(let cs): self = .any(try cs.map { try CompiledCondition($0, paths: paths, patterns: patterns) })
        case .not(let c): self = .not(try CompiledCondition(c, paths: paths, patterns: patterns))
        }
    }

    /// The nodes that revealed a match, or `nil` when the condition is false.
    func evaluate(on resource: LocatedResource, cache: ResolutionCache) -> [NodeMatch]? {
        switch self {
        case .field(let path, let slot, let keyTest, let valueTest, let absent):
            if !absent, path.root == .document, path.steps.count == 1, path.steps[0] == .anyDepth, keyTest != nil || valueTest != nil {
                // `**` with a test: one walk that tests as it goes (see `FieldResolver.visitAnywhere`).
                var found: [NodeMatch] = []
                FieldResolver.visitAnywhere(resource.root, keyTest: keyTest, valueTest: valueTest, found: &found)
                return found.isEmpty ? nil : found
            }
            var candidates = cache.resolve(path, slot: slot, in: resource)
            if let keyTest {
                // By index, building nodes only for the keys that pass: after `**` the candidates
                // are every mapping of the resource, and copying each one out cost more than the test.
                var keyed: [ResolvedNode] = []
                for c in candidates.indices {
                    guard case .mapping(let entries) = candidates[c].node.value else { continue }
                    for e in entries.indices where keyTest.matches(entries[e].key) {
                        keyed.append(ResolvedNode(node: entries[e].value, trail: PathTrail(candidates[c].trail, .key(entries[e].key)),
                                                  keyLocation: entries[e].keyLocation, key: entries[e].key))
                    }
                }
                candidates = keyed
            }
            if absent { return candidates.isEmpty ? [] : nil }
            var found: [NodeMatch] = []
            for c in candidates.indices {
                guard let valueTest else {
                    found.append(candidates[c].match(evidence: candidates[c].node.scalar ?? candidates[c].key ?? ""))
                    continue
                }
                switch candidates[c].node.value {
                case .scalar(let scalar):
                    if valueTest.matches(scalar) { found.append(candidates[c].match(evidence: scalar)) }
                case .sequence(let items):
                    // A value test on a list tests each scalar element (e.g. `args`, `hosts`).
                    for i in items.indices {
                        if case .scalar(let s) = items[i].value, valueTest.matches(s) {
                            found.append(NodeMatch(steps: PathTrail(candidates[c].trail, .index(i)).steps, location: items[i].location, evidence: s))
                        }
                    }
                case .mapping:
                    break
                }
            }
            return found.isEmpty ? nil : found
        case .all(let children):
            var first: [NodeMatch]?
            for child in children {
                guard let nodes = child.evaluate(on: resource, cache: cache) else { return nil }
                if first == nil || first!.isEmpty { first = nodes }
            }
            return first ?? []
        case .any(let children):
            var union: [NodeMatch]?
            for child in children {
                if let nodes = child.evaluate(on: resource, cache: cache) { union = (union ?? []) + nodes }
            }
            return union
        case .not(let child):
            return child.evaluate(on: resource, cache: cache) == nil ? [] : nil
        }
    }
}

/// Field paths already resolved on one resource: hundreds of rules share a few dozen paths
/// (`$containers[*].image`, `metadata.annotations`, …), so each is walked once per resource.
/// Used by one thread at a time (one resource is matched on one thread).
final class ResolutionCache {
    // Slots and their nodes side by side, searched in order: a resource resolves about ten of
    // the hundreds of paths the rules name, and comparing ten integers costs less than the
    // dictionary this was (set up, hashed into, and mostly missed, for every resource).
    private var slots: [Int] = []
    private var nodes: [[ResolvedNode]] = []
    /// The pod specs and their metadata, found once per resource for every `$pod…` path.
    let shapes: ShapeIndex

    init(resource: LocatedResource, shapes: ShapeIndex? = nil) {
        self.shapes = shapes ?? ShapeIndex(resource)
    }

    func resolve(_ path: FieldPath, slot: Int, in resource: LocatedResource) -> [ResolvedNode] {
        if let i = slots.firstIndex(of: slot) { return nodes[i] }
        let resolved = FieldResolver.resolve(path, in: resource, shapes: shapes)
        slots.append(slot)
        nodes.append(resolved)
        return resolved
    }
}

/// The regular expressions of a set of rules, each made once (a third of the patterns in the
/// catalogue repeat) and analysed for their literals on every core. Patterns not known to
/// compile are compiled here, so that a bad one is reported before any manifest is read;
/// checked ones wait until first run (`CompiledPattern`).
final class PatternCache {
    private var compiled: [String: Result<CompiledPattern, any Error>] = [:]

    /// `checked`: every pattern is known to compile, and each is compiled on first use.
    init(conditions: [Condition], extra: [String] = [], checked: Bool = false) {
        var sources: [String] = []
        var seen = Set<String>()
        func collect(_ condition: Condition) {
            switch condition {
            case .field(_, let key, let value):
                if case .pattern(let p)? = key, seen.insert(p).inserted { sources.append(p) }
                if case .pattern(let p)? = value, seen.insert(p).inserted { sources.append(p) }
            case .all(let cs), .any(let cs): cs.forEach(collect)
            case .not(let c): collect(c)
            }
        }
        conditions.forEach(collect)
        for p in extra where seen.insert(p).inserted { sources.append(p) }
        let results = ConcurrentMap.map(sources) { source in Result { try CompiledPattern(source, checked: checked) } }
        for (source, result) in zip(sources, results) { compiled[source] = result }
    }

    func compiled(_ source: String) throws -> CompiledPattern {
        if let known = compiled[source] { return try known.get() }
        let made = try CompiledPattern(source)
        compiled[source] = .success(made)
        return made
    }
}

/// Numbers the distinct field paths while rules compile (not used after).
final class PathSlots {
    private var slots: [FieldPath: Int] = [:]

    func slot(for path: FieldPath) -> Int {
        if let slot = slots[path] { return slot }
        slots[path] = slots.count
        return slots.count - 1
    }
}

/// One node that revealed a match.
public struct NodeMatch: Sendable, Hashable {
    /// The field path in the document, in the labels' notation.
    public var path: String
    /// The same path as steps from the document root (a patch pointer is built from these).
    public var steps: [PathStep]
    public var location: SourceLocation
    public var evidence: String
    /// The rule that matched this node, when it is kept as another node's related location
    /// (several rules of one point make one construct): a translation needs it per node.
    public var rule: String?

    /// Steps as a path in the labels' notation (`metadata.annotations["a/b"]`, `items[0]`): the
    /// notation of findings, rules and translations.
    public static func path(of steps: [PathStep]) -> String { PathTrail.path(of: steps) }

    public init(steps: [PathStep], location: SourceLocation, evidence: String) {
        self.steps = steps
        path = Self.path(of: steps)
        self.location = location
        self.evidence = evidence
    }

    /// The match as seen from an outer document, where its own document sits at `prefix`.
    func under(_ prefix: [PathStep]) -> NodeMatch {
        guard !prefix.isEmpty else { return self }
        return NodeMatch(steps: prefix + steps, location: location, evidence: evidence)
    }
}

struct ResolvedNode {
    var node: ManifestNode
    var trail: PathTrail?
    var keyLocation: SourceLocation?
    var key: String?

    var path: String { trail?.path ?? "" }

    func match(evidence: String) -> NodeMatch {
        NodeMatch(steps: trail?.steps ?? [], location: keyLocation ?? node.location, evidence: evidence)
    }
}
