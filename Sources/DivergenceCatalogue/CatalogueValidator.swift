import DivergenceCore
import Foundation

/// The structural checks of `divergence db validate`: everything that can be checked without
/// running a rule (examples are run by `DivergenceKit.ExampleVerifier`).
public enum CatalogueValidator {
    static let idPattern = try! NSRegularExpression(pattern: "^[a-z0-9]+(-[a-z0-9]+)*\\.[a-z0-9]+([-.][a-z0-9]+)*$")
    static let datePattern = try! NSRegularExpression(pattern: "^\\d{4}-\\d{2}-\\d{2}$")

    static func matches(_ regex: NSRegularExpression, _ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    public static func validate(_ source: CatalogueSource) -> [CatalogueIssue] {
        var issues = source.issues
        var pointsById: [String: DivergencePoint] = [:]
        for point in source.points {
            let root = source.pointRoots[point.id] ?? source.roots.first ?? ""
            let file = root.isEmpty ? point.file : root + "/" + point.file
            func add(_ message: String) { issues.append(CatalogueIssue(file: file, line: 1, message: "point \(point.id): \(message)")) }
            if pointsById[point.id] != nil { add("duplicate id (also in \(pointsById[point.id]!.file))") }
            pointsById[point.id] = point
            if !matches(idPattern, point.id) { add("id must look like <domain>.<slug>") }
            if !point.id.hasPrefix(point.domain.rawValue + ".") { add("id must start with its domain '\(point.domain.rawValue).'") }
            let expectedFile = "catalogue/\(point.domain.rawValue)/\(point.id.dropFirst(point.domain.rawValue.count + 1)).yaml"
            if point.file.hasPrefix("catalogue/") && point.file != expectedFile { add("file should be \(expectedFile)") }
            for platform in Platform.clouds {
                guard let side = point.platforms[platform] else {
                    add("missing platform \(platform.rawValue)")
                    continue
                }
                if side.behaviour.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { add("platform \(platform.rawValue) has no behaviour") }
                if !point.sources.contains(where: { $0.platform == platform.rawValue }) {
                    add("no source for \(platform.rawValue) (each cloud needs at least one official URL)")
                }
            }
            for from in Platform.clouds {
                for to in Platform.clouds where from != to {
                    let found = point.pairs.filter { $0.from == from && $0.to == to }
                    if found.isEmpty { add("missing pair \(from.rawValue)→\(to.rawValue)") }
                    if found.count > 1 { add("pair \(from.rawValue)→\(to.rawValue) given twice") }
                }
            }
            for pair in point.pairs where pair.from == pair.to { add("pair \(pair.from.rawValue)→\(pair.to.rawValue) has the same platform twice") }
            for s in point.sources {
                if !SafeLink.isSafe(s.url) { add("source '\(s.url)' is not a plain https URL (https, a host, no quotes, brackets or spaces)") }
                if !(Platform(rawValue: s.platform) != nil || s.platform == "kubernetes" || s.platform == "all") {
                    add("source platform '\(s.platform)' is not aws, azure, gcp, local, kubernetes or all")
                }
            }
            if !matches(datePattern, point.verified) { add("verified must be a date YYYY-MM-DD") }
        }
        var rulesById: [String: Rule] = [:]
        for rule in source.rules {
            func add(_ message: String) { issues.append(CatalogueIssue(file: rule.file, line: rule.line, message: "rule \(rule.id): \(message)")) }
            if let other = rulesById[rule.id] { add("duplicate id (also at \(other.file):\(other.line))") }
            rulesById[rule.id] = rule
            if pointsById[rule.point] == nil { add("names unknown divergence point '\(rule.point)'") }
            if !rule.id.hasPrefix(rule.owner.rawValue + ".") { add("id must start with its platform '\(rule.owner.rawValue).'") }
            if rule.examples.fire.isEmpty { add("needs at least one examples.fire manifest") }
            if rule.examples.pass.isEmpty { add("needs at least one examples.pass manifest") }
            if rule.message.isEmpty { add("needs a message") }
        }
        return issues
    }

    static let revisionPattern = try! NSRegularExpression(pattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{7,40}:[^\\s]+$")

    /// Provenance and prose-to-rule checks: every source says when it was read (`checked`), a
    /// `revision` names `owner/repo@commit:path`, and every construct a platform lists is shown
    /// by a fire example of one of the point's rules, or sits under `outsideManifests` with why.
    public static func provenance(_ source: CatalogueSource) -> [CatalogueIssue] {
        var issues: [CatalogueIssue] = []
        var rulesByPoint: [String: [Rule]] = [:]
        for rule in source.rules { rulesByPoint[rule.point, default: []].append(rule) }
        for point in source.points {
            let root = source.pointRoots[point.id] ?? source.roots.first ?? ""
            let file = root.isEmpty ? point.file : root + "/" + point.file
            func add(_ message: String) { issues.append(CatalogueIssue(file: file, line: 1, message: "point \(point.id): \(message)")) }
            for s in point.sources {
                if let checked = s.checked {
                    if !matches(datePattern, checked) { add("source \(s.url): checked must be a date YYYY-MM-DD") }
                } else {
                    add("source \(s.url) has no 'checked' date (the day the page was read against this point)")
                }
                if let revision = s.revision, !matches(revisionPattern, revision) {
                    add("source \(s.url): revision must look like owner/repo@<commit>:<path>")
                }
            }
            let examples = (rulesByPoint[point.id] ?? []).flatMap { rule in
                rule.examples.fire.map { (rule.owner, $0.replacingOccurrences(of: "\u{2193}", with: "")) }
            }
            for (platform, side) in point.platforms.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                for construct in side.constructs {
                    // An absence (`storageClassName absent`) shows in an example that leaves the
                    // key out: any rule of the point for this platform stands for it.
                    if construct.range(of: #"\babsent\b"#, options: .regularExpression) != nil,
                       examples.contains(where: { owner, _ in owner == .platform(platform) || owner == .neutral }) { continue }
                    let anchors = Self.anchors(of: construct)
                    if anchors.isEmpty {
                        add("\(platform.rawValue) construct '\(construct)' names no manifest key or value; write its manifest form, or move it to outsideManifests with why")
                        continue
                    }
                    let shown = examples.contains { owner, text in
                        (owner == .platform(platform) || owner == .neutral || platform == .local) && anchors.contains { text.contains($0) }
                    }
                    if !shown {
                        add("\(platform.rawValue) construct '\(construct)' is not shown by a fire example of any rule of this point; add a rule, or move it to outsideManifests with why")
                    }
                }
                for outside in side.outsideManifests where outside.why.trimmingCharacters(in: .whitespaces).isEmpty {
                    add("\(platform.rawValue) outsideManifests '\(outside.construct)' needs a 'why'")
                }
            }
        }
        return issues
    }

    /// The parts of a construct a manifest would contain: tokens with a dot or a slash (keys,
    /// annotation names, hosts, provisioners, API groups), environment variable names and ARN
    /// prefixes, wildcards and `<placeholders>` taken out.
    static func anchors(of construct: String) -> [String] {
        var result: [String] = []
        var text = construct
        while let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text.replaceSubrange(open...close, with: " ")
        }
        // `spec.type: LoadBalancer` is written nested in YAML: `type: LoadBalancer` is what an
        // example shows. A construct may list alternatives (`storageClassName: a | b`) and end
        // with a note in parentheses; a bare field path shows as its last key
        // (`loadBalancerSourceRanges:`) when that key is specific enough to tell.
        var plain = text
        if let note = plain.range(of: #"\s*\([^()]*\)\s*$"#, options: .regularExpression) { plain.removeSubrange(note) }
        if let colon = plain.range(of: ":"), plain.range(of: #"^\s*[A-Za-z0-9_./\[\]"-]+\s*:"#, options: .regularExpression) != nil {
            let rawKey = plain[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)
            let key = rawKey.split(separator: ".").last.map { String($0).replacingOccurrences(of: "[]", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "[]\"")) } ?? rawKey
            let values = plain[colon.upperBound...].split(separator: "|").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }.filter { !$0.isEmpty && !$0.contains(" ") }
            for value in values {
                result += ["\(key): \(value)", "\(key): \"\(value)\"", "\(key): '\(value)'"]
                // `[ReadWriteMany]` is also written as a block list item.
                if value.hasPrefix("["), value.hasSuffix("]") {
                    for item in value.dropFirst().dropLast().split(separator: ",") { result.append("- " + item.trimmingCharacters(in: .whitespaces)) }
                }
            }
            if key.count >= 8 { result.append(key + ":") }
        }
        for path in text.split(separator: " ") where path.range(of: #"^[a-z][A-Za-z0-9]*(\[\d*\])?(\.[a-z][A-Za-z0-9]*(\[\d*\])?)+$"#, options: .regularExpression) != nil {
            if let last = path.split(separator: ".").last?.split(separator: "[").first, last.count >= 6 { result.append(last + ":") }
        }
        // URL schemes of object stores and similar: `s3://`, `gs://`, `abfs://`.
        var rest = Substring(text)
        while let scheme = rest.range(of: #"\b[a-z][a-z0-9+]*://"#, options: .regularExpression) {
            result.append(String(rest[scheme]))
            rest = rest[scheme.upperBound...]
        }
        // ARNs: `arn:aws:iam::…` is one token to a manifest, not words around colons.
        if let arn = text.range(of: #"arn:aws[a-z-]*:[a-z0-9-]+:"#, options: .regularExpression) {
            result.append(String(text[arn]))
        }
        let separators = CharacterSet(charactersIn: " \t\n,;:=()[]{}'\"`|")
        for raw in text.components(separatedBy: separators) {
            let pieces = raw.split(separator: "*").map(String.init)
            for piece in pieces {
                let token = piece.trimmingCharacters(in: CharacterSet(charactersIn: ".-/"))
                // Keys, hosts, groups and provisioners carry a dot or a slash; environment
                // variable names are UPPER_SNAKE_CASE (AWS_REGION, AZURE_CLIENT_ID).
                let envName = token.count >= 4 && token.contains("_") && token.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
                guard envName || (token.count >= 4 && (token.contains(".") || token.contains("/"))) else { continue }
                result.append(token)
            }
        }
        return result
    }
}
