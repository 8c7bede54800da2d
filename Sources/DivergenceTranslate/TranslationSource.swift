import DivergenceCore
import Foundation
import Yams

/// Reads `translations/*.yaml` of the catalogue directories.
public enum TranslationSource {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
        public init(file: String, message: String) { self.file = file; self.message = message }
    }

    /// Every translation of `directories` (later directories add to and override earlier ones,
    /// per rule and target), and the problems found reading them.
    /// The options of each choice (`ingress` → app-routing, agic, agc), the default first.
    public static func choices(in translations: [Translation]) -> [String: [String]] {
        var options: [String: [String]] = [:]
        for t in translations {
            guard let choice = t.choice else { continue }
            if !options[choice.name, default: []].contains(choice.value) {
                if t.isDefault { options[choice.name, default: []].insert(choice.value, at: 0) } else { options[choice.name, default: []].append(choice.value) }
            }
        }
        return options
    }

    public static func read(directories: [String]) -> (translations: [Translation], problems: [Problem]) {
        var byKey: [String: Translation] = [:]
        var order: [String] = []
        var problems: [Problem] = []
        // Options of one choice share a rule and target: the key names the option too.
        func key(_ t: Translation) -> String {
            (t.from.map { $0.rawValue + ":" } ?? "") + t.rule + "→" + t.to.rawValue + (t.choice.map { "#\($0.name)=\($0.value)" } ?? "") + (t.when.map { "?" + $0 } ?? "") + (t.whenKey.map { "@" + $0 } ?? "") + t.whenFields.map { "&\($0.path)=\($0.equals ?? "∅")" }.joined()
        }
        for directory in directories {
            let folder = directory + "/translations"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            // Within one catalogue folder an entry is said once: a second one would silently
            // replace the first (a later folder, a team's, replaces on purpose).
            var here: [String: String] = [:]
            for name in names.sorted() where name.hasSuffix(".yaml") {
                let file = folder + "/" + name
                do {
                    for t in try parse(file: file) {
                        if let earlier = here[key(t)] {
                            problems.append(Problem(file: file, message: "translation \(t.rule) → \(t.to.rawValue) repeats one in \(earlier) (same source, option and conditions): say it once"))
                            continue
                        }
                        here[key(t)] = file
                        if byKey[key(t)] == nil { order.append(key(t)) }
                        byKey[key(t)] = t
                    }
                } catch let problem as Problem {
                    problems.append(problem)
                } catch {
                    problems.append(Problem(file: file, message: "\(error)"))
                }
            }
        }
        return (order.map { byKey[$0]! }, problems)
    }

    static func parse(file: String) throws -> [Translation] {
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        guard (attributes[.size] as? Int ?? 0) <= 4 << 20 else { throw Problem(file: file, message: "larger than 4 MB; not read") }
        let content = try String(contentsOfFile: file, encoding: .utf8)
        guard let root = try Yams.load(yaml: content) as? [String: Any], let list = root["translations"] as? [[String: Any]] else {
            throw Problem(file: file, message: "a translation file holds a `translations:` list")
        }
        return try list.enumerated().map { index, item in
            func fail(_ message: String) -> Problem { Problem(file: file, message: "translation \(index + 1) (\(item["rule"] ?? "?")): \(message)") }
            guard let rule = item["rule"] as? String else { throw fail("needs `rule`") }
            guard let to = (item["to"] as? String).flatMap(Platform.init(rawValue:)) else { throw fail("needs `to` (aws, azure, gcp or local)") }
            guard let outcome = (item["outcome"] as? String).flatMap(TranslationOutcome.init(rawValue:)) else {
                throw fail("needs `outcome`: translated, needs-input or refused")
            }
            let inputs = (item["inputs"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { TranslationInput(name: $0.key, whereToFind: $0.value) }
            var operations: [TranslationOperation] = []
            for op in item["operations"] as? [[String: Any]] ?? [] {
                if let what = op["remove"] as? String {
                    operations.append(what == "matched" ? .removeMatched : .remove(path: try steps(what, fail)))
                } else if let sibling = op["setSibling"] as? [String: Any], let key = sibling["key"] as? String, let value = sibling["value"] {
                    operations.append(.setSibling(key: key, value: try text(of: value, inputs: inputs, fail)))
                } else if let toleration = op["tolerate"] as? [String: Any] {
                    var fields: [String: String] = [:]
                    for (name, value) in toleration { fields[name] = try text(of: value, inputs: inputs, fail) }
                    operations.append(.tolerate(fields))
                } else if let create = op["createStorageClass"] as? [String: Any], let provisioner = create["provisioner"] as? String {
                    var parameters: [String: String] = [:]
                    for (name, value) in create["parameters"] as? [String: Any] ?? [:] { parameters[name] = try text(of: value, inputs: inputs, fail) }
                    operations.append(.createStorageClass(provisioner: provisioner, parameters: parameters))
                } else if let swap = op["swapParent"] as? [String: Any], let key = swap["key"] as? String, let value = swap["value"] as? [String: Any] {
                    var fields: [String: String] = [:]
                    for (name, field) in value { fields[name] = try text(of: field, inputs: inputs, fail) }
                    operations.append(.swapParent(key: key, value: fields))
                } else if let value = op["append"] {
                    operations.append(.appendSibling(try text(of: value, inputs: inputs, fail)))
                } else if let label = op["labelPods"] as? [String: Any], let key = label["key"] as? String, let value = label["value"] {
                    operations.append(.labelPods(key: key, value: try text(of: value, inputs: inputs, fail)))
                } else if let host = op["rehost"] {
                    operations.append(.rehost(try text(of: host, inputs: inputs, fail)))
                } else if let move = op["move"] as? [String: Any], let from = move["from"] as? String, let to = move["to"] as? String {
                    operations.append(.move(from: try steps(from, fail), to: try steps(to, fail)))
                } else if let gateway = op["gateway"] as? [String: Any], let className = gateway["className"] as? String, !className.isEmpty {
                    operations.append(.replaceWithGateway(className: className))
                } else if let value = op["replace"] {
                    operations.append(.replaceMatched(try text(of: value, inputs: inputs, fail)))
                } else if let set = op["set"] as? [String: Any], let path = set["path"] as? String, let value = set["value"] {
                    // An unquoted true/false or integer is written as one (`value: "63"` stays text).
                    if let flag = value as? Bool {
                        operations.append(.setTyped(path: try steps(path, fail), value: .bool(flag)))
                    } else if let number = value as? Int {
                        operations.append(.setTyped(path: try steps(path, fail), value: .number(number)))
                    } else {
                        operations.append(.set(path: try steps(path, fail), value: try text(of: value, inputs: inputs, fail)))
                    }
                } else {
                    throw fail("an operation is `remove: matched|PATH`, `replace: VALUE`, `rehost: HOST`, `append: VALUE`, `labelPods: {key: K, value: V}`, `swapParent: {key: K, value: {…}}`, `createStorageClass: {provisioner: P, parameters: {…}}`, `setSibling: {key: K, value: V}`, `tolerate: {…}`, `gateway: {className: C}`, `move: {from: PATH, to: PATH}` or `set: {path: PATH, value: VALUE}`")
                }
            }
            if outcome == .refused && !operations.isEmpty { throw fail("a refused translation writes nothing") }
            // `keep: true` says the construct stays as written (it behaves the same on the target).
            let keep = item["keep"] as? Bool ?? false
            if outcome != .refused && operations.isEmpty && !keep { throw fail("a translation that is not refused needs operations, or keep: true") }
            if outcome == .needsInput && inputs.isEmpty { throw fail("needs-input names its `inputs` and where to find each") }
            guard let note = item["note"] as? String, !note.isEmpty else { throw fail("needs a `note`") }
            let examples = (item["examples"] as? [[String: Any]] ?? []).compactMap { e -> (String, String)? in
                guard let input = e["input"] as? String, let output = e["output"] as? String else { return nil }
                return (input, output)
            }
            if outcome != .refused && !keep && examples.isEmpty { throw fail("needs at least one example (input → output)") }
            var translation = Translation(rule: rule, to: to, outcome: outcome, operations: operations, inputs: inputs, note: note,
                                          examples: examples, file: file)
            // The official pages the mapping was read from, each with the day it was read: the
            // target's key or value is knowledge like a point's behaviour.
            for (i, entry) in (item["sources"] as? [[String: Any]] ?? []).enumerated() {
                guard let url = entry["url"] as? String, url.hasPrefix("https://") else { throw fail("sources[\(i)] needs an https `url`") }
                guard let checked = day(entry["checked"]) else { throw fail("sources[\(i)] needs `checked: YYYY-MM-DD`, the day the page was read") }
                translation.sources.append(TranslationSourcePage(url: url, checked: checked))
            }
            if item["sources"] != nil && !(item["sources"] is [[String: Any]]) { throw fail("`sources` is a list of {url, checked}") }
            if let from = item["from"] as? String {
                guard let platform = Platform(rawValue: from) else { throw fail("`from` is aws, azure, gcp or local") }
                translation.from = platform
            }
            if let fields = item["whenField"] {
                // One condition, or a list of them that must all hold.
                for field in (fields as? [[String: Any]]) ?? (fields as? [String: Any]).map({ [$0] }) ?? [] {
                    let usage = "`whenField` is {path: PATH, equals: VALUE} or {path: PATH, absent: true}, or a list of them"
                    guard let path = field["path"] as? String else { throw fail(usage) }
                    if let equals = field["equals"] {
                        translation.whenFields.append((try steps(path, fail), "\(equals)"))
                    } else if field["absent"] as? Bool == true {
                        translation.whenFields.append((try steps(path, fail), nil))
                    } else {
                        throw fail(usage)
                    }
                }
                if translation.whenFields.isEmpty { throw fail("`whenField` is {path: PATH, equals: VALUE} or {path: PATH, absent: true}, or a list of them") }
            }
            if let whenKey = item["whenKey"] as? String {
                guard (try? NSRegularExpression(pattern: whenKey)) != nil else { throw fail("`whenKey` is not a regular expression") }
                translation.whenKey = whenKey
            }
            if let when = item["when"] as? String {
                guard (try? NSRegularExpression(pattern: when)) != nil else { throw fail("`when` is not a regular expression") }
                translation.when = when
            }
            if let choice = item["choice"] as? [String: Any] {
                guard choice.count == 1, let (name, value) = choice.first.map({ ($0.key, "\($0.value)") }) else { throw fail("`choice` names one option, e.g. {ingress: agic}") }
                translation.choice = (name, value)
                translation.isDefault = item["default"] as? Bool ?? false
            }
            return translation
        }
    }

    /// A `checked:` day, written plain (YAML reads it as a timestamp) or quoted.
    static func day(_ value: Any?) -> String? {
        if let date = value as? Date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.string(from: date)
        }
        guard let text = value as? String, text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else { return nil }
        return text
    }

    /// `${input:name}` in a value becomes the input's placeholder; `${matched}` is left for the
    /// translator, which fills in the value the finding points at; any other text is written as is.
    static func text(of value: Any, inputs: [TranslationInput], _ fail: (String) -> Problem) throws -> String {
        var text = "\(value)"
        if let b = value as? Bool { text = b ? "true" : "false" }
        while let range = text.range(of: #"\$\{input:[a-z0-9-]+\}"#, options: .regularExpression) {
            let name = String(text[range].dropFirst(8).dropLast())
            guard let input = inputs.first(where: { $0.name == name }) else { throw fail("uses input '\(name)' that `inputs` does not describe") }
            text.replaceSubrange(range, with: input.placeholder)
        }
        return text
    }

    /// A path as findings write them: `metadata.annotations["a/b"]`, `spec.containers[0].image`.
    public static func steps(_ path: String, _ fail: (String) -> Problem = { Problem(file: "", message: $0) }) throws -> [PathStep] {
        var steps: [PathStep] = []
        var i = path.startIndex
        var key = ""
        func flush() { if !key.isEmpty { steps.append(.key(key)); key = "" } }
        while i < path.endIndex {
            let c = path[i]
            if c == "." {
                flush()
                i = path.index(after: i)
            } else if c == "[" {
                flush()
                let rest = path[path.index(after: i)...]
                if rest.hasPrefix("\"") {
                    guard let close = rest.dropFirst().range(of: "\"]") else { throw fail("unclosed [\" in path \(path)") }
                    steps.append(.key(String(rest.dropFirst()[..<close.lowerBound])))
                    i = close.upperBound
                } else {
                    guard let close = rest.firstIndex(of: "]"), let n = Int(rest[..<close]) else { throw fail("bad index in path \(path)") }
                    steps.append(.index(n))
                    i = path.index(after: close)
                }
            } else {
                key.append(c)
                i = path.index(after: i)
            }
        }
        flush()
        return steps
    }
}
