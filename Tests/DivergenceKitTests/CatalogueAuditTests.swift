import DivergenceCore
import DivergenceKit
import DivergenceManifests
import Foundation
import Testing

/// The constructs the catalogue audit of issue 15 found without a rule are found now, under the
/// point that describes them, for the targets where they differ.
@Suite struct CatalogueAuditTests {
    static let manifest = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app
    spec:
      template:
        spec:
          dnsPolicy: Default
          containers:
          - name: app
            image: registry.k8s.io/pause:3.9
            env:
            - name: KAFKA_BOOTSTRAP
              value: shop-events.servicebus.windows.net:9093
            - name: MSK_BOOTSTRAP
              value: boot-abcd1234.c2.kafka-serverless.eu-west-1.amazonaws.com:9098
          volumes:
          - name: secrets
            csi:
              driver: secrets-store-gke.csi.k8s.io
              readOnly: true
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      annotations:
        service.beta.kubernetes.io/azure-load-balancer-configurations: secondary
        metallb.io/address-pool: production
    spec:
      type: LoadBalancer
      ports: [{port: 80}]
    """

    @Test(arguments: [
        ("secrets-store-gke.csi.k8s.io", Platform.azure, "secrets.csi-driver-install"),
        ("Default", .aws, "dns.resolver-query-limits"),
        ("secondary", .aws, "load-balancing.lb-per-service-vs-shared"),
        ("shop-events.servicebus.windows.net:9093", .aws, "managed-services.event-streaming"),
        ("boot-abcd1234.c2.kafka-serverless.eu-west-1.amazonaws.com:9098", .azure, "managed-services.event-streaming"),
        ("production", .gcp, "load-balancing.local-lb-emulation"),
    ])
    func aConstructTheAuditFoundUnmatchedIsFound(evidence: String, target: Platform, point: String) {
        let set = ManifestLoader().load(text: Self.manifest, file: "audit.yaml")
        let findings = TestSupport.checkRun.assess(set, options: CheckOptions(paths: [], to: [target])).findings
        #expect(findings.contains { $0.divergenceId == point && $0.evidence == evidence }, "\(evidence) → \(target): \(findings.map { "\($0.divergenceId) \($0.evidence)" })")
        #expect(!findings.contains { $0.ruleId == "unassessed" && $0.evidence == evidence }, "assessed, not left unassessed")
    }
}
