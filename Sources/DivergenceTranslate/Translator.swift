import DivergenceCore
import Foundation

/// One RFC 6902 operation.
public struct PatchOperation: Sendable, Hashable, Codable {
    public var op: String
    public var path: String
    /// A JSON value (a string, or an object when missing mappings are created on the way).
    public var value: JSONPatchValue?
    /// For `move`: where the value is taken from.
    public var from: String?

    public init(op: String, path: String, value: JSONPatchValue? = nil, from: String? = nil) {
        self.op = op; self.path = path; self.value = value; self.from = from
    }
}

/// The values a patch writes: text, a boolean or an integer (a field whose schema says so, such
/// as a limit or a flag, where text would be rejected), or mappings and lists of them.
public indirect enum JSONPatchValue: Sendable, Hashable, Codable {
    case string(String)
    case bool(Bool)
    case number(Int)
    case object([String: JSONPatchValue])
    case array([JSONPatchValue])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .object(let o): try container.encode(o)
        case .array(let a): try container.encode(a)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Int.self) { self = .number(n) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([JSONPatchValue].self) { self = .array(a) }
        else { self = .object(try container.decode([String: JSONPatchValue].self)) }
    }
}

/// The edits of one resource, and what Kustomize needs to find it.
public struct ResourcePatch: Sendable {
    public var resource: ResourceRef
    public var file: String
    public var operations: [PatchOperation]
}

/// The outcome of one finding.
public struct TranslatedFinding: Sendable, Codable {
    public var ruleId: String
    public var divergenceId: String
    public var severity: Severity
    public var file: String
    public var line: Int
    public var resource: String
    public var path: String
    public var outcome: TranslationOutcome
    /// What was written, or why nothing was.
    public var note: String
    /// For `refused`: the catalogue's advice for the move.
    public var advice: String?
    public var inputs: [TranslationInput]
    /// Translated with no edit: the construct is valid on the target as written (what still
    /// differs is in the note).
    public var kept = false
    /// Refused because the catalogue has no translation of this rule or value yet, not because
    /// one was judged impossible: the share of the work still to write.
    public var uncovered = false
}

/// Applies the catalogue's translations to the findings of one target.
public struct Translator: Sendable {
    /// The translations of each rule for this target (several when they differ by `when`).
    public let translations: [String: [Translation]]
    public let target: Platform
    /// Registry hosts to write instead of a placeholder (`--registry-map SOURCE=TARGET`).
    public let registryMap: [String: String]

    /// `choices` picks among a target's equivalents (`ingress: agic`); a choice not given takes
    /// the option marked default.
    public init(translations: [Translation], target: Platform, from: Platform? = nil, registryMap: [String: String] = [:], choices: [String: String] = [:]) {
        var byRule: [String: [Translation]] = [:]
        // The default option of each choice: an entry of that option applies when the user did
        // not choose, whether or not it repeats `default: true` itself.
        var defaults: [String: String] = [:]
        for t in translations where t.isDefault { if let choice = t.choice { defaults[choice.name] = choice.value } }
        for t in translations where t.to == target && (t.from == nil || t.from == from) {
            if let choice = t.choice {
                guard (choices[choice.name] ?? defaults[choice.name]) == choice.value else { continue }
            }
            byRule[t.rule, default: []].append(t)
        }
        self.translations = byRule
        self.target = target
        self.registryMap = registryMap
    }

    public struct Plan: Sendable {
        public var patches: [ResourcePatch] = []
        public var findings: [TranslatedFinding] = []
        /// Resources the overlay adds (a StorageClass named as a source cloud's built-in one),
        /// by name, as YAML.
        public var generated: [(name: String, yaml: String)] = []
        /// Image renames for Kustomize's `images:` transformer: the image without tag or digest,
        /// and what it becomes.
        public var images: [(name: String, newName: String)] = []
        /// Resources the overlay deletes because generated ones replace them (an Ingress
        /// rewritten as a Gateway and HTTPRoutes).
        public var deletions: [(resource: ResourceRef, file: String)] = []
    }

    /// An image reference without its tag or digest: what Kustomize's `images:` matches.
    public static func imageName(_ image: String) -> String {
        var name = Substring(image)
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = name[..<colon] }
        return String(name)
    }

    /// `images` applied to every `image:` value of `root`, as Kustomize's transformer does:
    /// what the examples are checked against.
    public static func rename(_ images: [(name: String, newName: String)], in root: ManifestNode) -> ManifestNode {
        switch root.value {
        case .scalar:
            return root
        case .sequence(let items):
            return ManifestNode(.sequence(items.map { rename(images, in: $0) }), at: root.location)
        case .mapping(let entries):
            return ManifestNode(.mapping(entries.map { entry in
                var entry = entry
                if entry.key == "image", let image = entry.value.scalar, let rule = images.first(where: { $0.name == imageName(image) }) {
                    entry.value = ManifestNode(.scalar(rule.newName + image.dropFirst(rule.name.count)), at: entry.value.location)
                } else {
                    entry.value = rename(images, in: entry.value)
                }
                return entry
            }), at: root.location)
        }
    }

    /// The plan for `findings` (of this target) on `resources` (as parsed, with their trees).
    public func plan(findings: [Finding], resources: [LocatedResource]) -> Plan {
        var plan = Plan()
        var byResource: [String: Int] = [:]
        // Ingresses replaced by Gateway API resources, with what their routes do not carry.
        var converted: [String: [String]] = [:]
        // Places whose translation only removes what the finding points at (the setting means
        // nothing on the target): removed with an Ingress that is replaced, not lost.
        var removalOnly = Set<String>()
        func key(_ file: String, _ ref: ResourceRef) -> String { file + "\u{0}" + ref.description }
        let roots = Dictionary(resources.map { (key($0.file, $0.ref), $0) }, uniquingKeysWith: { a, _ in a })
        // One place of a construct: the finding's own node, or one of its related nodes.
        func translateOne(_ finding: Finding) -> TranslatedFinding {
            var result = TranslatedFinding(ruleId: finding.ruleId, divergenceId: finding.divergenceId, severity: finding.severity,
                                           file: finding.file, line: finding.line, resource: finding.resource.description,
                                           path: finding.path, outcome: .refused, note: "", advice: nil, inputs: [])
            let advice = Prose.sentence(finding.remediation.split(separator: "\n").first.map(String.init) ?? finding.remediation)
            if finding.severity == .info, translations[finding.ruleId] == nil {
                // The target behaves the same: kept as written.
                result.outcome = .translated
                result.note = "kept as written: it behaves the same on \(target.product)"
                result.kept = true
                return result
            }
            guard let candidates = translations[finding.ruleId] else {
                result.note = "no mechanical translation of \(finding.ruleId) to \(target.product) in the catalogue"
                result.advice = advice
                result.uncovered = true
                return result
            }
            let resource = roots[key(finding.file, finding.resource)]
            let matched = try? TranslationSource.steps(finding.path)
            let matchedNode = resource.flatMap { r in matched.flatMap { Self.node(at: $0, in: r.root) } }
            // The translation for this value: the first whose `when` the written value matches.
            // A resource outside the overlay (its file left out, or its kind and name shared
            // with another) cannot be patched, and its value cannot be read for `when`: only a
            // translation that keeps the construct as written holds for it.
            if resource == nil {
                if let keep = candidates.first(where: { $0.outcome == .translated && $0.operations.isEmpty && $0.when == nil && $0.whenKey == nil && $0.whenFields.isEmpty }) {
                    result.note = keep.note
                    result.outcome = .translated
                    result.kept = true
                } else {
                    result.note = "not patched: the resource is not in the overlay (a file left out, or a resource another shares its kind and name with); translate it on its own"
                    result.advice = advice
                }
                return result
            }
            let value = matchedNode?.scalar ?? ""
            guard let translation = candidates.first(where: { t in
                (t.when.map { value.range(of: $0, options: .regularExpression) != nil } ?? true)
                    && (t.whenKey.map { pattern in
                        guard case .key(let name)? = matched?.last else { return false }
                        return name.range(of: pattern, options: .regularExpression) != nil
                    } ?? true)
                    && t.whenFields.allSatisfy { field in
                        let node = resource.flatMap { Self.node(at: field.path, in: $0.root) }
                        return field.equals.map { node?.scalar == $0 } ?? (node == nil)
                    }
            }) else {
                result.note = "no mechanical translation of this value (\(finding.ruleId)) to \(target.product) in the catalogue"
                result.advice = advice
                result.uncovered = true
                return result
            }
            result.note = translation.note
            if translation.outcome == .refused {
                result.advice = advice
                return result
            }
            if translation.outcome == .translated && translation.operations.isEmpty {
                // Kept as written: nothing to patch, so it holds whether or not the file is in the overlay.
                result.outcome = .translated
                result.kept = true
                return result
            }
            // A resource outside the overlay returned above: here only the place can be missing.
            guard let resource, let matched, let matchedNode else {
                result.note = "not patched: the construct is not written where the finding points; translate it by hand: \(translation.note)"
                result.advice = advice
                return result
            }
            if translation.operations.allSatisfy({ if case .removeMatched = $0 { true } else { false } }) {
                removalOnly.insert(finding.file + "\u{0}" + finding.resource.description + "\u{0}" + finding.path)
            }
            // `${matched}` in a value is the value the finding points at, read from the manifest
            // (an annotation moved to the target's key keeps what its author wrote).
            func filled(_ text: String) -> String { text.replacingOccurrences(of: "${matched}", with: matchedNode.scalar ?? "") }
            // Fields this translation moves: a later `set` inside a moved field is written where
            // the field now is (the operations apply in order).
            let moves = translation.operations.compactMap { op -> (from: [PathStep], to: [PathStep])? in
                if case .move(let from, let to) = op { return (from, to) } else { return nil }
            }
            var conversionInputs: [TranslationInput] = []
            var operations: [PatchOperation] = []
            var elsewhere: [(LocatedResource, PatchOperation)] = []
            var outcome = translation.outcome
            for operation in translation.operations {
                switch operation {
                case .removeMatched:
                    operations.append(PatchOperation(op: "remove", path: Self.pointer(matched)))
                case .replaceMatched(let value):
                    operations.append(PatchOperation(op: "replace", path: Self.pointer(matched), value: .string(filled(value))))
                case .remove(let path):
                    if Self.node(at: path, in: resource.root) != nil { operations.append(PatchOperation(op: "remove", path: Self.pointer(path))) }
                case .set(let path, let value):
                    operations.append(Self.add(path: path, typed: .string(filled(value)), in: resource.root, moves: moves))
                case .setTyped(let path, let value):
                    operations.append(Self.add(path: path, typed: value, in: resource.root, moves: moves))
                case .swapParent(let key, let value):
                    guard matched.count >= 2 else { continue }
                    let parent = Array(matched.dropLast())
                    let holder = Array(parent.dropLast())
                    // Nested fields are written `a.b` in the catalogue: built as nested objects.
                    var object: [String: JSONPatchValue] = [:]
                    for (path, text) in value {
                        let parts = path.split(separator: ".").map(String.init)
                        object = Self.nested(object, parts[...], .string(text))
                    }
                    operations.append(PatchOperation(op: "add", path: Self.pointer(holder + [.key(key)]), value: .object(object)))
                    operations.append(PatchOperation(op: "remove", path: Self.pointer(parent)))
                case .setSibling(let key, let value):
                    operations.append(Self.add(path: Array(matched.dropLast()) + [.key(key)], value: filled(value), in: resource.root))
                case .tolerate(let fields):
                    // The pod spec is the mapping that holds the node selector.
                    guard let selector = matched.lastIndex(where: { $0 == .key("nodeSelector") }) else { continue }
                    let podSpec = Array(matched[..<selector])
                    let toleration = JSONPatchValue.object(fields.mapValues { .string($0) })
                    if Self.node(at: podSpec + [.key("tolerations")], in: resource.root)?.items != nil {
                        operations.append(PatchOperation(op: "add", path: Self.pointer(podSpec + [.key("tolerations")]) + "/-", value: toleration))
                    } else {
                        operations.append(PatchOperation(op: "add", path: Self.pointer(podSpec + [.key("tolerations")]), value: .array([toleration])))
                    }
                case .createStorageClass(let provisioner, let parameters):
                    guard let name = matchedNode.scalar, !name.isEmpty, !plan.generated.contains(where: { $0.name == "StorageClass \(name)" }) else { continue }
                    var yaml = "# A class named as the source cloud's built-in one, so that claims keep their class name.\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: \(yamlQuoted(name))\nprovisioner: \(yamlQuoted(provisioner))\n"
                    if !parameters.isEmpty {
                        yaml += "parameters:\n" + parameters.sorted { $0.key < $1.key }.map { "  \(yamlQuoted($0.key)): \(yamlQuoted($0.value))\n" }.joined()
                    }
                    // Zonal disks bind where the pod is scheduled, as every cloud's built-in disk class does.
                    yaml += "volumeBindingMode: WaitForFirstConsumer\nallowVolumeExpansion: true\n"
                    plan.generated.append(("StorageClass \(name)", yaml))
                case .appendSibling(let value):
                    guard case .index = matched.last else { continue }
                    operations.append(PatchOperation(op: "add", path: Self.pointer(Array(matched.dropLast())) + "/-", value: .string(value)))
                case .labelPods(let key, let value):
                    guard finding.resource.kind == "ServiceAccount" else { continue }
                    for other in resources where other.ref.namespace == finding.resource.namespace {
                        for template in Self.podTemplates(in: other.root, serviceAccount: finding.resource.name) {
                            elsewhere.append((other, Self.add(path: template + [.key("metadata"), .key("labels"), .key(key)], value: value, in: other.root)))
                        }
                    }
                case .move(let source, let destination):
                    // A field the target names differently (PodMonitoring `endpoints` →
                    // PodMonitor `podMetricsEndpoints`): its value moves as written.
                    guard Self.node(at: source, in: resource.root) != nil else { continue }
                    operations.append(PatchOperation(op: "move", path: Self.pointer(destination), from: Self.pointer(source)))
                case .replaceWithGateway(let className):
                    guard finding.resource.kind == "Ingress" else {
                        // A class in a chart's values or an Application: the chart renders the
                        // Ingress, so the Gateway has to come from the chart too.
                        outcome = .refused
                        result.note = "only an Ingress object is rewritten as a Gateway and HTTPRoutes; this \(finding.resource.kind) sets the class for something it renders, which has to offer a Gateway itself"
                        result.advice = advice
                        continue
                    }
                    guard !converted.keys.contains(key(finding.file, finding.resource)) else { continue }
                    var conversion = GatewayConversion(className: className, services: resources)
                    conversion.namespaceOfRoute = finding.resource.namespace
                    let made = conversion.convert(resource.root, ref: finding.resource)
                    plan.generated += made.resources
                    plan.deletions.append((finding.resource, finding.file))
                    converted[key(finding.file, finding.resource)] = made.dropped
                    if !made.unresolvedPorts.isEmpty {
                        outcome = .needsInput
                        conversionInputs = [TranslationInput(name: GatewayConversion.portInput, whereToFind: "The port number of each backend Service port named in the Ingress (\(made.unresolvedPorts.joined(separator: ", "))): spec.ports[].port of that Service, which this scan did not include.")]
                    }
                    if !made.dropped.isEmpty { result.note += " Not carried over: " + made.dropped.joined(separator: "; ") + "." }
                case .rehost(let host):
                    guard let image = matchedNode.scalar, let slash = image.firstIndex(of: "/") else { continue }
                    let source = String(image[..<slash])
                    let mapped = registryMap[source]
                    if mapped != nil, translation.inputs.count == 1 { outcome = .translated }
                    // Through Kustomize's `images:` (every use of the image, tag kept), not a patch.
                    let name = Self.imageName(image)
                    let newName = (mapped ?? host) + name[name.index(name.startIndex, offsetBy: source.count)...]
                    if !plan.images.contains(where: { $0.name == name }) { plan.images.append((name, newName)) }
                }
            }
            let index = byResource[key(finding.file, finding.resource)] ?? {
                plan.patches.append(ResourcePatch(resource: finding.resource, file: finding.file, operations: []))
                byResource[key(finding.file, finding.resource)] = plan.patches.count - 1
                return plan.patches.count - 1
            }()
            for op in operations { Self.append(op, to: &plan.patches[index].operations) }
            for (other, op) in elsewhere {
                let otherKey = key(other.file, other.ref)
                let i = byResource[otherKey] ?? {
                    plan.patches.append(ResourcePatch(resource: other.ref, file: other.file, operations: []))
                    byResource[otherKey] = plan.patches.count - 1
                    return plan.patches.count - 1
                }()
                Self.append(op, to: &plan.patches[i].operations)
            }
            result.outcome = outcome
            result.kept = outcome == .translated && translation.operations.isEmpty
            result.inputs = outcome == .needsInput ? translation.inputs + conversionInputs : []
            return result
        }
        for finding in findings where finding.target == target {
            var result = translateOne(finding)
            // The other places of the construct (several keys or rules of one point on this
            // resource) are translated too, each by its own rule and value: a finding is
            // translated only when all of them are.
            for place in finding.related ?? [] {
                guard let rule = place.rule ?? Optional(finding.ruleId), place.path != finding.path else { continue }
                // A place the edits already cover: written over, or inside what was removed (the
                // solver block a swap replaces, the key a sibling write rewrote).
                if let steps = try? TranslationSource.steps(place.path), let index = byResource[key(finding.file, finding.resource)] {
                    let pointer = Self.pointer(steps)
                    if plan.patches[index].operations.contains(where: { op in
                        op.path == pointer || (op.op == "remove" && pointer.hasPrefix(op.path + "/"))
                    }) { continue }
                }
                var other = finding
                other.ruleId = rule
                other.path = place.path
                other.line = place.line
                other.related = nil
                let part = translateOne(other)
                if part.outcome == .translated && part.kept && result.kept { continue }
                if part.outcome > result.outcome {
                    result.outcome = part.outcome
                    result.advice = result.advice ?? part.advice
                }
                result.kept = result.kept && part.kept
                result.uncovered = result.outcome == .refused && (result.uncovered || part.uncovered)
                result.inputs += part.inputs.filter { input in !result.inputs.contains(input) }
                if part.note != result.note { result.note += " Also \(place.path) (\(rule)): \(part.note)" }
            }
            plan.findings.append(result)
        }
        // A replaced Ingress is deleted, so edits of it are void: the settings they translated
        // are not carried by the routes (the condition that chose the Gateway class is).
        if !converted.isEmpty {
            for i in plan.patches.indices where converted.keys.contains(key(plan.patches[i].file, plan.patches[i].resource)) {
                plan.patches[i].operations = []
            }
            let chosen = Set(translations.values.joined().flatMap { t -> [String] in
                guard t.operations.contains(where: { if case .replaceWithGateway = $0 { true } else { false } }) else { return [] }
                return t.whenFields.map { Self.pointer($0.path) }
            })
            for i in plan.findings.indices {
                let f = plan.findings[i]
                // A finding's file and resource description are the key its resource is under.
                guard converted.keys.contains(f.file + "\u{0}" + f.resource), f.outcome != .refused || f.uncovered,
                      !translations[f.ruleId, default: []].contains(where: { $0.operations.contains { if case .replaceWithGateway = $0 { true } else { false } } })
                else { continue }
                let pointer = (try? TranslationSource.steps(f.path)).map { Self.pointer($0) }
                if f.uncovered {
                    plan.findings[i].note = "not carried over: the Ingress is replaced by a Gateway and HTTPRoutes, and the catalogue has no translation of this setting for them"
                } else if let pointer, chosen.contains(pointer) {
                    plan.findings[i].note = "read into the Gateway's class: the Ingress is replaced by a Gateway and HTTPRoutes"
                    plan.findings[i].outcome = .translated
                    plan.findings[i].inputs = []
                } else if removalOnly.contains(f.file + "\u{0}" + f.resource + "\u{0}" + f.path) && f.outcome == .translated {
                    plan.findings[i].note = "removed with the Ingress, which a Gateway and HTTPRoutes replace (\(f.note))"
                } else {
                    plan.findings[i].note = "not carried over: the Ingress is replaced by a Gateway and HTTPRoutes, and this setting has to be made again on them by hand (\(f.note))"
                    plan.findings[i].outcome = .refused
                    plan.findings[i].inputs = []
                    plan.findings[i].kept = false
                }
            }
        }
        // Removes last and deepest first, so list indices and parents stay valid.
        for i in plan.patches.indices {
            let ops = plan.patches[i].operations
            let writes = ops.filter { $0.op != "remove" }
            let removes = ops.filter { $0.op == "remove" }.sorted { $0.path.localizedStandardCompare($1.path) == .orderedDescending }
            plan.patches[i].operations = writes + removes
        }
        return plan
    }

    /// Adds `op` to a patch unless one already writes that path. Two adds that each create
    /// the same missing mapping (two annotations on a resource that had none) are merged, so
    /// neither is lost.
    static func append(_ op: PatchOperation, to operations: inout [PatchOperation]) {
        // `/-` appends to a list: each is its own item (two new container arguments).
        if op.path.hasSuffix("/-") {
            if !operations.contains(op) { operations.append(op) }
            return
        }
        guard let i = operations.firstIndex(where: { $0.path == op.path }) else { operations.append(op); return }
        if op.op == "add", operations[i].op == "add", case .object(let mine)? = op.value, case .object(let theirs)? = operations[i].value {
            operations[i].value = .object(merged(theirs, mine))
        }
    }

    static func merged(_ a: [String: JSONPatchValue], _ b: [String: JSONPatchValue]) -> [String: JSONPatchValue] {
        a.merging(b) { old, new in
            if case .object(let x) = old, case .object(let y) = new { return .object(merged(x, y)) }
            return old
        }
    }

    static func nested(_ object: [String: JSONPatchValue], _ path: ArraySlice<String>, _ value: JSONPatchValue) -> [String: JSONPatchValue] {
        var object = object
        guard let first = path.first else { return object }
        if path.count == 1 { object[first] = value; return object }
        var inner: [String: JSONPatchValue] = [:]
        if case .object(let existing)? = object[first] { inner = existing }
        object[first] = .object(nested(inner, path.dropFirst(), value))
        return object
    }

    /// The paths of the pod templates in `root` whose pod spec runs as `serviceAccount`: the
    /// mapping that holds both `metadata` (or may) and a `spec` with containers, at any depth.
    static func podTemplates(in root: ManifestNode, serviceAccount: String) -> [[PathStep]] {
        var found: [[PathStep]] = []
        func walk(_ node: ManifestNode, _ path: [PathStep], depth: Int) {
            guard depth < 16, let entries = node.entries else { return }
            if let spec = node["spec"], spec["containers"]?.items != nil,
               (spec["serviceAccountName"]?.scalar ?? spec["serviceAccount"]?.scalar) == serviceAccount {
                found.append(path)
            }
            for entry in entries where entry.value.entries != nil { walk(entry.value, path + [.key(entry.key)], depth: depth + 1) }
        }
        walk(root, [], depth: 0)
        return found
    }

    /// `add` at `path`; missing mappings on the way are created by adding the first missing one
    /// with the rest nested inside it.
    static func add(path: [PathStep], value: String, in root: ManifestNode) -> PatchOperation {
        add(path: path, typed: .string(value), in: root)
    }

    static func add(path: [PathStep], typed value: JSONPatchValue, in root: ManifestNode, moves: [(from: [PathStep], to: [PathStep])] = []) -> PatchOperation {
        // How many leading steps of `steps` exist in the manifest.
        func depth(_ steps: [PathStep]) -> Int {
            var existing = 0
            var node = root
            for step in steps.dropLast() {
                let next: ManifestNode?
                switch step {
                case .key(let key): next = node[key]
                case .index(let i): next = node.items.flatMap { $0.indices.contains(i) ? $0[i] : nil }
                }
                guard let next else { break }
                node = next
                existing += 1
            }
            return existing
        }
        var existing = depth(path)
        // Inside a field moved earlier in the same patch (and there to move): what exists is read
        // at its old place, and counted at its new one.
        if let move = moves.first(where: { path.starts(with: $0.to) }), node(at: move.from, in: root) != nil {
            existing = depth(move.from + path.dropFirst(move.to.count)) - move.from.count + move.to.count
        }
        if existing >= path.count - 1 { return PatchOperation(op: "add", path: pointer(path), value: value) }
        var nested: JSONPatchValue = value
        for step in path[(existing + 1)...].reversed() {
            if case .key(let key) = step { nested = .object([key: nested]) }
        }
        return PatchOperation(op: "add", path: pointer(Array(path[...existing])), value: nested)
    }

    static func node(at path: [PathStep], in root: ManifestNode) -> ManifestNode? {
        var node = root
        for step in path {
            switch step {
            case .key(let key): guard let next = node[key] else { return nil }; node = next
            case .index(let i): guard let items = node.items, items.indices.contains(i) else { return nil }; node = items[i]
            }
        }
        return node
    }

    /// RFC 6901: `/` and `~` in a key are written `~1` and `~0`.
    static func pointer(_ path: [PathStep]) -> String {
        path.map { step -> String in
            switch step {
            case .key(let key): "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            case .index(let i): "/\(i)"
            }
        }.joined()
    }

    /// `operations` applied to `root` in order, as Kustomize applies a JSON patch: what the
    /// examples are checked against.
    public static func apply(_ operations: [PatchOperation], to root: ManifestNode) throws -> ManifestNode {
        var node = root
        for var op in operations {
            if op.op == "move" {
                // A remove at `from`, then an add of what was there.
                guard let from = op.from, let moved = Self.node(at: Self.steps(from), in: node) else { throw ApplyError(description: "move: no \(op.from ?? "")") }
                node = try apply([PatchOperation(op: "remove", path: from)], to: node)
                op = PatchOperation(op: "add", path: op.path, value: value(of: moved))
            }
            node = try edit(node, Self.steps(op.path)[...], op)
        }
        return node
    }

    struct ApplyError: Error, CustomStringConvertible { var description: String }

    /// An RFC 6901 pointer as steps.
    static func steps(_ pointer: String) -> [PathStep] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part -> PathStep in
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            return Int(key).map { .index($0) } ?? .key(key)
        }
    }

    /// A manifest node as a patch value (scalars as their text).
    static func value(of node: ManifestNode) -> JSONPatchValue {
        switch node.value {
        case .scalar(let s): .string(s)
        case .sequence(let items): .array(items.map { value(of: $0) })
        case .mapping(let entries): .object(Dictionary(entries.map { ($0.key, value(of: $0.value)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    static func edit(_ node: ManifestNode, _ steps: ArraySlice<PathStep>, _ op: PatchOperation) throws -> ManifestNode {
        guard let step = steps.first else { throw ApplyError(description: "empty path") }
        let last = steps.count == 1
        func value(_ v: JSONPatchValue?) -> ManifestNode {
            switch v {
            case .string(let s)?: return ManifestNode(.scalar(s), at: node.location)
            case .bool(let b)?: return ManifestNode(.scalar(b ? "true" : "false"), at: node.location)
            case .number(let n)?: return ManifestNode(.scalar(String(n)), at: node.location)
            case .object(let o)?: return ManifestNode(.mapping(o.sorted { $0.key < $1.key }.map { ManifestNode.Entry(key: $0.key, keyLocation: node.location, value: value($0.value)) }), at: node.location)
            case .array(let a)?: return ManifestNode(.sequence(a.map { value($0) }), at: node.location)
            case nil: return ManifestNode(.scalar(""), at: node.location)
            }
        }
        switch (node.value, step) {
        case (.mapping(var entries), .key(let key)):
            let index = entries.firstIndex { $0.key == key }
            if last {
                switch op.op {
                case "remove":
                    guard let index else { throw ApplyError(description: "remove: no \(op.path)") }
                    entries.remove(at: index)
                case "replace", "add":
                    if op.op == "replace" && index == nil { throw ApplyError(description: "replace: no \(op.path)") }
                    if let index { entries[index].value = value(op.value) } else { entries.append(ManifestNode.Entry(key: key, keyLocation: node.location, value: value(op.value))) }
                default: throw ApplyError(description: "unsupported op \(op.op)")
                }
            } else {
                guard let index else { throw ApplyError(description: "\(op.op): no parent for \(op.path)") }
                entries[index].value = try edit(entries[index].value, steps.dropFirst(), op)
            }
            return ManifestNode(.mapping(entries), at: node.location)
        case (.sequence(var items), .key("-")) where last && op.op == "add":
            // RFC 6902: `-` is the end of the list.
            items.append(value(op.value))
            return ManifestNode(.sequence(items), at: node.location)
        case (.sequence(var items), .index(let i)):
            guard items.indices.contains(i) || (op.op == "add" && last && i == items.count) else { throw ApplyError(description: "\(op.op): index out of range in \(op.path)") }
            if last {
                switch op.op {
                case "remove": items.remove(at: i)
                case "replace": items[i] = value(op.value)
                case "add": items.insert(value(op.value), at: i)
                default: throw ApplyError(description: "unsupported op \(op.op)")
                }
            } else {
                items[i] = try edit(items[i], steps.dropFirst(), op)
            }
            return ManifestNode(.sequence(items), at: node.location)
        default:
            throw ApplyError(description: "\(op.op): \(op.path) does not fit the document")
        }
    }
}
