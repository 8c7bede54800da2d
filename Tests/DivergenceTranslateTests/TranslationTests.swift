import DivergenceCore
import DivergenceKit
import DivergenceManifests
import DivergenceTranslate
import Foundation
import Testing

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let translations = TranslationSource.read(directories: [root + "/Data"])
    static let checkRun: CheckRun = {
        let cache = NSTemporaryDirectory() + "divergence-translate-tests-\(ProcessInfo.processInfo.processIdentifier)"
        let catalogue = try! Catalogue.load(dataDirectories: [root + "/Data"], cacheDirectory: cache)
        return try! CheckRun(catalogue: catalogue)
    }()

    /// `text` loaded and checked from `from` to `to`: its resources, and the findings (of `rule`
    /// only, when one is named).
    static func scan(_ text: String, from: Platform, to: Platform, rule: String? = nil) -> (input: ManifestSet, findings: [Finding]) {
        let input = ManifestLoader().load(text: text, file: "in.yaml")
        let findings = checkRun.assess(input, options: CheckOptions(paths: [], from: from, to: [to])).findings
        return (input, rule.map { rule in findings.filter { $0.ruleId == rule } } ?? findings)
    }
}

/// Each translation's examples are its tests: the rule fires on the input, and the patch the
/// translator writes turns the input into the expected output.
@Suite struct TranslationExampleTests {
    @Test func theCatalogueTranslationsReadWithoutProblems() {
        #expect(Fixtures.translations.problems.isEmpty, "\(Fixtures.translations.problems)")
        #expect(Fixtures.translations.translations.count >= 20)
        let rules = Set(Fixtures.checkRun.catalogue.rules.map(\.id))
        for t in Fixtures.translations.translations { #expect(rules.contains(t.rule), "\(t.rule) is a rule of the catalogue") }
    }

    @Test func everyExampleBecomesItsOutput() {
        let issues = TranslationVerifier.verify(Fixtures.translations.translations, run: Fixtures.checkRun)
        #expect(issues.isEmpty, "\(issues.map(\.description).joined(separator: "\n"))")
    }

    /// What `db validate` tells the author of a wrong translation: the example whose output the
    /// patch does not produce, and a translation of a rule that does not exist.
    @Test func aWrongExampleIsReportedWithItsTranslation() throws {
        var wrong = try #require(Fixtures.translations.translations.first { $0.rule == "azure.load-balancing.internal" && $0.to == .gcp })
        wrong.examples[0].output = wrong.examples[0].output.replacingOccurrences(of: "Internal", with: "External")
        var unknown = wrong
        unknown.rule = "azure.no-such-rule"
        let issues = TranslationVerifier.verify([wrong, unknown], run: Fixtures.checkRun).map(\.message)
        #expect(issues == ["translation azure.load-balancing.internal → gcp: examples[0]: the patched input differs from the output",
                           "translation azure.no-such-rule → gcp: no rule azure.no-such-rule in the catalogue"])
    }

    @Test func aRegistryMapFillsTheHostAndNeedsNoInput() throws {
        let t = try #require(Fixtures.translations.translations.first { $0.rule == "aws.registry.ecr-private-image" && $0.to == .azure })
        let (input, findings) = Fixtures.scan(t.examples[0].input, from: .aws, to: .azure, rule: t.rule)
        let plan = Translator(translations: [t], target: .azure, registryMap: ["111122223333.dkr.ecr.eu-west-1.amazonaws.com": "shop.azurecr.io"])
            .plan(findings: findings, resources: input.resources)
        #expect(plan.findings.first?.outcome == .translated)
        #expect(plan.images.first?.name == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api")
        #expect(plan.images.first?.newName == "shop.azurecr.io/shop/api", "through Kustomize's images:, the tag kept")
        #expect(Translator.imageName("registry:5000/team/app:1.2@sha256:abc") == "registry:5000/team/app")
    }

    @Test func aChoicePicksAmongTheTargetsEquivalentsWithADefault() throws {
        let options = TranslationSource.choices(in: Fixtures.translations.translations)
        #expect(options["ingress"]?.first == "app-routing-gateway", "the default first")
        #expect(Set(options["ingress"] ?? []) == ["app-routing-gateway", "app-routing", "agic", "agc"])
        #expect(options["gcp-identity"]?.first == "impersonation")
        let (input, findings) = Fixtures.scan("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: alb\n", from: .aws, to: .azure)
        func written(_ choices: [String: String]) -> JSONPatchValue? {
            Translator(translations: Fixtures.translations.translations, target: .azure, choices: choices)
                .plan(findings: findings, resources: input.resources).patches.first?.operations.first { $0.path == "/spec/ingressClassName" }?.value
        }
        #expect(written([:]) == nil, "the default, the add-on's Gateway, is public: an internal ALB is refused, not exposed")
        #expect(written(["ingress": "app-routing"]) == .string("webapprouting.kubernetes.azure.com"))
        #expect(written(["ingress": "agic"]) == .string("azure-application-gateway"))
        #expect(written(["ingress": "agc"]) == .string("azure-alb-external"))
    }

    @Test func workloadIdentityIsWiredOnThePodsOfTheServiceAccount() throws {
        let text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  template:\n    spec:\n      serviceAccountName: api\n      containers:\n      - name: api\n        image: nginx\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"
        let (input, findings) = Fixtures.scan(text, from: .aws, to: .azure, rule: "aws.identity.irsa-role-arn")
        let plan = Translator(translations: Fixtures.translations.translations, target: .azure).plan(findings: findings, resources: input.resources)
        let deployment = try #require(plan.patches.first { $0.resource.name == "api" && $0.resource.kind == "Deployment" })
        // The template has no metadata yet: the missing mappings are created on the way.
        #expect(deployment.operations == [PatchOperation(op: "add", path: "/spec/template/metadata", value: .object(["labels": .object(["azure.workload.identity/use": .string("true")])]))])
        #expect(!plan.patches.contains { $0.resource.name == "other" }, "a pod that runs as another ServiceAccount is left alone")
    }

    @Test func aClaimOfABuiltInClassKeepsItsNameAndTheOverlayAddsTheClass() throws {
        let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: gp3\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10Gi}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: files\nspec:\n  storageClassName: efs-sc\n  accessModes: [ReadWriteMany]\n  resources: {requests: {storage: 10Gi}}\n"
        let (input, findings) = Fixtures.scan(text, from: .aws, to: .gcp, rule: "aws.storage.builtin-class-name")
        try #require(findings.count == 2)
        let plan = Translator(translations: Fixtures.translations.translations, target: .gcp).plan(findings: findings, resources: input.resources)
        #expect(plan.generated.map(\.name) == ["StorageClass gp3", "StorageClass efs-sc"], "each class named as it was, on the target's driver of its kind")
        let added = plan.generated.compactMap { ManifestLoader().load(text: $0.yaml, file: "sc.yaml").resources.first }
        #expect(added.map { $0.root["provisioner"]?.scalar } == ["pd.csi.storage.gke.io", "filestore.csi.storage.gke.io"], "a block class on disks, a file class on Filestore")
    }

    /// A selector inside an operator's list of pod templates (a RayCluster's worker groups): the
    /// label beside it is written in the same group, not over it.
    @Test func aSelectorInsideAListOfTemplatesIsRewrittenInPlace() throws {
        let text = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: rc\nspec:\n  workerGroupSpecs:\n  - groupName: gpu\n    template:\n      spec:\n        nodeSelector:\n          cloud.google.com/gke-spot: \"true\"\n        containers:\n        - name: w\n          image: rayproject/ray:2.9.0\n"
        let (input, findings) = Fixtures.scan(text, from: .gcp, to: .aws, rule: "gcp.compute.gke-spot-selector")
        try #require(findings.count == 1)
        let plan = Translator(translations: Fixtures.translations.translations, target: .aws).plan(findings: findings, resources: input.resources)
        let patched = try Translator.apply(plan.patches[0].operations, to: input.resources[0].root)
        let group = try #require(patched["spec"]?["workerGroupSpecs"]?.items?.first)
        #expect(group["groupName"]?.scalar == "gpu", "the group keeps its other fields")
        #expect(group["template"]?["spec"]?["nodeSelector"]?["eks.amazonaws.com/capacityType"]?.scalar == "SPOT")
        #expect(group["template"]?["spec"]?["nodeSelector"]?["cloud.google.com/gke-spot"] == nil)
    }

    /// A neutral construct behaves as its source cloud built it: a bare LoadBalancer Service
    /// from AKS stays public on EKS, and an internal one stays internal.
    @Test func aBareLoadBalancerKeepsItsExposureAcrossClouds() throws {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: pub\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: priv\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n"
        let (input, findings) = Fixtures.scan(text, from: .azure, to: .aws)
        let plan = Translator(translations: Fixtures.translations.translations, target: .aws, from: .azure).plan(findings: findings, resources: input.resources)
        func scheme(_ name: String) throws -> String? {
            let index = try #require(input.resources.firstIndex { $0.ref.name == name })
            let ops = plan.patches.first { $0.resource.name == name }?.operations ?? []
            return try Translator.apply(ops, to: input.resources[index].root)["metadata"]?["annotations"]?["service.beta.kubernetes.io/aws-load-balancer-scheme"]?.scalar
        }
        #expect(try scheme("pub") == "internet-facing")
        #expect(try scheme("priv") == "internal")
        // From EKS a bare Service is internal under the AWS Load Balancer Controller (the
        // default choice) and public under the legacy in-tree controller.
        let aws = "apiVersion: v1\nkind: Service\nmetadata:\n  name: pub\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: open\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n"
        let (fromEKS, eksFindings) = Fixtures.scan(aws, from: .aws, to: .azure)
        func internalAnnotation(_ name: String, _ choices: [String: String]) throws -> String? {
            let plan = Translator(translations: Fixtures.translations.translations, target: .azure, from: .aws, choices: choices).plan(findings: eksFindings, resources: fromEKS.resources)
            let index = try #require(fromEKS.resources.firstIndex { $0.ref.name == name })
            let ops = plan.patches.first { $0.resource.name == name }?.operations ?? []
            return try Translator.apply(ops, to: fromEKS.resources[index].root)["metadata"]?["annotations"]?["service.beta.kubernetes.io/azure-load-balancer-internal"]?.scalar
        }
        #expect(try internalAnnotation("pub", [:]) == "true")
        #expect(try internalAnnotation("pub", ["eks-lb": "in-tree"]) == nil)
        #expect(try internalAnnotation("open", [:]) == nil, "an internet-facing Service stays public")
    }

    /// `--choose gcp-ingress=gateway`: the Ingress becomes a Gateway and HTTPRoutes, a named
    /// backend port is looked up in the scanned Service, the Ingress is deleted, and what the
    /// routes do not carry is said per finding.
    @Test func anIngressBecomesAGatewayAndRoutes() throws {
        let text = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: shop
          annotations:
            alb.ingress.kubernetes.io/scheme: internet-facing
            alb.ingress.kubernetes.io/target-type: ip
            external-dns.alpha.kubernetes.io/hostname: a.example.com
        spec:
          ingressClassName: alb
          rules:
          - host: a.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
          - host: b.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: other, port: {name: grpc}}}}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: api
          namespace: shop
        spec:
          ports: [{name: http, port: 8080}]
        """
        let (input, findings) = Fixtures.scan(text, from: .aws, to: .gcp)
        let plan = Translator(translations: Fixtures.translations.translations, target: .gcp, from: .aws, choices: ["gcp-ingress": "gateway"])
            .plan(findings: findings, resources: input.resources)
        #expect(plan.deletions.map(\.resource.name) == ["web"])
        #expect(plan.generated.map(\.name) == ["Gateway web", "HTTPRoute web-1", "HTTPRoute web-2"], "one route per host")
        let routes = plan.generated.filter { $0.name.hasPrefix("HTTPRoute") }.compactMap { ManifestLoader().load(text: $0.yaml, file: "r.yaml").resources.first?.root }
        #expect(routes[0]["spec"]?["rules"]?.items?.first?["backendRefs"]?.items?.first?["port"]?.scalar == "8080", "the named port, from the Service")
        #expect(routes[1]["spec"]?["rules"]?.items?.first?["backendRefs"]?.items?.first?["port"]?.scalar == "<<needs-input:backend-port>>")
        let byRule = Dictionary(plan.findings.map { ($0.ruleId, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byRule["aws.ingress.alb-ingress-class"]?.outcome == .needsInput, "a port left to fill")
        #expect(byRule["aws.ingress.alb-ingress-class"]?.inputs.map(\.name) == ["backend-port"])
        #expect(byRule["aws.ingress.alb-scheme-internet-facing"]?.note.contains("Gateway's class") == true)
        #expect(byRule["aws.ingress.alb-target-type"]?.outcome == .translated, "a setting that means nothing on the target goes with the Ingress")
        #expect(byRule["aws.ingress.alb-target-type"]?.note.hasPrefix("removed with the Ingress") == true)
        #expect(byRule["neutral.dns.external-dns-hostname"]?.outcome == .refused, "a setting the routes do not carry is not claimed")
        #expect(byRule["neutral.dns.external-dns-hostname"]?.note.hasPrefix("not carried over") == true)
        #expect(plan.patches.first { $0.resource.name == "web" }?.operations.isEmpty ?? true, "a deleted Ingress is not patched")

        // GKE Ingress (the default) is chosen by its annotation, never by ingressClassName; a
        // class in a chart's values is refused, not rewritten into the chart's metadata.
        let chart = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  values:\n    ingress:\n      className: alb\n"
        let (release, releaseFindings) = Fixtures.scan(chart, from: .aws, to: .gcp, rule: "aws.ingress.alb-ingress-class")
        let refused = Translator(translations: Fixtures.translations.translations, target: .gcp, from: .aws).plan(findings: releaseFindings, resources: release.resources)
        #expect(refused.findings.map(\.outcome) == [.refused])
        #expect(refused.patches.allSatisfy { $0.operations.isEmpty })
    }

    /// A rule that finds several keys is translated per key: GKE's flex-start label, which the
    /// Spot rule also finds, is not turned into a Spot selector.
    @Test func aTranslationCanBeLimitedToTheKeyItWasWrittenFor() throws {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeSelector:\n    cloud.google.com/gke-flex-start: \"true\"\n  containers:\n  - name: c\n    image: nginx\n"
        let (input, findings) = Fixtures.scan(text, from: .gcp, to: .aws, rule: "gcp.compute.gke-spot-selector")
        try #require(findings.count == 1)
        let plan = Translator(translations: Fixtures.translations.translations, target: .aws).plan(findings: findings, resources: input.resources)
        #expect(plan.findings.first?.outcome == .refused)
        #expect(plan.patches.allSatisfy { $0.operations.isEmpty }, "no capacityType SPOT written for a flex-start pod")
    }

    /// One catalogue folder says each translation once; a team's folder replaces on purpose.
    @Test func aTranslationSaidTwiceInOneFolderIsAProblem() throws {
        let team = NSTemporaryDirectory() + "divergence-team-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: team + "/translations", withIntermediateDirectories: true)
        let entry = "translations:\n- {rule: azure.compute.agentpool-selector, to: aws, outcome: refused, note: Pick the node group by a label you put on it.}\n"
        try entry.write(toFile: team + "/translations/a.yaml", atomically: true, encoding: .utf8)
        let once = TranslationSource.read(directories: [Fixtures.root + "/Data", team])
        #expect(once.problems.isEmpty, "a team folder replaces the built-in entry: \(once.problems)")
        #expect(once.translations.first { $0.rule == "azure.compute.agentpool-selector" && $0.to == .aws }?.note == "Pick the node group by a label you put on it.")
        try entry.write(toFile: team + "/translations/b.yaml", atomically: true, encoding: .utf8)
        let twice = TranslationSource.read(directories: [Fixtures.root + "/Data", team])
        #expect(twice.problems.map(\.message) == ["translation azure.compute.agentpool-selector → aws repeats one in \(team)/translations/a.yaml (same source, option and conditions): say it once"])
    }

    /// What one overlay can hold: a repeated identity is left out and named; a resource without
    /// a namespace that shares its kind and name with another is loaded but not patched (its
    /// patch target would hit both); folders become flat overlay names.
    @Test func theLayoutKeepsWhatKustomizeCanLoadAndPatch() {
        let loader = ManifestLoader()
        func set(_ file: String, _ ns: String?) -> (file: String, set: ManifestSet) {
            (file, loader.load(text: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n" + (ns.map { "  namespace: \($0)\n" } ?? ""), file: file))
        }
        let one = OverlayLayout([set("r/a/x.yaml", nil), set("r/a/y.yaml", "prod"), set("r/b/c/z.yaml", nil)], perFolder: false)
        #expect(one.groups.count == 1)
        #expect(one.groups[0].usable == ["r/a/x.yaml", "r/a/y.yaml"])
        #expect(one.groups[0].leftOut.map(\.file) == ["r/b/c/z.yaml"])
        #expect(one.groups[0].patchable.map(\.file) == ["r/a/y.yaml"], "the namespace-less api would be patched in prod too")
        let split = OverlayLayout([set("r/a/x.yaml", nil), set("r/a/y.yaml", "prod"), set("r/b/c/z.yaml", nil)], perFolder: true)
        #expect(split.groups.map(\.name) == ["a", "b__c"])
        let meeting = OverlayLayout([set("r/a/b/x.yaml", nil), set("r/a__b/y.yaml", "prod")], perFolder: true)
        #expect(meeting.groups.map(\.name) == ["a__b", "a__b_"], "two folders never share one overlay folder")
        #expect(split.groups.allSatisfy { $0.leftOut.isEmpty })
    }

    /// An unquoted boolean or integer in a translation is written as one (a schema that asks for
    /// a number rejects text); a quoted one stays text.
    @Test func unquotedBooleansAndIntegersAreWrittenTyped() throws {
        let team = NSTemporaryDirectory() + "divergence-typed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: team + "/translations", withIntermediateDirectories: true)
        try """
        translations:
        - rule: azure.compute.agentpool-selector
          to: aws
          when: ^typed$
          outcome: translated
          note: A test of typed values.
          sources: [{url: https://example.org/page, checked: 2026-12-06}]
          operations:
          - set: {path: spec.flag, value: true}
          - set: {path: spec.limit, value: 63}
          - set: {path: spec.text, value: "63"}
          examples: [{input: "apiVersion: v1\\nkind: Pod\\n", output: "apiVersion: v1\\nkind: Pod\\n"}]
        """.write(toFile: team + "/translations/typed.yaml", atomically: true, encoding: .utf8)
        let read = TranslationSource.read(directories: [team])
        let t = try #require(read.translations.first, "\(read.problems)")
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeSelector:\n    kubernetes.azure.com/agentpool: typed\n  containers:\n  - name: c\n    image: nginx\n"
        let (input, findings) = Fixtures.scan(text, from: .azure, to: .aws, rule: t.rule)
        let ops = Translator(translations: [t], target: .aws).plan(findings: findings, resources: input.resources).patches.first?.operations ?? []
        #expect(ops.first { $0.path == "/spec/flag" }?.value == .bool(true))
        #expect(ops.first { $0.path == "/spec/limit" }?.value == .number(63))
        #expect(ops.first { $0.path == "/spec/text" }?.value == .string("63"))
        let encoded = try String(decoding: JSONEncoder().encode(ops.first { $0.path == "/spec/limit" }!), as: UTF8.self)
        #expect(encoded.contains("\"value\":63"), "\(encoded)")
    }

    /// A field the target names differently moves, and a later write inside it lands where it
    /// now is (Managed Prometheus `endpoints` → Azure Monitor `podMetricsEndpoints`).
    @Test func aWriteInsideAMovedFieldLandsWhereTheFieldNowIs() throws {
        let text = "apiVersion: monitoring.googleapis.com/v1\nkind: PodMonitoring\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {app: web}\n  endpoints:\n  - port: 9090\n    interval: 30s\n"
        let (input, findings) = Fixtures.scan(text, from: .gcp, to: .azure, rule: "gcp.observability.podmonitoring-crd")
        try #require(!findings.isEmpty)
        let steps = { (path: String) in try TranslationSource.steps(path) }
        let t = Translation(rule: "gcp.observability.podmonitoring-crd", to: .azure, outcome: .translated,
                            operations: [.move(from: try steps("spec.endpoints"), to: try steps("spec.podMetricsEndpoints")),
                                         .set(path: try steps("spec.podMetricsEndpoints[0].port"), value: "metrics")],
                            inputs: [], note: "test", examples: [], file: "test")
        let plan = Translator(translations: [t], target: .azure).plan(findings: findings, resources: input.resources)
        let patched = try Translator.apply(plan.patches[0].operations, to: input.resources[0].root)
        #expect(patched["spec"]?["endpoints"] == nil)
        #expect(patched["spec"]?["podMetricsEndpoints"]?.items?.first?["port"]?.scalar == "metrics")
        #expect(patched["spec"]?["podMetricsEndpoints"]?.items?.first?["interval"]?.scalar == "30s", "the rest of the endpoint moved with it")
    }

    @Test func pointersEscapeSlashesAndTildes() throws {
        let steps = try TranslationSource.steps(#"metadata.annotations["eks.amazonaws.com/role-arn"]"#)
        #expect(steps == [.key("metadata"), .key("annotations"), .key("eks.amazonaws.com/role-arn")])
        let t = try #require(Fixtures.translations.translations.first { $0.rule == "aws.identity.irsa-role-arn" && $0.to == .gcp })
        let (input, findings) = Fixtures.scan(t.examples[0].input, from: .aws, to: .gcp, rule: t.rule)
        let ops = Translator(translations: [t], target: .gcp).plan(findings: findings, resources: input.resources).patches[0].operations
        #expect(ops.map(\.path).contains("/metadata/annotations/eks.amazonaws.com~1role-arn"))
    }
}
