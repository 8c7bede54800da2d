import DivergenceCore
import DivergenceManifests
import DivergenceRules

/// Builders the rule-engine suites share: a resource from YAML text and a field condition.
enum RuleFixtures {
    /// The first resource of `text`, loaded as a scan would.
    static func resource(_ text: String) -> LocatedResource {
        ManifestLoader().load(text: text, file: "test.yaml").resources[0]
    }

    /// A field condition from a path in the catalogue's syntax.
    static func field(_ path: String, key: KeyTest? = nil, _ value: ValueTest? = nil) -> Condition {
        .field(path: try! FieldPath.parse(path), key: key, value: value)
    }
}
