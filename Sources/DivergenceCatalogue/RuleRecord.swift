import DivergenceCore

/// Reads the rule records of the compiled catalogue (the JSON `JSONEncoder` wrote for a `Rule`)
/// without `JSONDecoder`: every check decodes every rule before it reads a manifest, and the
/// generic decoder spent about 240,000 instructions on each. A test holds both readings equal
/// for every rule of the built-in catalogue.
public enum RuleRecord {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// The rule in `text`, without its examples (they are stored apart).
    public static func decode(_ text: String) throws -> Rule {
        var text = text
        return try text.withUTF8 { bytes in
            var reader = JSONReader(bytes: bytes)
            let value = try reader.document()
            return try rule(value)
        }
    }

    private static func rule(_ value: JSONValue) throws -> Rule {
        let o = try value.object("rule")
        guard let owner = ConstructOwner(rawValue: try o.string("owner")) else { throw FormatError(description: "unknown owner") }
        guard let confidence = Confidence(rawValue: try o.string("confidence")) else { throw FormatError(description: "unknown confidence") }
        let kinds = try o.array("kinds").map { value -> KindSelector in
            guard case .string(let text) = value, let selector = KindSelector.parse(text).first else {
                throw FormatError(description: "bad kind selector")
            }
            return selector
        }
        return Rule(id: try o.string("id"), point: try o.string("point"), owner: owner, confidence: confidence,
                    message: try o.string("message"), remediation: try o.optionalString("remediation"), kinds: kinds,
                    condition: try condition(try o.value("condition")),
                    fallback: try o["fallback"].map { value -> Bool in
                        guard case .bool(let flag) = value else { throw FormatError(description: "fallback: expected a boolean") }
                        return flag
                    } ?? false,
                    unlessDefined: try o["unlessDefined"].map { value -> [String] in
                        try value.array("unlessDefined").map { item in
                            guard case .string(let text) = item else { throw FormatError(description: "unlessDefined: expected strings") }
                            return text
                        }
                    } ?? [],
                    file: try o.string("file"), line: try o.int("line"))
    }

    private static func condition(_ value: JSONValue) throws -> Condition {
        let o = try value.object("condition")
        if o["path"] != nil {
            let key = try o["key"].map(keyTest)
            let test = try o["value"].map(valueTest)
            return .field(path: try FieldPath.parse(try o.string("path")), key: key, value: test)
        }
        guard o.count == 1, let (name, payload) = o.first else { throw FormatError(description: "condition: expected one key") }
        switch name {
        case "all": return .all(try payload.array("all").map(condition))
        case "any": return .any(try payload.array("any").map(condition))
        case "not": return .not(try condition(payload))
        default: throw FormatError(description: "unknown condition '\(name)'")
        }
    }

    private static func keyTest(_ value: JSONValue) throws -> KeyTest {
        let o = try value.object("key test")
        guard o.count == 1, let (name, payload) = o.first, case .string(let text) = payload else {
            throw FormatError(description: "key test: expected one string")
        }
        switch name {
        case "equals": return .equals(text)
        case "prefix": return .prefix(text)
        case "pattern": return .pattern(text)
        default: throw FormatError(description: "unknown key test '\(name)'")
        }
    }

    private static func valueTest(_ value: JSONValue) throws -> ValueTest {
        let o = try value.object("value test")
        guard o.count == 1, let (name, payload) = o.first else { throw FormatError(description: "value test: expected one key") }
        switch (name, payload) {
        case ("equals", .string(let text)): return .equals(text)
        case ("pattern", .string(let text)): return .pattern(text)
        case ("contains", .string(let text)): return .contains(text)
        case ("oneOf", .array(let items)):
            return .oneOf(try items.map { item in
                guard case .string(let text) = item else { throw FormatError(description: "oneOf: expected strings") }
                return text
            })
        case ("absent", _): return .absent
        default: throw FormatError(description: "unknown value test '\(name)'")
        }
    }
}

/// Reads the point records of the compiled catalogue the same way (see `RuleRecord`): a check
/// needs every point for its report, about 190 records of several kilobytes each.
public enum PointRecord {
    public static func decode(_ text: String) throws -> DivergencePoint {
        var text = text
        return try text.withUTF8 { bytes in
            var reader = JSONReader(bytes: bytes)
            return try point(try reader.document())
        }
    }

    private typealias Fail = RuleRecord.FormatError

    private static func point(_ value: JSONValue) throws -> DivergencePoint {
        let o = try value.object("point")
        guard let domain = Domain(rawValue: try o.string("domain")) else { throw Fail(description: "unknown domain") }
        var platforms: [Platform: PlatformBehaviour] = [:]
        // A dictionary keyed by an enum is coded as [key, value, key, value, …].
        let flat = try o.array("platforms")
        guard flat.count % 2 == 0 else { throw Fail(description: "platforms: odd length") }
        for i in stride(from: 0, to: flat.count, by: 2) {
            guard case .string(let name) = flat[i], let platform = Platform(rawValue: name) else { throw Fail(description: "platforms: bad key") }
            let b = try flat[i + 1].object("behaviour")
            let outside = try b.array("outsideManifests").map { value -> OutsideConstruct in
                let c = try value.object("outside construct")
                return OutsideConstruct(construct: try c.string("construct"), why: try c.string("why"))
            }
            platforms[platform] = PlatformBehaviour(behaviour: try b.string("behaviour"), constructs: try strings(b.array("constructs")),
                                                    equivalent: try b.string("equivalent"), outsideManifests: outside)
        }
        let pairs = try o.array("pairs").map { value -> PairAssessment in
            let p = try value.object("pair")
            guard let from = Platform(rawValue: try p.string("from")), let to = Platform(rawValue: try p.string("to")),
                  let severity = Severity(rawValue: try p.string("severity")),
                  let equivalence = Equivalence(rawValue: try p.string("equivalence")),
                  case .number(let effort) = try p.value("effort") else { throw Fail(description: "bad pair") }
            return PairAssessment(from: from, to: to, severity: severity, equivalence: equivalence, effort: effort,
                                  note: try p.optionalString("note"))
        }
        let sources = try o.array("sources").map { value -> SourceReference in
            let s = try value.object("source")
            return SourceReference(platform: try s.string("platform"), url: try s.string("url"), title: try s.optionalString("title"),
                                   checked: try s.optionalString("checked"), revision: try s.optionalString("revision"))
        }
        let deprecations = try o.array("deprecations").map { value -> Deprecation in
            let d = try value.object("deprecation")
            return Deprecation(platform: try d.string("platform"), what: try d.string("what"), date: try d.string("date"),
                               url: try d.optionalString("url"))
        }
        return DivergencePoint(id: try o.string("id"), title: try o.string("title"), domain: domain, summary: try o.string("summary"),
                               tags: try strings(o.array("tags")), platforms: platforms, impact: try o.string("impact"),
                               mitigation: try o.string("mitigation"), pairs: pairs, sources: sources,
                               unverified: try strings(o.array("unverified")), disagreements: try strings(o.array("disagreements")),
                               deprecations: deprecations, verified: try o.string("verified"), file: try o.string("file"))
    }

    private static func strings(_ values: [JSONValue]) throws -> [String] {
        try values.map { value in
            guard case .string(let text) = value else { throw Fail(description: "expected strings") }
            return text
        }
    }
}

/// The JSON values a rule record holds.
enum JSONValue {
    case string(String), number(Double), bool(Bool), null
    case array([JSONValue])
    case object([(String, JSONValue)])

    func object(_ what: String) throws -> [(String, JSONValue)] {
        guard case .object(let members) = self else { throw RuleRecord.FormatError(description: "\(what): expected an object") }
        return members
    }

    func array(_ what: String) throws -> [JSONValue] {
        guard case .array(let items) = self else { throw RuleRecord.FormatError(description: "\(what): expected an array") }
        return items
    }
}

extension [(String, JSONValue)] {
    subscript(_ key: String) -> JSONValue? { first { $0.0 == key }?.1 }

    func value(_ key: String) throws -> JSONValue {
        guard let value = self[key] else { throw RuleRecord.FormatError(description: "missing '\(key)'") }
        return value
    }

    func string(_ key: String) throws -> String {
        guard case .string(let text) = try value(key) else { throw RuleRecord.FormatError(description: "'\(key)': expected a string") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw RuleRecord.FormatError(description: "'\(key)': expected a string")
        }
    }

    func int(_ key: String) throws -> Int {
        guard case .number(let n) = try value(key), let int = Int(exactly: n) else { throw RuleRecord.FormatError(description: "'\(key)': expected an integer") }
        return int
    }

    func array(_ key: String) throws -> [JSONValue] { try value(key).array(key) }
}

/// A strict reader of one JSON document over UTF-8 bytes.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func document() throws -> JSONValue {
        let value = try self.value()
        skipSpace()
        guard i == bytes.count else { throw fail("trailing characters") }
        return value
    }

    private func fail(_ why: String) -> RuleRecord.FormatError {
        RuleRecord.FormatError(description: "invalid rule record at byte \(i): \(why)")
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        i += 1
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count, (0..<count).allSatisfy({ bytes[i + $0] == word.utf8Start[$0] }) else { throw fail("unexpected word") }
        i += count
    }

    mutating func value() throws -> JSONValue {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            repeat {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                members.append((key, try value()))
                skipSpace()
            } while try more(closing: UInt8(ascii: "}"))
            return .object(members)
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            repeat {
                items.append(try value())
                skipSpace()
            } while try more(closing: UInt8(ascii: "]"))
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            let start = i
            while i < bytes.count, "+-.0123456789eE".utf8.contains(bytes[i]) { i += 1 }
            guard let number = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) else { throw fail("bad number") }
            return .number(number)
        }
    }

    /// After a member or item: `true` on a comma, `false` on the closing bracket.
    private mutating func more(closing: UInt8) throws -> Bool {
        guard i < bytes.count else { throw fail("unexpected end") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; return true }
        if bytes[i] == closing { i += 1; return false }
        throw fail("expected ',' or a closing bracket")
    }

    private mutating func string() throws -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        i += 1
        let start = i
        // Most strings have no escape: taken as they are.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { throw fail("unterminated string") }
        if bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair: the low half follows as another \u escape.
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw fail("lone surrogate") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("bad surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("bad \\u escape") }
                out += Array(String(Character(unicode)).utf8)
            default: throw fail("bad escape")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let value = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + 4)]), as: UTF8.self), radix: 16) else {
            throw fail("bad \\u escape")
        }
        i += 4
        return value
    }
}
