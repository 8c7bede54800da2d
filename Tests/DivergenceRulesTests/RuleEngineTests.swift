import DivergenceCore
import DivergenceManifests
@testable import DivergenceRules
import Testing

@Suite struct RuleEngineTests {
    func resource(_ text: String) -> LocatedResource { RuleFixtures.resource(text) }

    func rule(_ id: String = "aws.test.rule", kinds: [String], _ condition: Condition) -> Rule {
        Rule(id: id, point: "test.point", owner: .platform(.aws), confidence: .high, message: "m",
             kinds: kinds.flatMap(KindSelector.parse), condition: condition)
    }

    func field(_ path: String, key: KeyTest? = nil, _ value: ValueTest? = nil) -> Condition {
        RuleFixtures.field(path, key: key, value)
    }

    let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        metadata:
          annotations:
            gke-gcsfuse/volumes: "true"
        spec:
          nodeSelector:
            cloud.google.com/gke-accelerator: nvidia-l4
          initContainers:
            - name: init
              image: busybox
          containers:
            - name: app
              image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1
              args: ["--provider=aws", "--verbose"]
    """

    @Test func fieldPathsParseEveryForm() throws {
        let path = try FieldPath.parse("$pod.nodeSelector[\"cloud.google.com/gke-accelerator\"]")
        #expect(path.root == .pod)
        #expect(path.steps == [.key("nodeSelector"), .key("cloud.google.com/gke-accelerator")])
        #expect(try FieldPath.parse("spec.acme.solvers[*].dns01.route53").steps == [.key("spec"), .key("acme"), .key("solvers"), .anyIndex, .key("dns01"), .key("route53")])
        #expect(try FieldPath.parse("data.*").steps == [.key("data"), .anyKey])
        #expect(throws: FieldPath.ParseError.self) { try FieldPath.parse("spec[abc]") }
    }

    @Test func containersRootCoversInitContainersAndPointsAtTheValue() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["$workload"], field("$containers[*].image", .pattern("^[0-9]{12}\\.dkr\\.ecr\\.")))])
        let matches = engine.matches(in: resource(deployment))
        #expect(matches.count == 1)
        #expect(matches[0].node.path == "spec.template.spec.containers[0].image")
        #expect(matches[0].node.location.line == 18)
        #expect(matches[0].node.evidence.hasPrefix("111122223333.dkr.ecr"))
    }

    @Test func keyTestsPointAtTheKey() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["Deployment"], field("$pod.nodeSelector", key: .prefix("cloud.google.com/")))])
        let match = try #require(engine.matches(in: resource(deployment)).first)
        #expect(match.node.path == "spec.template.spec.nodeSelector[\"cloud.google.com/gke-accelerator\"]")
        #expect(match.node.location == SourceLocation(line: 12, column: 9))
        #expect(match.node.evidence == "nvidia-l4")
    }

    @Test func valueTestOnAListTestsEachItem() throws {
        let engine = try RuleEngine(rules: [rule(kinds: ["Deployment"], field("$containers.args", .equals("--provider=aws")))])
        let match = try #require(engine.matches(in: resource(deployment)).first)
        #expect(match.node.path == "spec.template.spec.containers[0].args[0]")
    }

    @Test func allAnyNotCombine() throws {
        let hasAccelerator = field("$pod.nodeSelector[\"cloud.google.com/gke-accelerator\"]")
        let gcsfuse = field("$podMeta.annotations[\"gke-gcsfuse/volumes\"]", .equals("true"))
        let noTolerations = field("$pod.tolerations", .absent)
        let all = try RuleEngine(rules: [rule(kinds: ["Deployment"], .all([gcsfuse, hasAccelerator, noTolerations]))])
        let m = try #require(all.matches(in: resource(deployment)).first)
        #expect(m.node.path == "spec.template.metadata.annotations[\"gke-gcsfuse/volumes\"]", "all reports its first child's node")
        let not = try RuleEngine(rules: [rule(kinds: ["Deployment"], .not(hasAccelerator))])
        #expect(not.matches(in: resource(deployment)).isEmpty)
        let any = try RuleEngine(rules: [rule(kinds: ["Deployment"], .any([field("spec.missing"), gcsfuse, hasAccelerator]))])
        // `any` reveals both nodes; one rule's nodes on one resource are one construct.
        let anyMatches = any.matches(in: resource(deployment))
        #expect(anyMatches.count == 1)
        #expect(Set(([anyMatches.first?.node] + (anyMatches.first?.related ?? [])).compactMap { $0?.location.line }).count == 2)
    }

    @Test func kindsAndGroupsSelectResources() throws {
        let crd = resource("apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata:\n  name: default\nspec:\n  role: r\n")
        let byGroupGlob = try RuleEngine(rules: [rule(kinds: ["*.k8s.aws/*"], field("apiVersion"))])
        #expect(byGroupGlob.matches(in: crd).count == 1)
        let wrongGroup = try RuleEngine(rules: [rule(kinds: ["karpenter.azure.com/EC2NodeClass"], field("apiVersion"))])
        #expect(wrongGroup.matches(in: crd).isEmpty)
        let byKind = try RuleEngine(rules: [rule(kinds: ["Service"], field("apiVersion"))])
        #expect(byKind.matches(in: crd).isEmpty)
    }

    @Test func cronJobPodSpecIsFound() throws {
        let cron = resource("""
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: "0 1 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  containers:
                    - name: job
                      image: gcr.io/project/job:1
        """)
        let engine = try RuleEngine(rules: [rule(kinds: ["$workload"], field("$containers[*].image", .pattern("^gcr\\.io/")))])
        #expect(engine.matches(in: cron).first?.node.location.line == 12)
    }

    @Test func invalidRegexFailsAtLoadTime() {
        #expect(throws: RuleCompileError.self) {
            try RuleEngine(rules: [rule(kinds: ["Service"], field("spec.type", .pattern("([unclosed")))])
        }
    }

    /// Each credential shape loses its secret part and keeps the rest of the value readable.
    @Test(arguments: [
        ("redis://default:pa55word@cache.example.net:6379/0", "redis://default:\u{2022}\u{2022}\u{2022}@cache.example.net:6379/0"),
        ("postgres://app:s3cr3t@db.internal:5432/orders", "postgres://app:\u{2022}\u{2022}\u{2022}@db.internal:5432/orders"),
        ("Server=tcp:shop.database.windows.net,1433;User ID=app;Password=hunter2;Encrypt=True",
         "Server=tcp:shop.database.windows.net,1433;User ID=app;Password=\u{2022}\u{2022}\u{2022};Encrypt=True"),
        ("Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc123def",
         "Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=\u{2022}\u{2022}\u{2022}"),
        ("InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
         "InstrumentationKey=\u{2022}\u{2022}\u{2022};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Authorization: Bearer \u{2022}\u{2022}\u{2022}"),
        ("basic_auth:\n  password: t0ps3cret\n", "basic_auth:\n  password: \u{2022}\u{2022}\u{2022}\n"),
        ("https://shop.example.com/api?v=1", "https://shop.example.com/api?v=1"),
    ])
    func credentialPartsAreMaskedByShape(value: String, shown: String) throws {
        let cm = resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: y\n")
        #expect(Redaction.evidence(value, path: "data.x", resource: cm) == shown)
    }

    @Test func unassessedProviderKeysAreReportedWhenNoRuleCoversThem() throws {
        let detector = try UnassessedDetector(prefixes: [ProviderPrefix(prefix: "service.beta.kubernetes.io/aws-", platform: .aws, domain: .loadBalancing)])
        let svc = resource("""
        apiVersion: v1
        kind: Service
        metadata:
          name: api
          annotations:
            service.beta.kubernetes.io/aws-load-balancer-type: nlb
            service.beta.kubernetes.io/aws-load-balancer-brand-new: "x"
        """)
        let engine = try RuleEngine(rules: [rule(kinds: ["Service"], .field(path: try FieldPath.parse("metadata.annotations"), key: .equals("service.beta.kubernetes.io/aws-load-balancer-type"), value: nil))])
        let unassessed = detector.unassessed(in: svc, covered: engine.matches(in: svc))
        // The key is in the path; the evidence is its value.
        #expect(unassessed.map(\.node.path) == ["metadata.annotations[\"service.beta.kubernetes.io/aws-load-balancer-brand-new\"]"])
        #expect(unassessed.map(\.node.evidence) == ["x"])
        #expect(unassessed.first?.node.location.line == 7)
    }
}

@Suite struct RiskModelTests {
    @Test func findingScoreMultipliesTheThreeWeightsUnderItsSeverityCeiling() {
        #expect(RiskModel.score(severity: .high, confidence: .high, equivalence: .behavioural) == 60)
        #expect(RiskModel.score(severity: .critical, confidence: .high, equivalence: .none) == 100)
        #expect(RiskModel.score(severity: .low, confidence: .medium, equivalence: .direct) == 12)
        // 100 × 0.25 × 1 × 1 = 25 would be moderate: a low finding stays in the low band.
        #expect(RiskModel.score(severity: .low, confidence: .high, equivalence: .none) == 24)
        #expect(RiskModel.score(severity: .high, confidence: .high, equivalence: .none) == 74)
    }

    /// A finding of each severity with random confidence and equivalence.
    static func finding(_ severity: Severity, _ generator: inout SystemRandomNumberGenerator) -> (Double, Severity) {
        (RiskModel.score(severity: severity, confidence: Confidence.allCases.randomElement(using: &generator)!,
                         equivalence: Equivalence.allCases.randomElement(using: &generator)!), severity)
    }

    @Test func aggregateIsBoundedOrderIndependentAndMonotonic() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let group = (0..<Int.random(in: 0...40, using: &generator)).map { _ in Self.finding(Severity.allCases.randomElement(using: &generator)!, &generator) }
            let worst = group.map(\.1).max() ?? .info
            let total = RiskModel.aggregate(group.map(\.0), worst: worst)
            #expect((0...100).contains(total))
            #expect(RiskModel.aggregate(group.shuffled().map(\.0), worst: worst) == total)
            let added = Self.finding(Severity.allCases.randomElement(using: &generator)!, &generator)
            let more = group + [added]
            #expect(RiskModel.aggregate(more.map(\.0), worst: max(worst, added.1)) >= total, "adding a finding never lowers the score")
        }
        #expect(RiskModel.aggregate([], worst: .info) == 0)
        #expect(RiskModel.aggregate([60], worst: .high) == 60)
        // Worked example of docs/risk-model.md: 60, 45, 15 → 100 × (1 − 0.4 × 0.91 × 0.97) = 64.7 → 65.
        #expect(RiskModel.aggregate([60, 45, 15], worst: .high) == 65)
    }

    /// Severity sets the ceiling: volume never lifts a group above its worst finding's band.
    @Test func aGroupStaysInTheBandOfItsWorstSeverity() {
        var generator = SystemRandomNumberGenerator()
        for severity in Severity.allCases {
            for count in [1, 10, 57, 1_000] {
                let group = (0..<count).map { _ in Self.finding(Severity.allCases.filter { $0 <= severity }.randomElement(using: &generator)!, &generator) }
                let worst = group.map(\.1).max()!
                let level = RiskLevel(score: RiskModel.aggregate(group.map(\.0), worst: worst))
                let band: RiskLevel = switch worst { case .info, .low: .low; case .medium: .moderate; case .high: .high; case .critical: .critical }
                #expect(level <= band, "\(count) findings at most \(severity) scored \(level)")
            }
        }
        // The level of a group is the level of its largest finding: thirteen critical-severity
        // NetworkPolicies matched at medium confidence (48 each) make a moderate group.
        #expect(RiskModel.aggregate(Array(repeating: 48, count: 13), worst: .critical) == 49)
        #expect(RiskModel.aggregate(Array(repeating: 48, count: 13) + [60], worst: .critical) == 74)
        // The case that scored 83 (critical) before: 57 low and 3 info findings.
        let lows = Array(repeating: RiskModel.score(severity: .low, confidence: .high, equivalence: .behavioural), count: 57)
            + Array(repeating: RiskModel.score(severity: .info, confidence: .high, equivalence: .direct), count: 3)
        #expect(RiskLevel(score: RiskModel.aggregate(lows, worst: .low)) == .low)
    }

    @Test func levelsFollowTheThresholds() {
        #expect(RiskLevel(score: 0) == .low)
        #expect(RiskLevel(score: 25) == .moderate)
        #expect(RiskLevel(score: 50) == .high)
        #expect(RiskLevel(score: 75) == .critical)
    }
}

@Suite struct PatternPrefilterTests {
    @Test func prefiltersNeverRejectAValueTheRegexAccepts() throws {
        let cases: [(String, [String])] = [
            ("^public\\.ecr\\.aws/", ["public.ecr.aws/x/y:1"]),
            ("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/", ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1"]),
            ("^gcr\\.io/", ["gcr.io/p/i"]),
            ("^--provider=(aws|azure)$", ["--provider=aws", "--provider=azure"]),
            ("(?i)^arn:aws:", ["ARN:AWS:iam::1:role/x"]),
            ("^ab?c", ["ac", "abc"]),
            ("^x{0,2}yz", ["yz", "xyz"]),
            ("docker\\.pkg\\.dev/", ["europe-west1-docker.pkg.dev/p/r/i"]),
            ("^[a-z]+\\.azurecr\\.io/", ["shop.azurecr.io/api:1"]),
            ("(^|\\.)amazonaws\\.com$", ["amazonaws.com", "s3.amazonaws.com"]),
            ("HTTPS|HTTP2", ["xHTTP2", "HTTPS"]),
            ("(?i)^(true|0\\.0\\.0\\.0/0)$", ["TRUE", "0.0.0.0/0"]),
            ("(?i)\\bName\\s+cloudwatch(_logs)?\\b", ["[OUTPUT]\n    Name  CloudWatch_Logs"]),
            ("(^|[^0-9.])169\\.254\\.169\\.254([^0-9]|$)", ["http://169.254.169.254/latest"]),
        ]
        for (pattern, values) in cases {
            let compiled = try CompiledPattern(pattern)
            for value in values {
                #expect(compiled.matches(value), "\(pattern) must match \(value)")
            }
        }
        #expect(CompiledPattern.literalPrefix(of: "^gcr\\.io/") == "gcr.io/")
        #expect(CompiledPattern.literalPrefix(of: "^ab?c") == "a")
        #expect(CompiledPattern.literalPrefix(of: "^(a|b)") == nil)
        func literals(_ p: String) -> [String]? { CompiledPattern.requiredLiterals(of: p)?.literals.map { String(decoding: $0, as: UTF8.self) } }
        #expect(literals("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/") == [".amazonaws.com/"])
        #expect(literals("HTTPS|HTTP2") == ["HTTPS", "HTTP2"])
        #expect(literals("(^|[^0-9.])169\\.254\\.169\\.254([^0-9]|$)") == ["169.254.169.254"])
        #expect(literals("(?i)^Standard_LRS$") == ["standard_lrs"])
        #expect(literals("(-docker\\.pkg\\.dev|gcr\\.io)/") == ["-docker.pkg.dev", "gcr.io"], "a required group's choices")
        #expect(literals("(^|\\n)\\s*(awsxray|awsemf)(/[a-z]+)?:") == ["awsxray", "awsemf"])
        #expect(literals("(^s3://[a-z]+|(^|[/.])s3([.-][a-z0-9-]+)?\\.amazonaws\\.com(\\.cn)?(/|$))") == ["s3://", ".amazonaws.com"], "a pattern in one group")
        #expect(literals("^(a|bc)d") == nil, "a one-letter choice is not selective")
        #expect(literals("xb?cde(fghij)?") == ["cde"], "optional parts are never required")
        #expect(literals("ab+cde") == ["cde"], "a repeated letter breaks the run")
        #expect(literals("^(?!kube-)[a-z]+\\.example\\.com$") == [".example.com"], "lookarounds require nothing")
        #expect(literals("(?<name>abc)|de") == ["abc", "de"])
        #expect(literals("abcé?d") == ["abc"], "an optional character is dropped whole, not byte by byte")
        #expect(literals("^(?m)x") == nil)
        #expect(try !CompiledPattern("^gcr\\.io/").matches("us.gcr.io/x"))
    }
}

@Suite struct LiteralGateTests {
    @Test func automatonFindsEveryLiteralItContains() {
        let automaton = LiteralAutomaton(literals: ["he", "she", "his", "hers", ".amazonaws.com/", "a"])
        var found = [Bool](repeating: false, count: 6)
        automaton.scan("ushers", into: &found)
        #expect(found == [true, true, false, true, false, false])
        found = [Bool](repeating: false, count: 6)
        automaton.scan("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app", into: &found)
        #expect(found[4] && found[5])
    }

    @Test func gatesAreNecessaryConditions() throws {
        func gate(_ c: Condition) -> LiteralGate { LiteralGate.of(c) }
        let path = try FieldPath.parse("metadata.annotations")
        #expect(gate(.field(path: path, key: .equals("eks.amazonaws.com/role-arn"), value: nil)) == .anyOf(["eks.amazonaws.com/role-arn"]))
        #expect(gate(.field(path: path, key: .equals("k"), value: .absent)) == .always)
        #expect(gate(.not(.field(path: path, key: nil, value: nil))) == .always)
        #expect(gate(.any([.field(path: path, key: .prefix("alb."), value: nil), .field(path: path, key: .prefix("appgw."), value: nil)])) == .anyOf(["alb.", "appgw."]))
        #expect(gate(.field(path: try FieldPath.parse("$containers[*].image"), key: nil, value: .pattern("(?i)^ecr"))) == .anyOf(["image"]), "case-insensitive patterns fall back to the key")
        #expect(gate(.field(path: try FieldPath.parse("spec.description"), key: nil, value: .equals("two words"))) == .anyOf(["description"]), "literals with spaces are not used")
    }
}

@Suite struct FindingOrderTests {
    func finding(_ file: String, _ line: Int, _ rule: String, _ target: Platform = .gcp) -> Finding {
        Finding(ruleId: rule, divergenceId: "d", domain: .dns, severity: .low, confidence: .low, score: 1, equivalence: .none,
                owner: "aws", target: target, file: file, line: line, column: 1,
                resource: ResourceRef(apiVersion: "v1", kind: "K", namespace: nil, name: "n"), path: "p", evidence: "e",
                message: "m", remediation: "r", references: [], effort: 1, title: "t")
    }

    /// Per-file runs in any file order come back in output order, as a full sort would put them.
    @Test func runsOfFilesMergeIntoOutputOrder() {
        // Walk order puts a/x.yaml before a-b.yaml; string order the other way round.
        let runs = [finding("a/x.yaml", 1, "r1"), finding("a/x.yaml", 3, "r0"), finding("a-b.yaml", 2, "r2"), finding("a-b.yaml", 2, "r3")]
        let merged = Assessor.mergedInOrder(runs)
        #expect(merged.map { "\($0.file):\($0.line)" } == ["a-b.yaml:2", "a-b.yaml:2", "a/x.yaml:1", "a/x.yaml:3"])
        #expect(merged == runs.sorted(by: Assessor.order))
        // A file in two runs, or a run out of order, is sorted in full.
        let split = [finding("b.yaml", 5, "r"), finding("a.yaml", 1, "r"), finding("b.yaml", 1, "r")]
        #expect(Assessor.mergedInOrder(split) == split.sorted(by: Assessor.order))
        let unordered = [finding("a.yaml", 9, "r"), finding("a.yaml", 1, "r")]
        #expect(Assessor.mergedInOrder(unordered) == unordered.sorted(by: Assessor.order))
        #expect(Assessor.sortedInOrder(unordered) == unordered.sorted(by: Assessor.order))
    }
}
