import DivergenceCore
import DivergenceManifests
@testable import DivergenceRules
import Testing

/// Rules reach pod specs, keys and values wherever a kind keeps them: operators carry the same
/// pod templates, node selectors and storage classes as Deployments do.
@Suite struct ShapeTests {
    func resource(_ text: String) -> LocatedResource { RuleFixtures.resource(text) }

    func rule(_ id: String = "gcp.test.rule", kinds: [String], fallback: Bool = false, _ condition: Condition) -> Rule {
        // One point per rule: matches of one point on one resource are one construct.
        Rule(id: id, point: id, owner: .platform(.gcp), confidence: .high, message: "m",
             kinds: kinds.flatMap(KindSelector.parse), condition: condition, fallback: fallback)
    }

    func field(_ path: String, key: KeyTest? = nil, _ value: ValueTest? = nil) -> Condition {
        RuleFixtures.field(path, key: key, value)
    }

    /// A RayCluster: one pod template for the head, one per worker group, none at `spec.template`.
    let rayCluster = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: tpu
    spec:
      headGroupSpec:
        template:
          spec:
            containers:
            - name: head
              image: rayproject/ray:2.9.0
      workerGroupSpecs:
      - groupName: workers
        template:
          metadata:
            annotations:
              gke-gcsfuse/volumes: "true"
          spec:
            nodeSelector:
              cloud.google.com/gke-tpu-topology: 2x2
            containers:
            - name: worker
              image: rayproject/ray:2.9.0
    """

    @Test func podSpecsAreFoundByShapeInAnyKind() throws {
        let shapes = ShapeIndex(resource(rayCluster))
        #expect(shapes.carriesPod)
        #expect(shapes.pods.map(\.path) == ["spec.headGroupSpec.template.spec", "spec.workerGroupSpecs[0].template.spec"])
        #expect(shapes.podMetadata.map(\.path) == ["spec.workerGroupSpecs[0].template.metadata"])
    }

    @Test func workloadRulesApplyToEveryPodOfAnOperatorResource() throws {
        let engine = try RuleEngine(rules: [
            rule("gcp.test.selector", kinds: ["$workload"], field("$pod.nodeSelector", key: .equals("cloud.google.com/gke-tpu-topology"))),
            rule("gcp.test.annotation", kinds: ["$workload"], field("$podMeta.annotations", key: .prefix("gke-gcsfuse/"))),
            rule("gcp.test.image", kinds: ["$workload"], field("$containers[*].image", .contains("rayproject"))),
        ])
        let matches = engine.matches(in: resource(rayCluster))
        #expect(matches.map(\.rule.id) == ["gcp.test.selector", "gcp.test.annotation", "gcp.test.image"])
        #expect(matches[0].node.path == "spec.workerGroupSpecs[0].template.spec.nodeSelector[\"cloud.google.com/gke-tpu-topology\"]")
        #expect(matches[0].node.location.line == 20)
        // Head and workers run the same image: one construct, found in both pod templates.
        #expect(Set([matches[2].node.location.line] + matches[2].related.map(\.location.line)) == [11, 23])
        #expect(matches.allSatisfy { $0.resource.ref.kind == "RayCluster" })
    }

    /// A Kueue ResourceFlavor: GKE node labels outside any pod spec.
    let flavor = """
    apiVersion: kueue.x-k8s.io/v1beta1
    kind: ResourceFlavor
    metadata:
      name: tpu
    spec:
      nodeLabels:
        cloud.google.com/gke-tpu-accelerator: tpu-v5-lite-podslice
    """

    @Test func aKindWithoutAPodSpecIsNoWorkload() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["$workload"], field("spec.nodeLabels", key: .prefix("cloud.google.com/")))])
        #expect(engine.matches(in: resource(flavor)).isEmpty)
    }

    @Test func anyDepthReachesAKeyWhereverItIsWritten() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["*"], field("**", key: .equals("cloud.google.com/gke-tpu-accelerator")))])
        let matches = engine.matches(in: resource(flavor))
        #expect(matches.count == 1)
        #expect(matches.first?.node.path == "spec.nodeLabels[\"cloud.google.com/gke-tpu-accelerator\"]")
        #expect(matches.first?.node.location.line == 7)
    }

    @Test func anyDepthTestsEveryScalarOnceAndOnePointIsOneConstruct() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["*"], field("**", .pattern("^gs://")))])
        let cluster = """
        apiVersion: postgresql.cnpg.io/v1
        kind: Cluster
        metadata:
          name: db
        spec:
          backup:
            barmanObjectStore:
              destinationPath: gs://backups/db
          extra: [gs://one, plain, gs://two]
        """
        let matches = engine.matches(in: resource(cluster))
        // One point on one resource is one construct: the deepest node carries it, the others
        // are related locations.
        #expect(matches.map(\.node.location.line) == [8])
        #expect(matches.map(\.node.path) == ["spec.backup.barmanObjectStore.destinationPath"])
        #expect(matches.first?.related.map(\.path) == ["spec.extra[0]", "spec.extra[2]"])
    }

    /// A kro ResourceGraphDefinition: the Deployment and Service it will create are written inside it.
    let graph = """
    apiVersion: kro.run/v1alpha1
    kind: ResourceGraphDefinition
    metadata:
      name: app
    spec:
      resources:
      - id: service
        template:
          apiVersion: v1
          kind: Service
          metadata:
            name: web
            annotations:
              service.beta.kubernetes.io/aws-load-balancer-type: external
          spec:
            type: LoadBalancer
      - id: scaler
        template:
          apiVersion: autoscaling/v2
          kind: HorizontalPodAutoscaler
          metadata:
            name: web
          spec:
            scaleTargetRef:
              apiVersion: apps/v1
              kind: Deployment
              name: web
    """

    @Test func resourcesWrittenInsideAResourceAreMatchedAsWhatTheyBecome() throws {
        let engine = try RuleEngine(rules: [
            rule("aws.test.nlb", kinds: ["Service"], field("metadata.annotations", key: .equals("service.beta.kubernetes.io/aws-load-balancer-type"))),
            rule("neutral.test.lb", kinds: ["Service"], field("spec.type", .equals("LoadBalancer"))),
            rule("neutral.test.deployment", kinds: ["Deployment"], field("spec", nil)),
        ])
        let matches = engine.matches(in: resource(graph))
        #expect(matches.map(\.rule.id) == ["aws.test.nlb", "neutral.test.lb"])
        #expect(matches[0].node.path == "spec.resources[0].template.metadata.annotations[\"service.beta.kubernetes.io/aws-load-balancer-type\"]")
        #expect(matches[0].node.location.line == 14)
        // The same way as steps, as a JSON patch pointer needs it (a key with a slash stays one step).
        #expect(matches[0].node.steps == [.key("spec"), .key("resources"), .index(0), .key("template"), .key("metadata"),
                                          .key("annotations"), .key("service.beta.kubernetes.io/aws-load-balancer-type")])
        #expect(matches[1].node.location.line == 16)
        #expect(matches.allSatisfy { $0.resource.ref.kind == "ResourceGraphDefinition" })
    }

    @Test func aFallbackRuleGivesWayToARuleOnTheSameLine() throws {
        let engine = try RuleEngine(rules: [
            rule("gcp.test.any-host", kinds: ["*"], fallback: true, field("**", .contains(".pkg.dev/"))),
            rule("gcp.test.image", kinds: ["$workload"], field("$containers[*].image", .contains(".pkg.dev/"))),
        ])
        let pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          containers:
          - name: app
            image: europe-docker.pkg.dev/project/repo/app:1
            env:
            - name: SIDECAR
              value: europe-docker.pkg.dev/project/repo/sidecar:1
        """
        let matches = engine.matches(in: resource(pod))
        #expect(matches.map(\.rule.id) == ["gcp.test.any-host", "gcp.test.image"])
        #expect(matches.map(\.node.location.line) == [11, 8])
    }

    /// Each container runs its own image: two images are two constructs, the same image in an
    /// init container and a main container is one pull and one fix.
    @Test func containersAreApartUnlessTheyRunTheSameImage() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["$workload"], field("$containers[*].image", .pattern("^[a-z]+:")))])
        let pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          initContainers:
          - name: init
            image: bash:5.2
          containers:
          - name: main
            image: bash:5.2
          - name: side
            image: busybox:1.36
        """
        let matches = engine.matches(in: resource(pod))
        #expect(matches.map(\.node.evidence) == ["bash:5.2", "busybox:1.36"])
        #expect(matches.first?.related.map(\.location.line) == [11])
    }

    @Test func providerKeysAtAnyDepthAreUnassessedWhenNoRuleKnowsThem() throws {
        let detector = try UnassessedDetector(prefixes: [ProviderPrefix(prefix: "cloud.google.com/", platform: .gcp, domain: .compute)])
        let flavor = """
        apiVersion: kueue.x-k8s.io/v1beta1
        kind: ResourceFlavor
        metadata:
          name: tpu
        spec:
          nodeLabels:
            cloud.google.com/gke-spot: "true"
          tolerations:
          - key: cloud.google.com/gke-preemptible
            operator: Exists
        """
        let found = detector.unassessed(in: resource(flavor), covered: [])
        #expect(found.map(\.node.location.line) == [7, 9])
        #expect(found.map(\.node.path) == ["spec.nodeLabels[\"cloud.google.com/gke-spot\"]", "spec.tolerations[0].key"])
    }
}
