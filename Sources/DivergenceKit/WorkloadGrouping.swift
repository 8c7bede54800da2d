import DivergenceCore

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

        public init(_ resource: LocatedResource) {
            ref = resource.ref
            switch ref.kind {
            case "Service":
                serviceSelector = (resource.root["spec"]?["selector"]?.entries ?? []).compactMap { e in e.value.scalar.map { (e.key, $0) } }
            case "Ingress":
                ingressBackends = WorkloadGrouping.backendServices(of: resource)
            case let kind where KindSelector.workloadKinds.contains(kind):
                let podMeta = WorkloadGrouping.podTemplateMetadata(of: resource)
                podLabels = Dictionary((podMeta?["labels"]?.entries ?? []).compactMap { e in e.value.scalar.map { (e.key, $0) } }, uniquingKeysWith: { a, _ in a })
                let podSpec = WorkloadGrouping.podTemplateSpec(of: resource)
                serviceAccount = podSpec?["serviceAccountName"]?.scalar ?? podSpec?["serviceAccount"]?.scalar
                var claims = Set((podSpec?["volumes"]?.items ?? []).compactMap { $0["persistentVolumeClaim"]?["claimName"]?.scalar })
                for template in resource.root["spec"]?["volumeClaimTemplates"]?.items ?? [] {
                    if let name = template["metadata"]?["name"]?.scalar { claims.insert(name) }
                }
                self.claims = claims.sorted()
            default:
                break
            }
        }
    }

    /// Workloads in input order; `clusterWide` holds resources that belong to none.
    public static func group(_ resources: [LocatedResource]) -> (workloads: [Workload], clusterWide: [ResourceRef]) {
        group(facts: resources.map(Facts.init))
    }

    /// The same, from facts gathered earlier.
    public static func group(facts: [Facts]) -> (workloads: [Workload], clusterWide: [ResourceRef]) {
        let workloadKinds = Set(KindSelector.workloadKinds)
        var workloads: [Workload] = []
        var workloadIndex: [ResourceRef: Int] = [:]
        var claimed = Set<ResourceRef>()
        // Everything is indexed once, so grouping stays linear in the number of resources:
        // Services by namespace and by one of their selector pairs, Ingresses by the Services
        // they route to, ServiceAccounts and claims by namespace and name.
        var servicesByPair: [String: [(ref: ResourceRef, selector: [(String, String)], index: Int)]] = [:]
        var ingressesByService: [String: [ResourceRef]] = [:]
        var named: [String: [ResourceRef]] = [:]
        // A Service is indexed under the rarest pair of its selector (`app=api`, not
        // `team=billing`): a pod then meets only the few Services that could select it, where
        // the first pair alone made a namespace of many Services sharing a label quadratic.
        var pairCounts: [String: Int] = [:]
        for r in facts where r.ref.kind == "Service" {
            let ns = r.ref.namespace ?? ""
            for (key, value) in r.serviceSelector { pairCounts["\(ns)\u{0}\(key)=\(value)", default: 0] += 1 }
        }
        for (index, r) in facts.enumerated() {
            let ns = r.ref.namespace ?? ""
            switch r.ref.kind {
            case "Service":
                let pairs = r.serviceSelector.map { "\(ns)\u{0}\($0.0)=\($0.1)" }
                if let rarest = pairs.min(by: { (pairCounts[$0] ?? 0, $0) < (pairCounts[$1] ?? 0, $1) }) {
                    servicesByPair[rarest, default: []].append((r.ref, r.serviceSelector, index))
                }
            case "Ingress":
                for service in r.ingressBackends.sorted() { ingressesByService["\(ns)\u{0}\(service)", default: []].append(r.ref) }
            case "ServiceAccount", "PersistentVolumeClaim":
                named["\(r.ref.kind)/\(ns)/\(r.ref.name)", default: []].append(r.ref)
            default:
                break
            }
        }
        for resource in facts where workloadKinds.contains(resource.ref.kind) {
            let ns = resource.ref.namespace ?? ""
            let podLabels = resource.podLabels
            var members: [ResourceRef] = [resource.ref]
            if let sa = resource.serviceAccount {
                members += named["ServiceAccount/\(ns)/\(sa)"] ?? []
            }
            for claim in resource.claims { members += named["PersistentVolumeClaim/\(ns)/\(claim)"] ?? [] }
            var selecting: [(firstKey: String, index: Int, ref: ResourceRef)] = []
            for (key, value) in podLabels {
                for candidate in servicesByPair["\(ns)\u{0}\(key)=\(value)"] ?? []
                where candidate.selector.allSatisfy({ podLabels[$0.0] == $0.1 }) {
                    selecting.append((candidate.selector[0].0, candidate.index, candidate.ref))
                }
            }
            // Listed by the first key of their selector, then in input order.
            var services: [ResourceRef] = []
            for s in selecting.sorted(by: { ($0.firstKey, $0.index) < ($1.firstKey, $1.index) }) where !services.contains(s.ref) {
                services.append(s.ref)
            }
            members += services
            var ingresses: [ResourceRef] = []
            for service in services {
                for ingress in ingressesByService["\(ns)\u{0}\(service.name)"] ?? [] where !ingresses.contains(ingress) {
                    ingresses.append(ingress)
                }
            }
            members += ingresses
            claimed.formUnion(members)
            // The same object written in several files (copies, overlays into one namespace) is
            // one workload, each member listed once: repeated members counted their findings
            // again, and at scale made grouping quadratic in the number of copies.
            if let existing = workloadIndex[resource.ref] {
                var listed = Set(workloads[existing].members)
                for member in members where listed.insert(member).inserted { workloads[existing].members.append(member) }
            } else {
                var listed = Set<ResourceRef>()
                workloadIndex[resource.ref] = workloads.count
                workloads.append(Workload(owner: resource.ref, members: members.filter { listed.insert($0).inserted }))
            }
        }
        // Each cluster-wide object once, however many files write it (as for workload members).
        var listed = Set<ResourceRef>()
        let clusterWide = facts.map(\.ref).filter { !claimed.contains($0) && listed.insert($0).inserted }
        return (workloads, clusterWide)
    }

    static func podTemplateSpec(of resource: LocatedResource) -> ManifestNode? {
        switch resource.ref.kind {
        case "Pod": resource.root["spec"]
        case "CronJob": resource.root["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]
        default: resource.root["spec"]?["template"]?["spec"]
        }
    }

    static func podTemplateMetadata(of resource: LocatedResource) -> ManifestNode? {
        switch resource.ref.kind {
        case "Pod": resource.root["metadata"]
        case "CronJob": resource.root["spec"]?["jobTemplate"]?["spec"]?["template"]?["metadata"]
        default: resource.root["spec"]?["template"]?["metadata"]
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
