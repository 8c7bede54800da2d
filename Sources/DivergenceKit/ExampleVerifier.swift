import DivergenceCatalogue
import DivergenceCore
import DivergenceManifests
import DivergenceRules
import Foundation

/// Runs every rule's examples: each `fire` manifest must produce a finding of that rule (also
/// inside a `kind: List`, as the second document of a stream, and not when the resource carries
/// the ignore annotation), on every line marked with `↓` (as SwiftLint marks where a violation
/// lands); each `pass` manifest must not.
public enum ExampleVerifier {
    public static func verify(rules: [Rule], points: [String: DivergencePoint]) -> [CatalogueIssue] {
        let loader = ManifestLoader()
        var issues: [CatalogueIssue] = []
        for rule in rules {
            func add(_ message: String) { issues.append(CatalogueIssue(file: rule.file, line: rule.line, message: "rule \(rule.id): \(message)")) }
            let engine: RuleEngine
            do { engine = try RuleEngine(rules: [rule]) } catch {
                add("\(error)")
                continue
            }
            if !engine.ungatedDeepRules.isEmpty {
                add("reaches '**' without a literal every match contains (a case-sensitive value or key test): it would walk every resource of its kinds")
            }
            func fires(_ text: String, label: String) -> [RuleMatch]? {
                let set = loader.load(text: text, file: "\(rule.id) \(label)")
                if let error = set.errors.first { add("\(label) is not valid YAML: \(error.message) (line \(error.line ?? 0))"); return nil }
                if set.resources.isEmpty { add("\(label) holds no Kubernetes object (needs apiVersion and kind)"); return nil }
                return set.resources.flatMap { engine.matches(in: $0) }
            }
            for (i, marked) in rule.examples.fire.enumerated() {
                let label = "examples.fire[\(i)]"
                let (example, expectedLines) = markers(in: marked)
                guard let matches = fires(example, label: label) else { continue }
                if matches.isEmpty {
                    add("\(label) does not fire")
                    continue
                }
                // A finding lands on its first node and lists the siblings of the same construct.
                let lines = Set(matches.flatMap { [$0.node.location.line] + $0.related.map(\.location.line) })
                for line in expectedLines where !lines.contains(line) {
                    add("\(label) does not fire on its marked line \(line) (fires on line \(lines.sorted().map(String.init).joined(separator: ", ")))")
                }
                if fires("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n---\n" + example, label: label + " as 2nd document")?.isEmpty ?? false {
                    add("\(label) does not fire as the second document of a stream")
                }
                if fires(asList(example), label: label + " inside a List")?.isEmpty ?? false {
                    add("\(label) does not fire inside a kind: List")
                }
                if let point = points[rule.point] {
                    // Assess for a target that is not the construct's own platform.
                    let target = Platform.clouds.first { ConstructOwner.platform($0) != rule.owner }!
                    let from = rule.owner == .neutral ? Platform.clouds.first { $0 != target } : nil
                    let assessor = Assessor(points: [point.id: point], from: from)
                    let ignored = loader.load(text: example, file: label).resources.map { ignoring(rule.id, in: $0) }
                    let result = assessor.assess(matches: ignored.flatMap { engine.matches(in: $0) }, unassessed: [], target: target)
                    if !result.findings.isEmpty { add("\(label) still reports a finding with divergence.dev/ignore: \(rule.id)") }
                    if result.suppressed.isEmpty { add("\(label) produces no suppressed finding with divergence.dev/ignore: \(rule.id)") }
                }
            }
            for (i, marked) in rule.examples.pass.enumerated() {
                let label = "examples.pass[\(i)]"
                let example = markers(in: marked).text
                guard let matches = fires(example, label: label) else { continue }
                if let m = matches.first { add("\(label) fires but must not (at \(m.node.path), line \(m.node.location.line))") }
            }
        }
        return issues
    }

    /// The marker that says where a `fire` example's finding lands.
    public static let marker = "\u{2193}"

    /// The example without its `↓` markers, and the 1-based lines that carried one.
    public static func markers(in example: String) -> (text: String, lines: [Int]) {
        guard example.contains(marker) else { return (example, []) }
        var lines: [Int] = []
        var out: [Substring] = []
        for (i, line) in example.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.contains(marker) {
                lines.append(i + 1)
                out.append(Substring(line.replacingOccurrences(of: marker, with: "")))
            } else {
                out.append(line)
            }
        }
        return (out.joined(separator: "\n"), lines)
    }

    /// The example as the only item of a `kind: List`.
    static func asList(_ example: String) -> String {
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("---") }
        var out = "apiVersion: v1\nkind: List\nitems:\n"
        var first = true
        for line in lines {
            if first, !line.trimmingCharacters(in: .whitespaces).isEmpty, !line.hasPrefix("#") {
                out += "- " + line + "\n"
                first = false
            } else {
                out += "  " + line + "\n"
            }
        }
        return out
    }

    /// A copy of `resource` with `divergence.dev/ignore: <id>` added to its annotations.
    static func ignoring(_ id: String, in resource: LocatedResource) -> LocatedResource {
        var copy = resource
        guard var entries = copy.root.entries else { return copy }
        let here = SourceLocation(line: 1, column: 1)
        let ignore = [ManifestNode.Entry(key: Assessor.ignoreAnnotation, keyLocation: here, value: ManifestNode(.scalar(id), at: here)),
                      ManifestNode.Entry(key: Assessor.ignoreReasonAnnotation, keyLocation: here, value: ManifestNode(.scalar("example"), at: here))]
        if let m = entries.firstIndex(where: { $0.key == "metadata" }), var metadata = entries[m].value.entries {
            if let a = metadata.firstIndex(where: { $0.key == "annotations" }), let annotations = entries[m].value.entries?[a].value.entries {
                metadata[a].value = ManifestNode(.mapping(annotations + ignore), at: metadata[a].value.location)
            } else {
                metadata.append(.init(key: "annotations", keyLocation: here, value: ManifestNode(.mapping(ignore), at: here)))
            }
            entries[m].value = ManifestNode(.mapping(metadata), at: entries[m].value.location)
        }
        copy.root = ManifestNode(.mapping(entries), at: copy.root.location)
        return copy
    }
}
