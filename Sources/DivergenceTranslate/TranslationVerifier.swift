import DivergenceCatalogue
import DivergenceCore
import DivergenceKit
import DivergenceManifests
import Foundation

/// Runs every translation's examples, as `ExampleVerifier` runs the rules': the rule fires on
/// the input, every finding gets the translation's outcome, and the patch the translator writes
/// turns the input into the expected output. A team that adds translations to its own catalogue
/// folder sees its mistakes from `divergence db validate`, not from a wrong overlay.
public enum TranslationVerifier {
    public static func verify(_ translations: [Translation], run: CheckRun) -> [CatalogueIssue] {
        let rules = Set(run.catalogue.rules.map(\.id))
        let loader = ManifestLoader()
        var issues: [CatalogueIssue] = []
        issues += unreachable(translations)
        issues += conflictingDefaults(translations)
        for t in translations {
            let label = "translation \(t.rule) → \(t.to.rawValue)" + (t.choice.map { " (\($0.name)=\($0.value))" } ?? "") + (t.when.map { " when \($0)" } ?? "")
            func add(_ message: String) { issues.append(CatalogueIssue(file: t.file, line: 0, message: "\(label): \(message)")) }
            guard rules.contains(t.rule) else { add("no rule \(t.rule) in the catalogue"); continue }
            // What a translation writes is knowledge: the page it was read from, and when.
            if t.outcome != .refused && t.sources.isEmpty { add("names no `sources` (the official pages the target construct was read from, with the day)") }
            for (i, example) in t.examples.enumerated() {
                let name = "examples[\(i)]"
                let input = loader.load(text: example.input, file: "\(t.rule) \(name).input")
                if let error = input.errors.first { add("\(name).input is not valid YAML: \(error.message)"); continue }
                guard input.resources.count == 1 else { add("\(name).input must hold one Kubernetes object"); continue }
                // The source: the translation's own, else the cloud that owns the rule, else any other.
                let owner = t.rule.split(separator: ".").first.flatMap { Platform(rawValue: String($0)) }.flatMap { Platform.clouds.contains($0) && $0 != t.to ? $0 : nil }
                let source = t.from ?? owner ?? Platform.clouds.first { $0 != t.to }!
                let findings = run.assess(input, options: CheckOptions(paths: [], from: source, to: [t.to])).findings.filter { $0.ruleId == t.rule }
                if findings.isEmpty { add("\(name): the rule does not fire on the input"); continue }
                let choices = t.choice.map { [$0.name: $0.value] } ?? [:]
                // The other translations too, after this one: the construct's other places (its
                // related nodes) are translated by their own rules.
                let plan = Translator(translations: [t] + translations, target: t.to, from: source, choices: choices).plan(findings: findings, resources: input.resources)
                // The outcome is this translation's own: the construct's other places, found by
                // other rules, are judged by their translations.
                let own = Translator(translations: [t] + translations, target: t.to, from: source, choices: choices)
                    .plan(findings: findings.map { var f = $0; f.related = nil; return f }, resources: input.resources)
                if let other = own.findings.first(where: { $0.outcome != t.outcome }) {
                    add("\(name): outcome \(other.outcome.rawValue), not \(t.outcome.rawValue) (\(other.note))")
                    continue
                }
                let outputs = loader.load(text: example.output, file: "\(t.rule) \(name).output").resources
                guard let output = outputs.first else {
                    add("\(name).output holds no Kubernetes object"); continue
                }
                // A resource the translation replaces: the output is what replaces it.
                if !plan.deletions.isEmpty {
                    let made = plan.generated.flatMap { loader.load(text: $0.yaml, file: $0.name).resources }
                    if made.map({ plain($0.root) }) != outputs.map({ plain($0.root) }) {
                        add("\(name): the resources that replace the input differ from the output:\n" + plan.generated.map(\.yaml).joined(separator: "---\n"))
                    }
                    continue
                }
                do {
                    let patched = Translator.rename(plan.images, in: try Translator.apply(plan.patches.first?.operations ?? [], to: input.resources[0].root))
                    if plain(patched) != plain(output.root) { add("\(name): the patched input differs from the output") }
                } catch {
                    add("\(name): the patch does not apply: \(error)")
                }
            }
        }
        return issues
    }

    /// Translations no finding can reach: the translator takes the first candidate whose
    /// conditions hold, so an earlier one without `when`/`whenField`, for the same source (or
    /// any) and the same option (or none), takes every finding a later one would.
    static func unreachable(_ translations: [Translation]) -> [CatalogueIssue] {
        var issues: [CatalogueIssue] = []
        var open: [String: [Translation]] = [:]
        for t in translations {
            let group = t.rule + "→" + t.to.rawValue
            if let earlier = open[group, default: []].first(where: { e in
                (e.from == nil || e.from == t.from) && (e.choice == nil || (e.choice?.name == t.choice?.name && e.choice?.value == t.choice?.value))
            }) {
                issues.append(CatalogueIssue(file: t.file, line: 0, message: "translation \(t.rule) → \(t.to.rawValue)\(t.choice.map { " (\($0.name)=\($0.value))" } ?? ""): never used: an earlier one in \(earlier.file) applies to every value first (give that one a `when` or `whenField`, or put this one before it)"))
            }
            if t.when == nil && t.whenKey == nil && t.whenFields.isEmpty { open[group, default: []].append(t) }
        }
        return issues
    }

    /// A choice has one default option: the one taken when the user says nothing.
    static func conflictingDefaults(_ translations: [Translation]) -> [CatalogueIssue] {
        var defaults: [String: Set<String>] = [:]
        var files: [String: String] = [:]
        for t in translations {
            guard let choice = t.choice else { continue }
            if defaults[choice.name] == nil { defaults[choice.name] = [] }
            if t.isDefault { defaults[choice.name]!.insert(choice.value) }
            files[choice.name] = files[choice.name] ?? t.file
        }
        return defaults.filter { $0.value.count != 1 }.sorted { $0.key < $1.key }.map {
            CatalogueIssue(file: files[$0.key]!, line: 0, message: $0.value.isEmpty
                ? "choice \($0.key) has no default: one option says `default: true`, the one taken when the user does not choose"
                : "choice \($0.key) has several defaults (\($0.value.sorted().joined(separator: ", "))): one option is the default")
        }
    }

    /// A document as plain values, for comparing trees whatever their layout.
    static func plain(_ node: ManifestNode) -> AnyHashable {
        switch node.value {
        case .scalar(let s): s
        case .sequence(let items): items.map(plain)
        case .mapping(let entries): Dictionary(entries.map { ($0.key, plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }
}
