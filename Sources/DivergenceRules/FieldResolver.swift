import DivergenceCore

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
            return ResolvedNode(node: entry.value, path: part, keyLocation: entry.keyLocation, key: part)
        }
        var node = root
        var path = ""
        let route = resource.ref.kind == "CronJob" ? ["spec", "jobTemplate", "spec", "template", part] : ["spec", "template", part]
        var keyLocation: SourceLocation?
        for key in route {
            guard let entry = node.entry(key) else { return nil }
            node = entry.value
            keyLocation = entry.keyLocation
            path = path.isEmpty ? key : path + "." + key
        }
        return ResolvedNode(node: node, path: path, keyLocation: keyLocation, key: part)
    }

    static func resolve(_ path: FieldPath, in resource: LocatedResource) -> [ResolvedNode] {
        var current: [ResolvedNode]
        switch path.root {
        case .document:
            current = [ResolvedNode(node: resource.root, path: "", keyLocation: nil, key: nil)]
        case .pod:
            current = podSpec(of: resource).map { [$0] } ?? []
        case .podMeta:
            current = podTemplate(of: resource, part: "metadata").map { [$0] } ?? []
        case .containers:
            guard let pod = podSpec(of: resource) else { return [] }
            current = []
            for listKey in ["containers", "initContainers", "ephemeralContainers"] {
                guard let items = pod.node[listKey]?.items else { continue }
                for (i, item) in items.enumerated() {
                    current.append(ResolvedNode(node: item, path: "\(pod.path).\(listKey)[\(i)]", keyLocation: nil, key: nil))
                }
            }
        }
        // `$containers` already yields one node per container; `$containers[*]` means the same.
        let steps = path.root == .containers && path.steps.first == .anyIndex ? Array(path.steps.dropFirst()) : path.steps
        for step in steps {
            var next: [ResolvedNode] = []
            for candidate in current {
                switch step {
                case .key(let key):
                    if let entry = candidate.node.entry(key) {
                        next.append(ResolvedNode(node: entry.value, path: append(key: key, to: candidate.path),
                                                 keyLocation: entry.keyLocation, key: key))
                    }
                case .anyKey:
                    for entry in candidate.node.entries ?? [] {
                        next.append(ResolvedNode(node: entry.value, path: append(key: entry.key, to: candidate.path),
                                                 keyLocation: entry.keyLocation, key: entry.key))
                    }
                case .index(let n):
                    if let items = candidate.node.items, n < items.count {
                        next.append(ResolvedNode(node: items[n], path: candidate.path + "[\(n)]", keyLocation: nil, key: nil))
                    }
                case .anyIndex:
                    for (i, item) in (candidate.node.items ?? []).enumerated() {
                        next.append(ResolvedNode(node: item, path: candidate.path + "[\(i)]", keyLocation: nil, key: nil))
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
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        if plain { return path.isEmpty ? key : path + "." + key }
        return path + "[\"" + key + "\"]"
    }
}
