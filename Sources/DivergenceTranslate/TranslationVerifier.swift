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
        for t in translations {
            let label = "translation \(t.rule) → \(t.to.rawValue)" + (t.choice.map { " (\($0.name)=\($0.value))" } ?? "") + (t.when.map { " when \($0)" } ?? "")
            func add(_ message: String) { issues.append(CatalogueIssue(file: t.file, line: 0, message: "\(label): \(message)")) }
            guard rules.contains(t.rule) else { add("no rule \(t.rule) in the catalogue"); continue }
            for (i, example) in t.examples.enumerated() {
                let name = "examples[\(i)]"
                let input = loader.load(text: example.input, file: "\(t.rule) \(name).input")
                if let error = input.errors.first { add("\(name).input is not valid YAML: \(error.message)"); continue }
                guard input.resources.count == 1 else { add("\(name).input must hold one Kubernetes object"); continue }
                let source = t.from ?? Platform.clouds.first { $0 != t.to }!
                let findings = run.assess(input, options: CheckOptions(paths: [], from: source, to: [t.to])).findings.filter { $0.ruleId == t.rule }
                if findings.isEmpty { add("\(name): the rule does not fire on the input"); continue }
                let choices = t.choice.map { [$0.name: $0.value] } ?? [:]
                let plan = Translator(translations: [t], target: t.to, from: t.from, choices: choices).plan(findings: findings, resources: input.resources)
                if let other = plan.findings.first(where: { $0.outcome != t.outcome }) {
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

    /// A document as plain values, for comparing trees whatever their layout.
    static func plain(_ node: ManifestNode) -> AnyHashable {
        switch node.value {
        case .scalar(let s): s
        case .sequence(let items): items.map(plain)
        case .mapping(let entries): Dictionary(entries.map { ($0.key, plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }
}
