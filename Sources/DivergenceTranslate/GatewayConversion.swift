import DivergenceCore
import DivergenceManifests
import Foundation

/// An Ingress rewritten as Gateway API resources: one Gateway (its listeners: HTTP, and HTTPS
/// when the Ingress terminates TLS) and one HTTPRoute per host, as ingress2gateway does. The
/// mapping is the Gateway API's own (networking.k8s.io Ingress → gateway.networking.k8s.io);
/// which GatewayClass the Gateway asks for is catalogue knowledge, passed in.
struct GatewayConversion {
    var className: String
    /// The Services of the scan, to turn a backend's named port into the number a route needs.
    var services: [LocatedResource]

    struct Result {
        var resources: [(name: String, yaml: String)] = []
        /// Backends whose port is named and not found among the scanned Services: written as
        /// a placeholder.
        var unresolvedPorts: [String] = []
        /// What the Ingress says that a route does not carry (a non-Service backend).
        var dropped: [String] = []
    }

    static let portInput = "backend-port"

    func convert(_ ingress: ManifestNode, ref: ResourceRef) -> Result {
        var result = Result()
        let spec = ingress["spec"]
        let metadata = { (kind: String, name: String) -> String in
            var text = "apiVersion: gateway.networking.k8s.io/v1\nkind: \(kind)\nmetadata:\n  name: \(yamlQuoted(name))\n"
            if let ns = ref.namespace { text += "  namespace: \(yamlQuoted(ns))\n" }
            return text
        }
        // The Gateway: one per Ingress, named as it, so each keeps its own load balancer.
        var gateway = metadata("Gateway", ref.name) + "spec:\n  gatewayClassName: \(yamlQuoted(className))\n  listeners:\n"
        gateway += "  - name: http\n    protocol: HTTP\n    port: 80\n"
        let secrets = (spec?["tls"]?.items ?? []).compactMap { $0["secretName"]?.scalar }.filter { !$0.isEmpty }
        if !secrets.isEmpty {
            gateway += "  - name: https\n    protocol: HTTPS\n    port: 443\n    tls:\n      mode: Terminate\n      certificateRefs:\n"
            var seen = Set<String>()
            for secret in secrets where seen.insert(secret).inserted { gateway += "      - kind: Secret\n        name: \(yamlQuoted(secret))\n" }
        }
        result.resources.append(("Gateway \(ref.name)", gateway))

        // Routes: the Ingress's rules grouped by host (a rule without a host, and the default
        // backend, serve every host).
        var hosts: [String?] = []
        var rules: [String?: [String]] = [:]
        func add(_ rule: String, host: String?) {
            if rules[host] == nil { hosts.append(host) }
            rules[host, default: []].append(rule)
        }
        for rule in spec?["rules"]?.items ?? [] {
            let host = rule["host"]?.scalar.flatMap { $0.isEmpty ? nil : $0 }
            for path in rule["http"]?["paths"]?.items ?? [] {
                guard let backend = backendRef(path["backend"], label: host ?? "*", into: &result) else { continue }
                add("  - matches:\n    - path:\n" + match(path) + "    backendRefs:\n" + backend, host: host)
            }
        }
        if let fallback = spec?["defaultBackend"] ?? spec?["backend"], let backend = backendRef(fallback, label: "default backend", into: &result) {
            add("  - backendRefs:\n" + backend, host: nil)
        }
        for (i, host) in hosts.enumerated() {
            let name = hosts.count == 1 ? ref.name : "\(ref.name)-\(i + 1)"
            var route = metadata("HTTPRoute", name) + "spec:\n  parentRefs:\n  - name: \(yamlQuoted(ref.name))\n"
            if let host { route += "  hostnames:\n  - \(yamlQuoted(host))\n" }
            route += "  rules:\n" + rules[host, default: []].joined()
            result.resources.append(("HTTPRoute \(name)", route))
        }
        return result
    }

    /// A path match: Exact stays Exact; Prefix becomes PathPrefix (the same element-wise
    /// prefix); an implementation-specific path is read as a prefix, its trailing `/*` (the
    /// wildcard the cloud controllers accept) dropped.
    func match(_ path: ManifestNode) -> String {
        var value = path["path"]?.scalar ?? "/"
        if value.isEmpty { value = "/" }
        let type = path["pathType"]?.scalar
        if type == "Exact" { return "        type: Exact\n        value: \(yamlQuoted(value))\n" }
        if type != "Prefix" {
            if value.hasSuffix("/*") { value.removeLast(2) } else if value.hasSuffix("*") { value.removeLast() }
            if value.isEmpty { value = "/" }
        }
        return "        type: PathPrefix\n        value: \(yamlQuoted(value))\n"
    }

    /// A Service backend as a route's backendRef (v1 `service:` or v1beta1 `serviceName`).
    func backendRef(_ backend: ManifestNode?, label: String, into result: inout Result) -> String? {
        guard let backend else { return nil }
        let service = backend["service"]
        guard let name = service?["name"]?.scalar ?? backend["serviceName"]?.scalar else {
            result.dropped.append("the \(label) backend is not a Service (a resource backend has no route equivalent)")
            return nil
        }
        let port = service?["port"]?["number"]?.scalar ?? service?["port"]?["name"]?.scalar ?? backend["servicePort"]?.scalar ?? ""
        var number = port
        if Int(port) == nil {
            let found = services.first { $0.ref.kind == "Service" && $0.ref.name == name && $0.ref.namespace == namespaceOfRoute }?
                .root["spec"]?["ports"]?.items?.first { $0["name"]?.scalar == port }?["port"]?.scalar
            if let found { number = found } else {
                result.unresolvedPorts.append("\(name):\(port)")
                number = TranslationInput(name: Self.portInput, whereToFind: "").placeholder
            }
        }
        let portText = Int(number) != nil ? number : yamlQuoted(number)
        return "    - name: \(yamlQuoted(name))\n      port: \(portText)\n"
    }

    /// The namespace the routes are written in (the Ingress's), for looking up its Services.
    var namespaceOfRoute: String?
}
