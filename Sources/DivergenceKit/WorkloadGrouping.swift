import DivergenceCore
import DivergenceRules

/// Groups resources into workloads, the unit a team migrates: a pod-bearing resource with the
/// Services that select it, its ServiceAccount, its claims, and the Ingresses that route to
/// those Services. Everything else (StorageClasses, issuers, CRDs) is cluster-wide.
public enum WorkloadGrouping {
    public struct Workload: Sendable, Hashable {
        public var owner: ResourceRef
        public var members: [ResourceRef]
    }

    /// What grouping needs to know of one resource, read while its tree is at hand.
    public struct Facts: Sendable {
        public var ref: ResourceRef
        var podLabels: [String: String] = [:]
        var serviceAccount: String?
        var claims: [String] = []
        var serviceSelector: [(String, String)] = []
        var ingressBackends: Set<String> = []
        /// Holds a pod spec, whatever its kind: a workload of its own.
        var carriesPod = false

        /// `shapes`, when given, is the index the rule engine already made.
        public init(_ resource: LocatedResource, shapes: ShapeIndex? = nil) {
            ref = resource.ref
            switch ref.kind {
            case "Service":
                serviceSelector = (resource.root["spec"]?["selector"]?.entries ?? []).compactMap { e in e.value.scalar.map { (e.key, $0) } }
            case "Ingress":
                ingressBackends = WorkloadGrouping.backendServices(of: resource)
            default:
                let roots = shapes ?? ShapeIndex(resource)
                guard roots.carriesPod else { break }
                carriesPod = true
                let podMeta = roots.metadata
                podLabels = Dictionary((podMeta?["labels"]?.entries ?? []).compactMap { e in e.value.scalar.map { (e.key, $0) } }, uniquingKeysWith: { a, _ in a })
                let podSpec = roots.spec
                serviceAccount = podSpec?["serviceAccountName"]?.scalar ?? podSpec?["serviceAccount"]?.scalar
                var claims = Set((podSpec?["volumes"]?.items ?? []).compactMap { $0["persistentVolumeClaim"]?["claimName"]?.scalar })
                for template in resource.root["spec"]?["volumeClaimTemplates"]?.items ?? [] {
                    if let name = template["metadata"]?["name"]?.scalar { claims.insert(name) }
                }
                self.claims = claims.sorted()
            }
        }
    }

    /// Workloads in input order; `clusterWide` holds resources that belong to none.
    public static func group(_ resources: [LocatedResource]) -> (workloads: [Workload], clusterWide: [ResourceRef]) {
        group(facts: resources.map { Facts($0) })
    }

    /// The same, from facts gathered earlier.
    public static func group(facts: [Facts]) -> (workloads: [Workload], clusterWide: [ResourceRef]) {
        let grouped = Grouped(facts: facts)
        return (grouped.workloads, grouped.clusterWide.map { grouped.refs[$0] })
    }

    /// Workloads with every object numbered: a report looks findings up by number, where
    /// hashing each member's identity again cost as much as the grouping itself.
    struct Grouped {
        var workloads: [Workload] = []
        /// The numbers of each workload's members, index for index with `workloads`.
        var memberIDs: [[Int]] = []
        /// Objects that belong to no workload, by number, in input order.
        var clusterWide: [Int] = []
        /// Each distinct object (the same object may be written in several files), by number.
        var refs: [ResourceRef] = []
        var idOf: [ResourceRef: Int] = [:]

        // Index keys as fields, not joined strings: nothing to build per lookup.
        private struct Pair: Hashable { var namespace, key, value: String }
        private struct Named: Hashable { var kind, namespace, name: String }
        private struct Backend: Hashable { var namespace, service: String }
        private typealias Member = (ref: ResourceRef, id: Int)

        init(facts: [Facts]) {
            idOf.reserveCapacity(facts.count)
            let ids = facts.map { fact -> Int in
                if let id = idOf[fact.ref] { return id }
                refs.append(fact.ref)
                idOf[fact.ref] = refs.count - 1
                return refs.count - 1
            }
            var workloadOf = [Int](repeating: -1, count: refs.count)
            var claimed = [Bool](repeating: false, count: refs.count)
            // Everything is indexed once, so grouping stays linear in the number of resources:
            // Services by namespace and by one of their selector pairs, Ingresses by the Services
            // they route to, ServiceAccounts and claims by namespace and name.
            var servicesByPair: [Pair: [(member: Member, selector: [(String, String)], index: Int)]] = [:]
            var ingressesByService: [Backend: [Member]] = [:]
            var named: [Named: [Member]] = [:]
            // A Service is indexed under the rarest pair of its selector (`app=api`, not
            // `team=billing`): a pod then meets only the few Services that could select it, where
            // the first pair alone made a namespace of many Services sharing a label quadratic.
            var pairCounts: [Pair: Int] = [:]
            for r in facts where r.ref.kind == "Service" {
                let ns = r.ref.namespace ?? ""
                for (key, value) in r.serviceSelector { pairCounts[Pair(namespace: ns, key: key, value: value), default: 0] += 1 }
            }
            for (index, r) in facts.enumerated() {
                let ns = r.ref.namespace ?? ""
                let member = (r.ref, ids[index])
                switch r.ref.kind {
                case "Service":
                    let pairs = r.serviceSelector.map { Pair(namespace: ns, key: $0.0, value: $0.1) }
                    if let rarest = pairs.min(by: { (pairCounts[$0] ?? 0, $0.key, $0.value) < (pairCounts[$1] ?? 0, $1.key, $1.value) }) {
                        servicesByPair[rarest, default: []].append((member, r.serviceSelector, index))
                    }
                case "Ingress":
                    for service in r.ingressBackends.sorted() { ingressesByService[Backend(namespace: ns, service: service), default: []].append(member) }
                case "ServiceAccount", "PersistentVolumeClaim":
                    named[Named(kind: r.ref.kind, namespace: ns, name: r.ref.name), default: []].append(member)
                default:
                    break
                }
            }
            for (index, resource) in facts.enumerated() where resource.carriesPod {
                let ns = resource.ref.namespace ?? ""
                let podLabels = resource.podLabels
                var members: [Member] = [(resource.ref, ids[index])]
                if let sa = resource.serviceAccount {
                    members += named[Named(kind: "ServiceAccount", namespace: ns, name: sa)] ?? []
                }
                for claim in resource.claims { members += named[Named(kind: "PersistentVolumeClaim", namespace: ns, name: claim)] ?? [] }
                var selecting: [(firstKey: String, index: Int, member: Member)] = []
                for (key, value) in podLabels {
                    for candidate in servicesByPair[Pair(namespace: ns, key: key, value: value)] ?? []
                    where candidate.selector.allSatisfy({ podLabels[$0.0] == $0.1 }) {
                        selecting.append((candidate.selector[0].0, candidate.index, candidate.member))
                    }
                }
                // Listed by the first key of their selector, then in input order.
                var services: [Member] = []
                for s in selecting.sorted(by: { ($0.firstKey, $0.index) < ($1.firstKey, $1.index) })
                where !services.contains(where: { $0.id == s.member.id }) {
                    services.append(s.member)
                }
                members += services
                var ingresses: [Member] = []
                for service in services {
                    for ingress in ingressesByService[Backend(namespace: ns, service: service.ref.name)] ?? []
                    where !ingresses.contains(where: { $0.id == ingress.id }) {
                        ingresses.append(ingress)
                    }
                }
                members += ingresses
                for member in members { claimed[member.id] = true }
                // The same object written in several files (copies, overlays into one namespace) is
                // one workload, each member listed once: repeated members counted their findings
                // again, and at scale made grouping quadratic in the number of copies.
                let existing = workloadOf[ids[index]]
                var listed = Set(existing >= 0 ? memberIDs[existing] : [])
                let added = members.filter { listed.insert($0.id).inserted }
                if existing >= 0 {
                    workloads[existing].members += added.map(\.ref)
                    memberIDs[existing] += added.map(\.id)
                } else {
                    workloadOf[ids[index]] = workloads.count
                    workloads.append(Workload(owner: resource.ref, members: added.map(\.ref)))
                    memberIDs.append(added.map(\.id))
                }
            }
            // Each cluster-wide object once, however many files write it (as for workload members).
            var listed = [Bool](repeating: false, count: refs.count)
            for id in ids where !claimed[id] && !listed[id] {
                listed[id] = true
                clusterWide.append(id)
            }
        }
    }

    static func backendServices(of ingress: LocatedResource) -> Set<String> {
        var names = Set<String>()
        if let name = ingress.root["spec"]?["defaultBackend"]?["service"]?["name"]?.scalar { names.insert(name) }
        for rule in ingress.root["spec"]?["rules"]?.items ?? [] {
            for path in rule["http"]?["paths"]?.items ?? [] {
                if let name = path["backend"]?["service"]?["name"]?.scalar ?? path["backend"]?["serviceName"]?.scalar { names.insert(name) }
            }
        }
        return names
    }
}
