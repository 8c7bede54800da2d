import DivergenceCore

/// The pod spec and pod template metadata of one resource (the roots `$pod` and `$podMeta`),
/// found once and shared by everything that looks at the resource: the rule engine, the
/// unassessed detector and workload grouping each used to walk to them on their own.
/// Used by one thread at a time, like the resource it belongs to.
public final class PodRoots {
    private let resource: LocatedResource
    private(set) lazy var podSpec: ResolvedNode? = FieldResolver.podSpec(of: resource)
    private(set) lazy var podMeta: ResolvedNode? = FieldResolver.podTemplate(of: resource, part: "metadata")

    public init(_ resource: LocatedResource) { self.resource = resource }

    /// The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …), if any.
    public var spec: ManifestNode? { podSpec?.node }
    /// The pod template's metadata (`metadata` of a Pod), if any.
    public var metadata: ManifestNode? { podMeta?.node }
}

/// Resolves field paths against a resource, including the pod-spec roots.
enum FieldResolver {
    /// The pod spec of a workload and its path, wherever the kind keeps it.
    static func podSpec(of resource: LocatedResource) -> ResolvedNode? {
        podTemplate(of: resource, part: "spec")
    }

    static func podTemplate(of resource: LocatedResource, part: String) -> ResolvedNode? {
        let root = resource.root
        if resource.ref.kind == "Pod" {
            guard let entry = root.entry(part) else { return nil }
            return ResolvedNode(node: entry.value, trail: PathTrail(nil, .key(part)), keyLocation: entry.keyLocation, key: part)
        }
        var node = root
        var trail: PathTrail?
        let route = resource.ref.kind == "CronJob" ? ["spec", "jobTemplate", "spec", "template", part] : ["spec", "template", part]
        var keyLocation: SourceLocation?
        for key in route {
            guard let entry = node.entry(key) else { return nil }
            node = entry.value
            keyLocation = entry.keyLocation
            trail = PathTrail(trail, .key(key))
        }
        return ResolvedNode(node: node, trail: trail, keyLocation: keyLocation, key: part)
    }

    static func resolve(_ path: FieldPath, in resource: LocatedResource, roots: PodRoots? = nil) -> [ResolvedNode] {
        let roots = roots ?? PodRoots(resource)
        var current: [ResolvedNode]
        switch path.root {
        case .document:
            current = [ResolvedNode(node: resource.root, trail: nil, keyLocation: nil, key: nil)]
        case .pod:
            current = roots.podSpec.map { [$0] } ?? []
        case .podMeta:
            current = roots.podMeta.map { [$0] } ?? []
        case .containers:
            guard let pod = roots.podSpec else { return [] }
            current = []
            for listKey in ["containers", "initContainers", "ephemeralContainers"] {
                guard let items = pod.node[listKey]?.items else { continue }
                for (i, item) in items.enumerated() {
                    current.append(ResolvedNode(node: item, trail: PathTrail(PathTrail(pod.trail, .key(listKey)), .index(i)), keyLocation: nil, key: nil))
                }
            }
        }
        // `$containers` already yields one node per container; `$containers[*]` means the same.
        let steps = path.root == .containers && path.steps.first == .anyIndex ? path.steps.dropFirst() : path.steps[...]
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
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
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
    enum Component { case key(String), index(Int) }
    let parent: PathTrail?
    let component: Component

    init(_ parent: PathTrail?, _ component: Component) {
        self.parent = parent
        self.component = component
    }

    /// The path in the labels' notation, built once into one buffer (it is asked for every
    /// node that matches): the chain read into one array sized for a usual depth, each key's
    /// bytes copied whole.
    var path: String {
        var chain: [PathTrail] = []
        chain.reserveCapacity(16)
        var cursor: PathTrail? = self
        while let c = cursor { chain.append(c); cursor = c.parent }
        var out: [UInt8] = []
        out.reserveCapacity(96)
        for link in chain.reversed() {
            switch link.component {
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
