import DivergenceCore
import Foundation

/// What happens to one finding when its manifests are moved to a target, ordered from nothing
/// left to do to most left (a construct takes the least favourable outcome of its places).
public enum TranslationOutcome: String, Sendable, Codable, CaseIterable, Comparable {
    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// The target construct is written; nothing is left to decide.
    case translated
    /// Written, with marked placeholders for values only the user knows.
    case needsInput = "needs-input"
    /// No faithful mechanical equivalent: the reason and the catalogue's advice instead.
    case refused
}

/// One edit of a resource, relative to its root or to the node a finding points at.
public enum TranslationOperation: Sendable, Hashable {
    /// Remove the node the finding points at (an annotation, a selector entry).
    case removeMatched
    /// Replace the value of the node the finding points at.
    case replaceMatched(String)
    /// Set the value at a path from the resource root, creating missing mappings on the way.
    case set(path: [PathStep], value: String)
    /// Set a boolean or an integer (written unquoted in the catalogue) where the field's schema
    /// asks for one.
    case setTyped(path: [PathStep], value: JSONPatchValue)
    /// Remove the node at a path from the resource root, if it is there.
    case remove(path: [PathStep])
    /// Replace the registry host of the image the finding points at, keeping its repository
    /// path and tag (read from the manifest, never from a finding's redacted evidence).
    case rehost(String)
    /// Append a value to the list that holds the node the finding points at (a container's
    /// `args` when the finding is one of them).
    case appendSibling(String)
    /// Replace the mapping that holds the node the finding points at (a DNS-01 solver's
    /// `route53:` block) with a sibling `key` holding `value` (the target's solver block).
    case swapParent(key: String, value: [String: String])
    /// Add a StorageClass named as the value the finding points at (a claim's class that the
    /// source cloud builds in), so claims keep their class name on the target.
    case createStorageClass(provisioner: String, parameters: [String: String])
    /// Set a key in the mapping that holds the node the finding points at (a node selector's
    /// other label).
    case setSibling(key: String, value: String)
    /// Add a toleration to the pod spec whose node selector the finding points at.
    case tolerate([String: String])
    /// Label the pod templates that run as the ServiceAccount the finding is on (same
    /// namespace, any workload kind): the wiring some clouds need on the pod as well.
    case labelPods(key: String, value: String)
    /// Replace the Ingress the finding is on with Gateway API resources (a Gateway of this
    /// class and its HTTPRoutes); the Ingress is deleted by the overlay.
    case replaceWithGateway(className: String)
    /// Move the value at one path from the resource root to another (a field the target's
    /// resource names differently).
    case move(from: [PathStep], to: [PathStep])
}

/// A user input a translation leaves as a placeholder, with where to find its value.
public struct TranslationInput: Sendable, Hashable, Codable {
    public var name: String
    public var whereToFind: String
    public init(name: String, whereToFind: String) { self.name = name; self.whereToFind = whereToFind }

    /// How the placeholder appears in a patch: impossible to mistake for a real value, and
    /// found by `grep needs-input`.
    public var placeholder: String { "<<needs-input:\(name)>>" }
}

/// An official page a translation was read from, and the day it was read.
public struct TranslationSourcePage: Sendable, Hashable, Codable {
    public var url: String
    public var checked: String
    public init(url: String, checked: String) { self.url = url; self.checked = checked }
}

/// How the construct a rule finds maps to one target: catalogue knowledge, like the rule.
public struct Translation: Sendable {
    public var rule: String
    public var to: Platform
    public var outcome: TranslationOutcome
    public var operations: [TranslationOperation]
    public var inputs: [TranslationInput]
    /// Why, for people: what the translation writes, or why it is refused.
    public var note: String
    /// Input manifest → the resource as it must look after the patch.
    public var examples: [(input: String, output: String)]
    public var file: String
    /// Where the target offers several equivalents: the choice this translation is one option
    /// of (`ingress: agic`), and whether it is the default when the user says nothing.
    public var choice: (name: String, value: String)?
    public var isDefault = false
    /// A regular expression the value the finding points at must match for this translation
    /// (a rule that finds several kinds of value: block and file class names).
    public var when: String?
    /// A regular expression the key the finding points at must match (a rule that finds
    /// several keys: the Spot selector among GKE's provisioning labels).
    public var whenKey: String?
    /// The source cloud this translation is for (a neutral construct, such as a bare
    /// `type: LoadBalancer`, behaves as its source cloud built it); nil for any source.
    public var from: Platform?
    /// Conditions on other fields of the resource: the translation applies only when the value
    /// at each `path` equals its `equals` (a missing field never does), or, with `equals` nil,
    /// when the field is absent. An ALB Ingress is internet-facing only when its scheme
    /// annotation says so; `kind` tells an Ingress from a chart value that sets a class.
    public var whenFields: [(path: [PathStep], equals: String?)] = []
    /// The official pages the mapping was read from.
    public var sources: [TranslationSourcePage] = []

    public init(rule: String, to: Platform, outcome: TranslationOutcome, operations: [TranslationOperation],
                inputs: [TranslationInput], note: String, examples: [(input: String, output: String)], file: String) {
        self.rule = rule; self.to = to; self.outcome = outcome; self.operations = operations
        self.inputs = inputs; self.note = note; self.examples = examples; self.file = file
    }
}

/// `s` as a double-quoted YAML scalar (JSON string syntax, which YAML reads as is): names and
/// values from a manifest written into the overlay's files can never change their structure.
func yamlQuoted(_ s: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return (try? String(decoding: encoder.encode(s), as: UTF8.self)) ?? "\"\""
}
