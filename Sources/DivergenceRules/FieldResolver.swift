import DivergenceCore

/// Where the shapes that rules reach by root sit in one resource, found once and shared by
/// everything that looks at it (rule engine, unassessed detector, workload grouping).
///
/// A pod spec is recognised by its shape, not by its kind: a mapping with a `containers` list
/// of containers, at any depth. A Deployment keeps one at `spec.template.spec`; a RayCluster one
/// per head and worker group, a JobSet one per replicated job, a Strimzi or Argo resource wherever
/// its authors chose. Its pod metadata is the `metadata` beside it (`template.metadata`).
/// Resources written inside the resource (kro and Crossplane templates, Cluster API templates)
/// are listed apart: they are matched as what they will become, and their pods belong to them.
/// Used by one thread at a time, like the resource it belongs to.
public final class ShapeIndex {
    private let root: ManifestNode
    private var found = false
    private var podSpecs: [ResolvedNode] = []
    private var podMetas: [ResolvedNode] = []
    private var nested: [EmbeddedResource] = []

    private let kind: String
    private let group: String

    public init(_ resource: LocatedResource) {
        root = resource.root
        kind = resource.ref.kind
        group = resource.ref.group
    }

    /// Every pod spec of the resource (not of the resources embedded in it), in document order.
    var pods: [ResolvedNode] { find(); return podSpecs }
    /// The pod metadata beside each pod spec that has one.
    var podMetadata: [ResolvedNode] { find(); return podMetas }
    /// Resources written inside this one.
    var embedded: [EmbeddedResource] { find(); return nested }

    /// Whether the resource holds a pod spec: what `$workload` selects.
    public var carriesPod: Bool { !pods.isEmpty }
    /// The first pod spec, for facts that want one (service account, volumes).
    public var spec: ManifestNode? { pods.first?.node }
    /// The first pod's metadata.
    public var metadata: ManifestNode? { podMetadata.first?.node }

    /// Deeper than any real manifest nests; bounds the walk on hostile input.
    static let maxDepth = 64

    private func find() {
        guard !found else { return }
        found = true
        // The Kubernetes API's own kinds keep their pod template at one known place and hold no
        // other resource: answered without a walk (most resources of a repository are these).
        if Self.coreGroups.contains(group) {
            if let route = Self.coreRoutes[kind] { follow(route) }
            return
        }
        walk(root, trail: nil, parent: nil, viaKey: nil, keyLocation: nil, depth: 0)
    }

    /// API groups of Kubernetes itself, whose kinds never embed a pod spec or a resource
    /// anywhere but at the routes below.
    static let coreGroups: Set<String> = [
        "", "apps", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "autoscaling",
        "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
        "node.k8s.io", "certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
    ]

    /// Where the core kinds keep their pod spec: the keys down to the pod template (whose `spec`
    /// is the pod spec and whose `metadata` the pod's metadata). A Pod is its own template.
    static let coreRoutes: [String: [String]] = [
        "Pod": [], "PodTemplate": ["template"],
        "Deployment": ["spec", "template"], "StatefulSet": ["spec", "template"], "DaemonSet": ["spec", "template"],
        "ReplicaSet": ["spec", "template"], "ReplicationController": ["spec", "template"], "Job": ["spec", "template"],
        "CronJob": ["spec", "jobTemplate", "spec", "template"],
    ]

    /// The pod template at `route` (as the core kinds write it), whatever its containers hold.
    private func follow(_ route: [String]) {
        var node = root
        var trail: PathTrail?
        for key in route {
            guard let entry = node.entry(key) else { return }
            node = entry.value
            trail = PathTrail(trail, .key(key))
        }
        guard let spec = node.entry("spec") else { return }
        podSpecs.append(ResolvedNode(node: spec.value, trail: PathTrail(trail, .key("spec")), keyLocation: spec.keyLocation, key: "spec"))
        if let meta = node.entry("metadata") {
            podMetas.append(ResolvedNode(node: meta.value, trail: PathTrail(trail, .key("metadata")), keyLocation: meta.keyLocation, key: "metadata"))
        }
    }

    private func walk(_ node: ManifestNode, trail: PathTrail?, parent: ManifestNode?, viaKey: String?,
                      keyLocation: SourceLocation?, depth: Int) {
        guard depth < Self.maxDepth else { return }
        switch node.value {
        case .scalar:
            return
        case .sequence(let items):
            for (i, item) in items.enumerated() where !item.isScalar {
                walk(item, trail: PathTrail(trail, .index(i)), parent: nil, viaKey: nil, keyLocation: nil, depth: depth + 1)
            }
        case .mapping(let entries):
            if depth > 0, EmbeddedResource.isResource(node) {
                nested.append(EmbeddedResource(node: node, trail: trail))
                return
            }
            if Self.isPodSpec(node) {
                podSpecs.append(ResolvedNode(node: node, trail: trail, keyLocation: keyLocation, key: viaKey))
                // The pod metadata is the `metadata` beside a pod spec held under `spec`: a pod
                // template, or a Pod itself.
                if viaKey == "spec", let parent, let meta = parent.entry("metadata") {
                    let metaTrail = trail?.parent
                    podMetas.append(ResolvedNode(node: meta.value, trail: PathTrail(metaTrail, .key("metadata")),
                                                 keyLocation: meta.keyLocation, key: "metadata"))
                }
                // A pod spec holds no other pod spec: nothing below it to find.
                return
            }
            for entry in entries where !entry.value.isScalar {
                walk(entry.value, trail: PathTrail(trail, .key(entry.key)), parent: node, viaKey: entry.key,
                     keyLocation: entry.keyLocation, depth: depth + 1)
            }
        }
    }

    /// A mapping with a `containers` list whose items are containers (mappings with an image or
    /// a name): the shape of a PodSpec. A list whose every image is a glob (`public.ecr.aws/*`,
    /// `!*:latest`) is a policy's pattern (Kyverno, Gatekeeper), not a pod that pulls anything.
    static func isPodSpec(_ node: ManifestNode) -> Bool {
        guard let items = node["containers"]?.items, !items.isEmpty else { return false }
        return items.contains { item in
            if let image = item["image"]?.scalar { return !image.utf8.contains { $0 == 0x2A || $0 == 0x3F || $0 == 0x21 } }
            return item["name"] != nil
        }
    }
}

/// A resource written inside another (a template it will create), with the way to it.
struct EmbeddedResource {
    var node: ManifestNode
    var trail: PathTrail?

    /// `apiVersion` and `kind` as text, and a body: `metadata` or `spec` as a mapping. A
    /// reference (`scaleTargetRef`, `ownerReferences`) names a kind but has no body.
    static func isResource(_ node: ManifestNode) -> Bool {
        guard node["apiVersion"]?.scalar != nil, let kind = node["kind"]?.scalar, !kind.isEmpty else { return false }
        return node["metadata"]?.entries != nil || node["spec"]?.entries != nil
    }

    /// The embedded resource as a resource of its own, in the outer one's file.
    func resource(in outer: LocatedResource) -> LocatedResource {
        let apiVersion = node["apiVersion"]?.scalar ?? ""
        let kind = node["kind"]?.scalar ?? ""
        let metadata = node["metadata"]
        let ref = ResourceRef(apiVersion: apiVersion, kind: kind,
                              namespace: metadata?["namespace"]?.scalar ?? outer.ref.namespace,
                              name: metadata?["name"]?.scalar ?? outer.ref.name)
        return LocatedResource(ref: ref, file: outer.file, document: outer.document, location: node.location,
                               kindLocation: node.entry("kind")?.value.location ?? node.location, root: node,
                               renderedFrom: outer.renderedFrom, renderedLineOffset: outer.renderedLineOffset,
                               literalMarks: outer.literalMarks)
    }
}

extension ManifestNode {
    var isScalar: Bool {
        if case .scalar = value { return true }
        return false
    }
}

/// Resolves field paths against a resource, including the pod-spec roots.
enum FieldResolver {
    static func resolve(_ path: FieldPath, in resource: LocatedResource, shapes: ShapeIndex? = nil) -> [ResolvedNode] {
        let shapes = shapes ?? ShapeIndex(resource)
        var current: [ResolvedNode]
        switch path.root {
        case .document:
            current = [ResolvedNode(node: resource.root, trail: nil, keyLocation: nil, key: nil)]
        case .pod:
            current = shapes.pods
        case .podMeta:
            current = shapes.podMetadata
        case .containers:
            current = []
            for pod in shapes.pods {
                for listKey in ["containers", "initContainers", "ephemeralContainers"] {
                    guard let items = pod.node[listKey]?.items else { continue }
                    for (i, item) in items.enumerated() {
                        current.append(ResolvedNode(node: item, trail: PathTrail(PathTrail(pod.trail, .key(listKey)), .index(i)), keyLocation: nil, key: nil))
                    }
                }
            }
        }
        // `$containers` already yields one node per container; `$containers[*]` means the same.
        var steps = path.root == .containers && path.steps.first == .anyIndex ? path.steps.dropFirst() : path.steps[...]
        if path.root == .document, steps.count > 1, steps.first == .anyDepth, case .key(let key) = steps[steps.index(after: steps.startIndex)] {
            // `**.key…` from the root: only the mappings that hold `key` become nodes, with their
            // way built from the walk's stack; the rest of the tree allocates nothing.
            current = []
            var stack: [PathStep] = []
            mappings(holding: key, in: resource.root, stack: &stack, depth: 0, into: &current)
            steps = steps.dropFirst()
        }
        for step in steps {
            // One node and one key, the usual case (`metadata.annotations`): stepped in place,
            // with no array made per step.
            if current.count == 1, case .key(let key) = step {
                guard let entry = current[0].node.entry(key) else { return [] }
                current[0] = ResolvedNode(node: entry.value, trail: PathTrail(current[0].trail, .key(key)),
                                          keyLocation: entry.keyLocation, key: key)
                continue
            }
            var next: [ResolvedNode] = []
            for candidate in current {
                switch step {
                case .key(let key):
                    if let entry = candidate.node.entry(key) {
                        next.append(ResolvedNode(node: entry.value, trail: PathTrail(candidate.trail, .key(key)),
                                                 keyLocation: entry.keyLocation, key: key))
                    }
                case .anyKey:
                    for entry in candidate.node.entries ?? [] {
                        next.append(ResolvedNode(node: entry.value, trail: PathTrail(candidate.trail, .key(entry.key)),
                                                 keyLocation: entry.keyLocation, key: entry.key))
                    }
                case .index(let n):
                    if let items = candidate.node.items, n < items.count {
                        next.append(ResolvedNode(node: items[n], trail: PathTrail(candidate.trail, .index(n)), keyLocation: nil, key: nil))
                    }
                case .anyIndex:
                    for (i, item) in (candidate.node.items ?? []).enumerated() {
                        next.append(ResolvedNode(node: item, trail: PathTrail(candidate.trail, .index(i)), keyLocation: nil, key: nil))
                    }
                case .anyDepth:
                    descendants(of: candidate, depth: 0, into: &next)
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }

    /// Every mapping at or below `node` that has an entry `key`, as nodes with their way.
    static func mappings(holding key: String, in node: ManifestNode, stack: inout [PathStep], depth: Int, into out: inout [ResolvedNode]) {
        guard depth < ShapeIndex.maxDepth else { return }
        switch node.value {
        case .scalar:
            return
        case .sequence(let items):
            for i in items.indices where !items[i].isScalar {
                stack.append(.index(i))
                mappings(holding: key, in: items[i], stack: &stack, depth: depth + 1, into: &out)
                stack.removeLast()
            }
        case .mapping(let entries):
            if entries.contains(where: { $0.key == key }) {
                out.append(ResolvedNode(node: node, trail: PathTrail.chain(stack), keyLocation: nil, key: nil))
            }
            for e in entries.indices where !entries[e].value.isScalar {
                stack.append(.key(entries[e].key))
                mappings(holding: key, in: entries[e].value, stack: &stack, depth: depth + 1, into: &out)
                stack.removeLast()
            }
        }
    }

    /// Tests every key (`keyTest`) or every scalar, list items included (`valueTest`), at or
    /// below `node`: a `**` leaf, evaluated in one walk that builds a way only for what passes.
    static func visitAnywhere(_ root: ManifestNode, keyTest: CompiledKeyTest?, valueTest: CompiledValueTest?,
                              found: inout [NodeMatch]) {
        // The way down is kept as indices (no key strings copied per node), turned into steps
        // only for a node that passes.
        var indices: [Int] = []
        indices.reserveCapacity(16)
        visit(root, root: root, keyTest: keyTest, valueTest: valueTest, indices: &indices, found: &found)
    }

    private static func visit(_ node: ManifestNode, root: ManifestNode, keyTest: CompiledKeyTest?, valueTest: CompiledValueTest?,
                              indices: inout [Int], found: inout [NodeMatch]) {
        guard indices.count < ShapeIndex.maxDepth else { return }
        switch node.value {
        case .scalar:
            return
        case .sequence(let items):
            for i in items.indices {
                indices.append(i)
                if case .scalar(let text) = items[i].value {
                    if keyTest == nil, let valueTest, valueTest.matches(text) {
                        found.append(NodeMatch(steps: steps(root, indices), location: items[i].location, evidence: text))
                    }
                } else {
                    visit(items[i], root: root, keyTest: keyTest, valueTest: valueTest, indices: &indices, found: &found)
                }
                indices.removeLast()
            }
        case .mapping(let entries):
            for e in entries.indices {
                indices.append(e)
                if let keyTest {
                    if keyTest.matches(entries[e].key) {
                        if let valueTest {
                            // A key test and a value test: the key's scalar, or its list's scalars.
                            switch entries[e].value.value {
                            case .scalar(let text):
                                if valueTest.matches(text) {
                                    found.append(NodeMatch(steps: steps(root, indices), location: entries[e].keyLocation, evidence: text))
                                }
                            case .sequence(let items):
                                for i in items.indices {
                                    if case .scalar(let text) = items[i].value, valueTest.matches(text) {
                                        found.append(NodeMatch(steps: steps(root, indices + [i]), location: items[i].location, evidence: text))
                                    }
                                }
                            case .mapping:
                                break
                            }
                        } else {
                            found.append(NodeMatch(steps: steps(root, indices), location: entries[e].keyLocation,
                                                   evidence: entries[e].value.scalar.map { $0.isEmpty ? "\"\"" : $0 } ?? entries[e].value.compactText()))
                        }
                    }
                } else if let valueTest, case .scalar(let text) = entries[e].value.value, valueTest.matches(text) {
                    // A mapping's value is reported where its key is written, as every path's is.
                    found.append(NodeMatch(steps: steps(root, indices), location: entries[e].keyLocation, evidence: text))
                }
                if !entries[e].value.isScalar {
                    visit(entries[e].value, root: root, keyTest: keyTest, valueTest: valueTest, indices: &indices, found: &found)
                }
                indices.removeLast()
            }
        }
    }

    /// The steps from `root` along entry and item indices.
    static func steps(_ root: ManifestNode, _ indices: [Int]) -> [PathStep] {
        var steps: [PathStep] = []
        steps.reserveCapacity(indices.count)
        var node = root
        for i in indices {
            switch node.value {
            case .mapping(let entries):
                steps.append(.key(entries[i].key))
                node = entries[i].value
            case .sequence(let items):
                steps.append(.index(i))
                node = items[i]
            case .scalar:
                return steps
            }
        }
        return steps
    }

    /// The node and every mapping and scalar below it, in document order (a list's items, not
    /// the list: a value test on a list would test its items twice).
    static func descendants(of candidate: ResolvedNode, depth: Int, into out: inout [ResolvedNode]) {
        guard depth < ShapeIndex.maxDepth else { return }
        switch candidate.node.value {
        case .scalar, .mapping:
            out.append(candidate)
        case .sequence:
            break
        }
        switch candidate.node.value {
        case .scalar:
            break
        case .mapping(let entries):
            for entry in entries {
                descendants(of: ResolvedNode(node: entry.value, trail: PathTrail(candidate.trail, .key(entry.key)),
                                             keyLocation: entry.keyLocation, key: entry.key), depth: depth + 1, into: &out)
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                descendants(of: ResolvedNode(node: item, trail: PathTrail(candidate.trail, .index(i)), keyLocation: nil, key: nil),
                            depth: depth + 1, into: &out)
            }
        }
    }

    /// Appends a key in the labels' notation: `.key`, or `["key"]` when it has dots or slashes.
    static func append(key: String, to path: String) -> String {
        var out = Array(path.utf8)
        var key = key
        key.withUTF8 { append(key: $0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The same on bytes, for paths built in one buffer (`PathTrail.path`).
    static func append(key: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if isPlain(key) {
            if !out.isEmpty { out.append(0x2E) }
            out.append(contentsOf: key)
        } else {
            out.append(0x5B); out.append(0x22)
            out.append(contentsOf: key)
            out.append(0x22); out.append(0x5D)
        }
    }

    /// ASCII letters, digits, `_` and `-` make a plain key; checked on bytes, this is hot.
    private static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { b in
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f || b == 0x2d
        }
    }
}

/// The way to a node, kept as a chain so that a path string is only built for nodes that
/// match (most resolved nodes never do).
final class PathTrail: @unchecked Sendable {
    // Immutable after init.
    typealias Component = PathStep
    let parent: PathTrail?
    let component: Component

    init(_ parent: PathTrail?, _ component: Component) {
        self.parent = parent
        self.component = component
    }

    /// The path in the labels' notation, built once into one buffer (it is asked for every
    /// node that matches): the chain read into one array sized for a usual depth, each key's
    /// bytes copied whole.
    var path: String { Self.path(of: steps) }

    /// A chain for a way given as steps.
    static func chain(_ steps: [PathStep]) -> PathTrail? {
        var trail: PathTrail?
        for step in steps { trail = PathTrail(trail, step) }
        return trail
    }

    /// The steps from the document root.
    var steps: [PathStep] {
        var chain: [Component] = []
        chain.reserveCapacity(16)
        var cursor: PathTrail? = self
        while let c = cursor { chain.append(c.component); cursor = c.parent }
        chain.reverse()
        return chain
    }

    /// The path of a list of steps from the document root, in the labels' notation.
    static func path(of components: [Component]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        for component in components {
            switch component {
            case .key(var key):
                key.withUTF8 { FieldResolver.append(key: $0, to: &out) }
            case .index(let i):
                out.append(0x5B)
                out += String(i).utf8
                out.append(0x5D)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
