import DivergenceCore
import DivergenceKit
import DivergenceManifests
import DivergenceReports
import Foundation
import Testing

@Suite struct CheckRunTests {
    func check(_ text: String, from: Platform? = nil, to: [Platform] = [.azure]) -> CheckReport {
        let run = TestSupport.checkRun
        let set = ManifestLoader().load(text: text, file: "m.yaml")
        return run.assess(set, options: CheckOptions(paths: ["m.yaml"], from: from, to: to))
    }

    /// The report rendered in every format, as a user would get it.
    func everyFormat(_ report: CheckReport) throws -> [(ReportFormat, String)] {
        try ReportFormat.allCases.map { format in
            switch format {
            case .text: (format, try TextReportRenderer().render(report))
            case .json: (format, try JSONReportRenderer().render(report))
            case .markdown: (format, try MarkdownReportRenderer().render(report))
            case .sarif: (format, try SARIFReportRenderer().render(report))
            case .html: (format, try HTMLReportRenderer().render(report))
            }
        }
    }

    let irsa = """
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: api
      namespace: shop
      annotations:
        eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api
    """

    @Test func findsIRSAAndPointsAtTheAnnotation() throws {
        let report = check(irsa)
        let f = try #require(report.findings.first { $0.domain == .identity })
        #expect(f.line == 7)
        #expect(f.column == 5)
        #expect(f.path == "metadata.annotations[\"eks.amazonaws.com/role-arn\"]")
        #expect(f.severity >= .high)
        #expect(f.resource == ResourceRef(apiVersion: "v1", kind: "ServiceAccount", namespace: "shop", name: "api"))
        #expect(report.from == .aws)
        #expect(report.fromInferred)
        #expect(report.fromReason?.contains("inferred as aws") == true)
    }

    /// `efs-sc` defined in the scanned files is the team's class; `gp2` beside it is EKS's built-in one.
    @Test func aStorageClassDefinedInTheScannedSetIsNotAMissingBuiltInClass() {
        let manifests = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata:
          name: efs-sc
        provisioner: efs.csi.aws.com
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: shared
        spec:
          storageClassName: efs-sc
          resources: {requests: {storage: 5Gi}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: data
        spec:
          storageClassName: gp2
          resources: {requests: {storage: 5Gi}}
        """
        let builtIn = check(manifests, from: .aws).findings.filter { $0.divergenceId == "storage.builtin-storageclass-names" }
        #expect(builtIn.map(\.evidence) == ["gp2"])
    }

    /// An overlay's `images:` moves `nginx` to ECR: the Deployment's Docker Hub reference is not
    /// what runs, the ECR one is, on the overlay's line; an image no overlay rewrites stays reported.
    @Test func anImageAKustomizationRewritesIsJudgedByWhatItBecomes() throws {
        let root = TestSupport.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/base", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/overlays/prod", withIntermediateDirectories: true)
        try """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: web
                image: nginx:1.27
              - name: side
                image: busybox:1.36
        """.write(toFile: root + "/base/deploy.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n"
            .write(toFile: root + "/base/kustomization.yaml", atomically: true, encoding: .utf8)
        try """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        - ../../base
        images:
        - name: nginx
          newName: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx
        """.write(toFile: root + "/overlays/prod/kustomization.yaml", atomically: true, encoding: .utf8)
        let report = TestSupport.checkRun.run(CheckOptions(paths: [root], from: .aws, to: [.azure]))
        let images = report.findings.filter { $0.domain == .registry }
        #expect(!images.contains { $0.evidence.hasPrefix("nginx") })
        #expect(images.contains { $0.evidence.hasPrefix("busybox") && $0.file.hasSuffix("base/deploy.yaml") })
        #expect(images.contains { $0.file.hasSuffix("overlays/prod/kustomization.yaml") && $0.line == 7 })
    }

    /// A Strimzi Kafka and a RayCluster carry the same bindings as a Deployment does.
    @Test func operatorResourcesAreCheckedLikeWorkloads() {
        let manifests = """
        apiVersion: kafka.strimzi.io/v1beta2
        kind: Kafka
        metadata:
          name: events
        spec:
          kafka:
            storage:
              type: persistent-claim
              class: premium-rwo
              size: 100Gi
        ---
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: train
        spec:
          workerGroupSpecs:
          - groupName: tpu
            template:
              spec:
                nodeSelector:
                  cloud.google.com/gke-tpu-accelerator: tpu-v5-lite-podslice
                  cloud.google.com/gke-tpu-topology: 2x4
                containers:
                - name: worker
                  image: rayproject/ray:2.9.0
                  resources:
                    limits:
                      google.com/tpu: "4"
        """
        let findings = check(manifests, from: .gcp, to: [.aws]).findings
        #expect(findings.contains { $0.resource.kind == "Kafka" && $0.line == 9 && $0.divergenceId == "storage.builtin-storageclass-names" })
        // The TPU selectors and the TPU request of the pod are one accelerator port: one finding on
        // the request (the deepest key), the selectors as related lines.
        let tpu = findings.filter { $0.resource.kind == "RayCluster" && $0.divergenceId == "compute.tpu-accelerators" }
        #expect(Set(tpu.map(\.target)).count == tpu.count)
        #expect(tpu.first?.line == 29)
        #expect(tpu.first?.related?.map(\.line) == [22, 23])
        #expect(!findings.contains { $0.divergenceId == "compute.gpu-scheduling" })
    }

    @Test func constructsNativeToTheTargetAreNotReported() {
        #expect(check(irsa, from: .azure, to: [.aws]).findings.allSatisfy { $0.owner != "aws" })
    }

    @Test func portableLookingConstructsAreLowRisk() {
        let report = check("""
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: LoadBalancer
          ports: [{port: 80}]
        """, from: .aws)
        #expect(!report.findings.isEmpty, "a plain LoadBalancer Service still behaves differently per cloud")
        #expect(report.findings.allSatisfy { $0.confidence == .low && $0.score < 50 }, "reported, but not as proof of a binding")
    }

    @Test func ignoreAnnotationSuppressesWithItsReason() {
        let report = check("""
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: api
          annotations:
            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api
            divergence.dev/ignore: identity.workload-identity-mechanism
            divergence.dev/ignore-reason: replaced by the platform team's identity module
        """)
        #expect(report.findings.allSatisfy { $0.divergenceId != "identity.workload-identity-mechanism" })
        #expect(report.summary.suppressed >= 1)
        #expect(report.suppressed.contains { $0.reason == "replaced by the platform team's identity module" })
    }

    @Test func unknownProviderKeysAreUnassessedNotSilent() {
        let report = check("""
        apiVersion: v1
        kind: Service
        metadata:
          name: api
          annotations:
            networking.gke.io/made-up-feature: "on"
        spec:
          type: ClusterIP
        """)
        let f = report.findings.first { $0.ruleId == "unassessed" }
        #expect(f?.line == 6)
        #expect(f?.domain == .loadBalancing)
    }

    /// Connection strings and URLs keep what makes them evidence (scheme, host, database) and
    /// lose their secret parts, in every format.
    @Test func credentialsInsideValuesAreMaskedInEveryFormat() throws {
        let secrets = ["s3cr3tPass", "Zm9vYmFyYmF6cXV4", "eyJhbGciOiJIUzI1NiJ9.payload.sig", "c2hhcmVka2V5dmFsdWU=", "hunter2hunter2"]
        let report = check("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app-config}
        data:
          DATABASE_URL: postgres://app:s3cr3tPass@orders.abcdefghijkl.eu-west-1.rds.amazonaws.com:5432/orders
          BUS: Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2hhcmVka2V5dmFsdWU=
          SQL: Server=tcp:shop.database.windows.net,1433;User ID=app;Password=hunter2hunter2;Encrypt=True
          collector.yaml: |
            exporters:
              otlphttp:
                endpoint: https://otlp.example.com
                headers:
                  Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig
                  x-basic: Basic Zm9vYmFyYmF6cXV4
        """, from: .aws, to: [.azure, .gcp])
        #expect(report.findings.contains { $0.evidence.hasPrefix("postgres://app:\u{2022}\u{2022}\u{2022}@orders.") })
        for (format, text) in try everyFormat(report) {
            for secret in secrets { #expect(!text.contains(secret), "\(format) shows \(secret)") }
        }
    }

    /// Escape sequences, carriage returns and bidirectional overrides from a manifest never reach
    /// the terminal raw; the report's own colours still do.
    @Test func theTextReportCannotDriveTheTerminal() throws {
        let report = check("""
        apiVersion: v1
        kind: Service
        metadata:
          name: "web\\u001B]0;owned\\u0007\\r\\u202Eevil"
          annotations:
            service.beta.kubernetes.io/aws-load-balancer-type: "nlb\\u001B[2J\\b"
        spec:
          type: LoadBalancer
        """, from: .aws, to: [.azure])
        #expect(!report.findings.isEmpty)
        for color in [false, true] {
            let text = try TextReportRenderer(color: color).render(report)
            #expect(!text.contains("\u{1B}]"), "no OSC sequence")
            #expect(!text.contains("\u{1B}[2J"), "no screen clear")
            #expect(!text.contains("\r") && !text.contains("\u{8}") && !text.contains("\u{202E}") && !text.contains("\u{7}"))
            #expect(text.contains("\\u{1B}"), "shown as a visible escape")
            #expect(text.contains("\u{1B}[1m") == color, "the report's own styles pass only when colour is on")
        }
    }

    /// A configuration file, which a scanned repository may hold, is bounded like any input.
    @Test func configurationSizeIsBounded() throws {
        let dir = TestSupport.temporaryDirectory()
        let many = "to: [azure]\nexclude:\n" + String(repeating: "  - \"x/**\"\n", count: 10_001)
        try many.write(toFile: dir + "/.divergence.yaml", atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try Configuration.load(file: dir + "/.divergence.yaml") }
        #expect(mkfifo(dir + "/fifo.yaml", 0o600) == 0)
        #expect(throws: ConfigurationError.self) { try Configuration.load(file: dir + "/fifo.yaml") }
    }

    @Test func secretValuesNeverAppear() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let report = check("""
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData:
          AWS_SECRET_ACCESS_KEY: \(secret)
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app}
        spec:
          template:
            spec:
              containers:
                - name: app
                  image: app
                  env:
                    - name: AWS_SECRET_ACCESS_KEY
                      value: \(secret)
                    - name: AWS_ACCESS_KEY_ID
                      value: AKIAIOSFODNN7EXAMPLE
        """)
        for (format, text) in try everyFormat(report) {
            #expect(!text.contains(secret), "\(format) leaks a secret value")
            #expect(!text.contains("AKIAIOSFODNN7EXAMPLE"), "\(format) leaks an access key id")
        }
    }

    @Test func severalTargetsAreRankedAndListed() {
        let report = check(irsa, from: .aws, to: [.azure, .gcp])
        #expect(report.to == [.azure, .gcp])
        #expect(report.targets.map(\.rank) == [1, 2])
        #expect(Set(report.findings.map(\.target)) == [.azure, .gcp])
        #expect(report.targets[0].score <= report.targets[1].score)
    }

    @Test func scoresAreIdenticalAcrossFormats() throws {
        let report = TestSupport.checkRun.run(CheckOptions(paths: [TestSupport.root + "/Examples/aws"], from: .aws, to: [.azure]))
        let json = try JSONSerialization.jsonObject(with: Data(try JSONReportRenderer().render(report).utf8)) as! [String: Any]
        let summary = json["summary"] as! [String: Any]
        #expect(summary["score"] as? Int == report.summary.score)
        #expect(try TextReportRenderer().render(report).contains("Risk score \(report.summary.score)/100"))
        #expect(try MarkdownReportRenderer().render(report).contains("Risk score \(report.summary.score)/100"))
        #expect(try HTMLReportRenderer().render(report).contains("<span class=\"score\">\(report.summary.score)</span>"))
    }

    @Test func examplesCoverEveryDomainTheIssueNames() {
        for cloud in Platform.clouds {
            let target = Platform.clouds.first { $0 != cloud }!
            let report = TestSupport.checkRun.run(CheckOptions(paths: [TestSupport.root + "/Examples/\(cloud.rawValue)"], from: cloud, to: [target]))
            let domains = Set(report.findings.map(\.domain))
            for needed: Domain in [.identity, .loadBalancing, .ingress, .storage, .registry, .dns, .tls] {
                #expect(domains.contains(needed), "Examples/\(cloud.rawValue) → \(target.rawValue) lacks \(needed.rawValue)")
            }
            #expect(report.coverage.errors.isEmpty)
        }
    }

    @Test func literalsFoundWhileParsingOpenTheSameRulesAsAWalkOfTheTree() throws {
        let engine = TestSupport.checkRun.engine
        var scanning = ManifestLoader()
        scanning.literalScanner = engine.literalScanner
        // Literals reached through an alias, a merge key and a List item, and real manifests.
        let text = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: ServiceAccount
          metadata:
            name: api
            annotations: &roles
              eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api
        - apiVersion: v1
          kind: Service
          metadata:
            name: lb
            annotations:
              <<: *roles
              service.beta.kubernetes.io/aws-load-balancer-type: nlb
          spec:
            type: LoadBalancer
        """
        var resources = scanning.load(text: text, file: "list.yaml").resources
        for directory in [TestSupport.root + "/Examples", TestSupport.corpus] {
            resources += scanning.load(paths: [directory]).resources
        }
        // Every rule's firing examples too: they cover every family the catalogue knows.
        for (index, rule) in try TestSupport.catalogue.rulesWithExamples().enumerated() {
            for (n, example) in rule.examples.fire.enumerated() {
                resources += scanning.load(text: example, file: "example-\(index)-\(n).yaml").resources
            }
        }
        #expect(resources.count > 500)
        var matched = 0
        for resource in resources {
            #expect(resource.literalMarks != nil, "\(resource.file): parsed with the scanner")
            var walked = resource
            walked.literalMarks = nil
            let fromParse = engine.matches(in: resource).map { "\($0.rule.id) \($0.node)" }
            #expect(fromParse == engine.matches(in: walked).map { "\($0.rule.id) \($0.node)" }, "\(resource.file) \(resource.ref)")
            matched += fromParse.count
        }
        #expect(matched > 500)
    }

    @Test func aWalkStartedEarlyGivesTheSameReport() throws {
        let paths = [TestSupport.root + "/Examples", TestSupport.root + "/no-such-dir"]
        let options = CheckOptions(paths: paths, from: .aws, to: [.gcp])
        let plain = try JSONReportRenderer().render(TestSupport.checkRun.run(options))
        let early = try JSONReportRenderer().render(TestSupport.checkRun.run(options, expansion: PathExpansion(paths: paths)))
        #expect(early == plain)
        #expect(plain.contains("no-such-dir"), "a path that cannot be read is still reported")
        // A walk of other paths is not used: the run walks its own.
        let other = try JSONReportRenderer().render(TestSupport.checkRun.run(options, expansion: PathExpansion(paths: [TestSupport.root + "/Examples/gcp"])))
        #expect(other == plain)
    }
}

@Suite struct JSONContractTests {
    @Test func checkJSONHasTheFieldsOfSchemaVersion1() throws {
        let report = TestSupport.checkRun.run(CheckOptions(paths: [TestSupport.root + "/Examples/aws"], from: .aws, to: [.azure]))
        let json = try JSONSerialization.jsonObject(with: Data(try JSONReportRenderer().render(report).utf8)) as! [String: Any]
        #expect(json["schemaVersion"] as? Int == 1)
        #expect((json["tool"] as? [String: Any])?["name"] as? String == "divergence")
        let catalogue = try #require(json["catalogue"] as? [String: Any])
        for key in ["version", "sha256", "points", "rules"] { #expect(catalogue[key] != nil, "catalogue.\(key)") }
        #expect(json["from"] as? String == "aws")
        #expect(json["fromInferred"] as? Bool == false)
        #expect(json["to"] as? [String] == ["azure"])
        let summary = try #require(json["summary"] as? [String: Any])
        for key in ["score", "level", "files", "documents", "resources", "findings", "suppressed", "bySeverity", "byDomain"] {
            #expect(summary[key] != nil, "summary.\(key)")
        }
        #expect(Set((summary["bySeverity"] as! [String: Int]).keys) == ["critical", "high", "medium", "low", "info"])
        let finding = try #require((json["findings"] as? [[String: Any]])?.first)
        for key in ["ruleId", "divergenceId", "domain", "severity", "confidence", "score", "equivalence", "file", "line",
                    "column", "resource", "path", "evidence", "message", "remediation", "references"] {
            #expect(finding[key] != nil, "finding.\(key)")
        }
        #expect(finding["file"] as? String == TestSupport.root + "/Examples/aws/platform.yaml" || (finding["file"] as? String)?.hasPrefix(TestSupport.root) == true)
        let resource = try #require(finding["resource"] as? [String: Any])
        for key in ["apiVersion", "kind", "name"] { #expect(resource[key] != nil, "resource.\(key)") }
        let resources = try #require(json["resources"] as? [[String: Any]])
        #expect(resources.first?["score"] != nil)
        let coverage = try #require(json["coverage"] as? [String: Any])
        #expect(coverage["skipped"] is [Any] && coverage["errors"] is [Any])
    }
}

@Suite struct PortableConstructTests {
    func findings(_ text: String) -> [Finding] {
        let set = ManifestLoader().load(text: text, file: "m.yaml")
        return TestSupport.checkRun.assess(set, options: CheckOptions(paths: ["m.yaml"], from: .aws, to: [.gcp])).findings
    }

    /// Constructs that look portable but behave differently per cloud are reported by neutral
    /// rules at their point's severity (a NetworkPolicy that may go unenforced is critical), but
    /// whether it bites depends on how the target cluster is set up, which the manifests do not
    /// say: confidence is at most medium, and one such construct alone never scores high.
    @Test(arguments: [
        ("plain LoadBalancer", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n"),
        ("PVC without class", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"),
        ("ReadWriteMany claim", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\nspec:\n  storageClassName: shared\n  accessModes: [ReadWriteMany]\n  resources: {requests: {storage: 1Gi}}\n"),
        ("Ingress without class", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  rules:\n    - http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}\n"),
        ("NetworkPolicy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"),
    ])
    func portableLookingConstructIsReportedBelowTheHighBand(name: String, manifest: String) {
        for (from, to) in [(Platform.aws, Platform.gcp), (.gcp, .aws), (.azure, .aws), (.aws, .azure)] {
            let set = ManifestLoader().load(text: manifest, file: "m.yaml")
            let found = TestSupport.checkRun.assess(set, options: CheckOptions(paths: ["m.yaml"], from: from, to: [to])).findings
            #expect(!found.isEmpty, "\(name) is reported")
            #expect(found.allSatisfy { $0.owner == "neutral" && $0.confidence <= .medium })
            #expect(found.allSatisfy { RiskLevel(score: Int($0.score.rounded())) <= .moderate }, "\(name) \(from)→\(to): \(found.map(\.score))")
        }
    }
}

@Suite struct JSONWriterTests {
    /// The hand-written findings decode to exactly what `JSONEncoder` writes.
    @Test func handWrittenFindingsMatchTheEncoder() throws {
        let report = TestSupport.checkRun.run(CheckOptions(paths: [TestSupport.root + "/Examples"], to: [.azure, .gcp]))
        #expect(report.findings.count > 10)
        let fast = try JSONReportRenderer().render(report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let reference = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        #expect(fast == reference, "byte-identical to JSONEncoder")
        let tricky = Finding(ruleId: "r", divergenceId: "d", domain: .dns, severity: .low, confidence: .low, score: 12.5,
                             equivalence: .none, owner: "aws", target: .gcp, file: "a\"b\\c\u{1}.yaml", line: 1, column: 2,
                             resource: ResourceRef(apiVersion: "v1", kind: "K", namespace: nil, name: "n\ttab"), path: "p",
                             evidence: "é ☃ \u{7f}", message: "m\nn", remediation: "r", references: [], effort: 0.5, title: "t")
        var chunks: [[UInt8]] = []
        try JSONReportRenderer().stream(report, chunkSize: 4096) { chunks.append($0) }
        #expect(chunks.count > 1, "written in several chunks")
        #expect(String(decoding: chunks.flatMap { $0 }, as: UTF8.self) == reference, "streaming writes the same bytes")
        var blocks: [UInt8] = []
        try JSONReportRenderer().stream(report, chunkSize: 4096, blockSize: 3) { blocks += $0 }
        #expect(String(decoding: blocks, as: UTF8.self) == reference, "findings rendered in many concurrent blocks come out in order")
        var one = report
        one.findings = [tricky]
        one.resources = [.init(ref: tricky.resource, file: "x/\"y\".yaml", line: 3, score: 40, findings: 2),
                         .init(ref: ResourceRef(apiVersion: "v1", kind: "K", namespace: "ns", name: "m"), file: "z", line: 1, score: 0, findings: 1)]
        one.workloads = [.init(kind: "Deployment", namespace: "ns", name: "api", resources: ["Deployment/ns/api", "Service/ns/api"], score: 61, findings: 3, effort: 2.5),
                         .init(kind: "cluster-wide", namespace: nil, name: "cluster-wide", resources: [], score: 10, findings: 1, effort: 1)]
        #expect(try JSONReportRenderer().render(one) == String(decoding: try encoder.encode(one), as: UTF8.self) + "\n")
    }
}

@Suite struct WorkloadGroupingTests {
    @Test func aDeploymentGathersItsServiceAccountClaimsServicesAndIngresses() throws {
        let text = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          template:
            metadata: {labels: {app: api, tier: web}}
            spec:
              serviceAccountName: api
              volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
              containers: [{name: api, image: api}]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: api, namespace: shop}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec: {selector: {app: api}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: other, namespace: shop}
        spec: {selector: {app: api, tier: batch}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: elsewhere}
        spec: {selector: {app: api}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: shop}
        spec:
          rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fast}
        provisioner: ebs.csi.aws.com
        """
        let resources = ManifestLoader().load(text: text, file: "w.yaml").resources
        let (workloads, clusterWide) = WorkloadGrouping.group(resources)
        let members = try #require(workloads.first).members.map(\.description)
        #expect(members == ["Deployment/shop/api", "ServiceAccount/shop/api", "PersistentVolumeClaim/shop/data", "Service/shop/api", "Ingress/shop/web"])
        #expect(clusterWide.map(\.description) == ["Service/shop/other", "Service/elsewhere/api", "StorageClass/fast"])
    }

    /// An object written in two files is one workload (or one cluster-wide entry), each member
    /// listed once.
    @Test func aWorkloadWrittenTwiceIsOneWorkload() throws {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: n}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n    spec: {serviceAccountName: api, containers: [{name: c, image: i}]}\n"
        let account = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: n}\n"
        let storage = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: ebs.csi.aws.com\n"
        let loader = ManifestLoader()
        let text = [deployment, account, storage].joined(separator: "---\n")
        let resources = loader.load(text: text, file: "a.yaml").resources + loader.load(text: text, file: "b.yaml").resources
        let (workloads, clusterWide) = WorkloadGrouping.group(resources)
        #expect(workloads.count == 1)
        #expect(workloads.first?.members.map(\.description) == ["Deployment/n/api", "ServiceAccount/n/api"])
        #expect(clusterWide.map(\.description) == ["StorageClass/fast"])
    }

    /// Services that share a common label (`team: billing`) still go to the pods they select,
    /// listed by the first key of their selector, then in input order.
    @Test func servicesSharingACommonLabelGoToTheirOwnPods() throws {
        var docs: [String] = []
        for app in ["a", "b", "c"] {
            docs.append("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: \(app), namespace: n}\nspec:\n  template:\n    metadata: {labels: {team: billing, app: \(app), zone: x}}\n    spec: {containers: [{name: c, image: i}]}\n")
            docs.append("apiVersion: v1\nkind: Service\nmetadata: {name: \(app), namespace: n}\nspec: {selector: {team: billing, app: \(app)}}\n")
        }
        docs.append("apiVersion: v1\nkind: Service\nmetadata: {name: by-zone, namespace: n}\nspec: {selector: {app: b, zone: x}}\n")
        docs.append("apiVersion: v1\nkind: Service\nmetadata: {name: all-billing, namespace: n}\nspec: {selector: {team: billing}}\n")
        let resources = ManifestLoader().load(text: docs.joined(separator: "---\n"), file: "w.yaml").resources
        let (workloads, _) = WorkloadGrouping.group(resources)
        let b = try #require(workloads.first { $0.owner.name == "b" })
        #expect(b.members.map(\.description) == ["Deployment/n/b", "Service/n/by-zone", "Service/n/b", "Service/n/all-billing"])
        let a = try #require(workloads.first { $0.owner.name == "a" })
        #expect(a.members.map(\.description) == ["Deployment/n/a", "Service/n/a", "Service/n/all-billing"])
    }
}
