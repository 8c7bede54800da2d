import DivergenceCatalogue
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation
import Testing

enum CatalogueFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let data = root + "/Data"
    static let source = CatalogueSource.read(directories: [data])
    static let points = Dictionary(source.points.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

    static func temporary() -> String {
        let path = NSTemporaryDirectory() + "catalogue-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

@Suite struct RuleRecordTests {
    /// The hand-written readers give what JSONDecoder gives, for every rule and point of the
    /// catalogue and for strings that need every escape.
    @Test func readsWhatTheEncoderWroteForEveryRule() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var rules = CatalogueFixture.source.rules.map { rule -> Rule in
            var bare = rule
            bare.examples = RuleExamples()
            return bare
        }
        #expect(rules.count > 500)
        rules.append(Rule(id: "t.escapes", point: "p", owner: .neutral, confidence: .low,
                          message: "quote \" slash / back \\ tab \t nl \n cr \r bell \u{7} é ☃ 𝄞", remediation: nil,
                          kinds: [KindSelector(kind: nil, group: "*.k8s.aws"), KindSelector(kind: nil, group: nil)],
                          condition: .not(.all([.field(path: try FieldPath.parse("metadata.annotations"), key: .prefix("a/"), value: .absent),
                                                .field(path: try FieldPath.parse("$containers[*].env[*].value"), key: nil, value: .oneOf(["x", "y"]))])),
                          file: "f.yaml", line: 7))
        for rule in rules {
            let body = String(decoding: try encoder.encode(rule), as: UTF8.self)
            #expect(try RuleRecord.decode(body) == JSONDecoder().decode(Rule.self, from: Data(body.utf8)), "\(rule.id)")
        }
        for point in CatalogueFixture.source.points {
            let body = String(decoding: try encoder.encode(point), as: UTF8.self)
            #expect(try PointRecord.decode(body) == JSONDecoder().decode(DivergencePoint.self, from: Data(body.utf8)), "\(point.id)")
        }
        #expect(throws: (any Error).self) { try RuleRecord.decode("{\"id\": 1}") }
        #expect(throws: (any Error).self) { try RuleRecord.decode("{") }
    }
}

@Suite struct BuiltInCatalogueTests {
    @Test func validatesWithoutProblems() {
        let issues = CatalogueValidator.validate(CatalogueFixture.source) + CatalogueValidator.provenance(CatalogueFixture.source)
        for issue in issues { print(issue) }
        #expect(issues.isEmpty)
    }

    /// Every source says when it was read, and every construct a point names is shown by one of
    /// its rules or listed outside manifests: a point that loses either fails validation.
    @Test func provenanceIsRequired() throws {
        var source = CatalogueFixture.source
        let index = try #require(source.points.firstIndex { $0.id == "load-balancing.idle-timeout" })
        #expect(source.points[index].sources.allSatisfy { $0.checked != nil })
        source.points[index].sources[0].checked = nil
        source.points[index].platforms[.aws]?.constructs.append("service.beta.kubernetes.io/aws-load-balancer-made-up-annotation")
        source.points[index].sources[1].revision = "not a revision"
        let issues = CatalogueValidator.provenance(source).map(\.message)
        #expect(issues.contains { $0.contains("has no 'checked' date") })
        #expect(issues.contains { $0.contains("aws-load-balancer-made-up-annotation") && $0.contains("not shown by a fire example") })
        #expect(issues.contains { $0.contains("revision must look like owner/repo@<commit>:<path>") })
    }

    @Test func coversEveryDomainWithAllPairsAndSources() {
        let points = CatalogueFixture.source.points
        #expect(points.count >= 150)
        #expect(CatalogueFixture.source.rules.count >= 350)
        for domain in Domain.allCases {
            #expect(points.filter { $0.domain == domain }.count >= 8, "domain \(domain.rawValue)")
        }
        for point in points {
            for cloud in Platform.clouds {
                #expect(point.platforms[cloud] != nil, "\(point.id) lacks \(cloud.rawValue)")
                #expect(point.sources.contains { $0.platform == cloud.rawValue && $0.url.hasPrefix("https://") }, "\(point.id) lacks an https source for \(cloud.rawValue)")
            }
            #expect(point.pairs.filter { Platform.clouds.contains($0.from) && Platform.clouds.contains($0.to) }.count == 6, "\(point.id) needs six pairs")
        }
    }

    /// Every rule's examples, as tests: fire examples fire (also inside a List, as a 2nd
    /// document, and not with the ignore annotation); pass examples do not.
    @Test(arguments: CatalogueFixture.source.rules)
    func ruleExamplesBehaveAsDeclared(rule: Rule) {
        let issues = ExampleVerifier.verify(rules: [rule], points: CatalogueFixture.points)
        for issue in issues { Issue.record("\(issue)") }
    }

    /// A team catalogue directory is walked with bounds: special files are never opened and a
    /// huge tree (`/proc`) is cut short with an issue instead of walked forever.
    @Test func catalogueDirectoriesAreWalkedWithBounds() throws {
        let dir = CatalogueFixture.temporary()
        try FileManager.default.createDirectory(atPath: dir + "/rules/aws", withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/rules/aws/pipe.yaml", 0o600) == 0)
        try "rules: []\n".write(toFile: dir + "/rules/aws/ok.yaml", atomically: true, encoding: .utf8)
        #expect(CatalogueFiles.yamlFiles(under: dir).files.map(\.relative) == ["rules/aws/ok.yaml"])
        let start = ContinuousClock.now
        _ = CatalogueFiles.yamlFiles(under: "/proc")
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    /// Only plain https links become links: a team catalogue's `javascript:` source or one that
    /// closes an attribute is refused by validation and shown as text by the reports.
    @Test func onlyPlainHTTPSSourcesAreLinks() {
        #expect(SafeLink.isSafe("https://learn.microsoft.com/azure/aks/concepts-storage"))
        #expect(SafeLink.isSafe("https://docs.aws.amazon.com/eks/latest/userguide/s3-csi.html#s3-csi-driver"))
        for hostile in ["javascript:alert(1)", "http://example.com", "https://x/><img src=x onerror=alert(1)>",
                        "https://x/\"onmouseover=alert(1)", "https://", "https://user@evil.example/", "https://a b/"] {
            #expect(!SafeLink.isSafe(hostile), "\(hostile)")
        }
    }

    /// A `↓` marks the line a fire example's finding must land on; firing elsewhere fails.
    @Test func markedExampleLinesAreChecked() throws {
        let point = try #require(CatalogueFixture.points["compute.nodepool-labels"])
        func verify(_ example: String) -> [String] {
            let rule = Rule(id: "gcp.compute.test-marker", point: point.id, owner: .platform(.gcp), confidence: .high, message: "m",
                            kinds: KindSelector.parse("$workload"),
                            condition: .field(path: try! FieldPath.parse("$pod.nodeSelector"), key: .equals("cloud.google.com/gke-nodepool"), value: nil),
                            examples: RuleExamples(fire: [example]))
            return ExampleVerifier.verify(rules: [rule], points: [point.id: point]).map(\.message)
        }
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeSelector:\n    LABEL: pool\n  containers:\n  - name: a\n    image: nginx\n"
        #expect(verify(pod.replacingOccurrences(of: "LABEL", with: "↓cloud.google.com/gke-nodepool")).isEmpty)
        let misplaced = pod.replacingOccurrences(of: "LABEL", with: "cloud.google.com/gke-nodepool").replacingOccurrences(of: "image: nginx", with: "↓image: nginx")
        #expect(verify(misplaced).contains { $0.contains("does not fire on its marked line 10 (fires on line 7)") })
    }
}

@Suite struct CatalogueStoreTests {
    @Test func searchRanksIdleTimeoutFirst() throws {
        let store = try CatalogueStore.build(CatalogueFixture.source, at: CatalogueFixture.temporary() + "/c.sqlite")
        let hits = try store.search("idle timeout")
        #expect(hits.first?.id == "load-balancing.idle-timeout")
    }

    @Test func annotationKeysAreSearchableAsTyped() throws {
        let store = try CatalogueStore.build(CatalogueFixture.source, at: CatalogueFixture.temporary() + "/c.sqlite")
        #expect(try store.search("aws-load-balancer-type").isEmpty == false)
        #expect(try store.search("role-arn").contains { $0.domain == "identity" })
    }

    @Test(arguments: ["\"unbalanced", "(a OR", "AND", "*", "-", "NEAR(x y)", "a:b", "'; DROP TABLE points; --", "\u{0}", "^x", "timeout*"])
    func hostileSearchTextNeverCrashes(text: String) throws {
        let store = try CatalogueStore.build(CatalogueFixture.source, at: CatalogueFixture.temporary() + "/c.sqlite")
        _ = try store.search(text)
        #expect(try store.info().points == CatalogueFixture.source.points.count)
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256Digest.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func staleCacheIsRebuiltAndCorruptCacheRecovered() throws {
        let data = CatalogueFixture.temporary()
        let cache = CatalogueFixture.temporary()
        try FileManager.default.createDirectory(atPath: data + "/catalogue/dns", withIntermediateDirectories: true)
        let point = try String(contentsOfFile: CatalogueFixture.data + "/catalogue/dns/" + (try FileManager.default.contentsOfDirectory(atPath: CatalogueFixture.data + "/catalogue/dns").sorted().first!), encoding: .utf8)
        try point.write(toFile: data + "/catalogue/dns/p.yaml", atomically: true, encoding: .utf8)
        let first = try Catalogue.load(dataDirectories: [data], cacheDirectory: cache)
        #expect(first.rebuilt)
        #expect(first.info.points == 1)
        let second = try Catalogue.load(dataDirectories: [data], cacheDirectory: cache)
        #expect(!second.rebuilt, "a fresh cache is reused")
        // Corrupt every cached database: the next load rebuilds instead of crashing.
        for file in try FileManager.default.contentsOfDirectory(atPath: cache) {
            try Data("not a database".utf8).write(to: URL(fileURLWithPath: cache + "/" + file))
        }
        let third = try Catalogue.load(dataDirectories: [data], cacheDirectory: cache)
        #expect(third.rebuilt)
        #expect(third.info.points == 1)
        // Editing Data/ makes the cache stale.
        Thread.sleep(forTimeInterval: 0.01)
        try (point + "\n# edited\n").write(toFile: data + "/catalogue/dns/p.yaml", atomically: true, encoding: .utf8)
        #expect(try Catalogue.load(dataDirectories: [data], cacheDirectory: cache).rebuilt)
    }

    @Test func unwritableCacheFallsBackToATemporaryDatabase() throws {
        let catalogue = try Catalogue.load(dataDirectories: [CatalogueFixture.data], cacheDirectory: "/proc/divergence-cannot-write-here")
        #expect(catalogue.info.points == CatalogueFixture.source.points.count)
    }

    @Test func badSourcesAreReportedWithFileAndLine() throws {
        let data = CatalogueFixture.temporary()
        try FileManager.default.createDirectory(atPath: data + "/rules/aws", withIntermediateDirectories: true)
        try """
        rules:
          - id: aws.dns.broken
            point: dns.does-not-exist
            platform: aws
            confidence: sure
            message: m
            match:
              kinds: [Service]
              where:
                field: {path: spec.type, pattern: "([bad"}
        """.write(toFile: data + "/rules/aws/dns.yaml", atomically: true, encoding: .utf8)
        let source = CatalogueSource.read(directories: [data])
        let issues = CatalogueValidator.validate(source)
        #expect(issues.contains { $0.file.hasSuffix("rules/aws/dns.yaml") && $0.line == 5 && $0.message.contains("confidence") })
    }

    @Test func unknownKeysAndMissingPairsAreErrors() throws {
        let data = CatalogueFixture.temporary()
        try FileManager.default.createDirectory(atPath: data + "/catalogue/dns", withIntermediateDirectories: true)
        try """
        id: dns.half-written
        title: Half written
        domain: dns
        summary: s
        colour: blue
        platforms:
          aws: {behaviour: b}
        impact: i
        mitigation: m
        pairs: []
        sources:
          - {platform: aws, url: "http://example.com"}
        verified: 2026-11-26
        """.write(toFile: data + "/catalogue/dns/half-written.yaml", atomically: true, encoding: .utf8)
        let messages = CatalogueValidator.validate(CatalogueSource.read(directories: [data])).map(\.message)
        #expect(messages.contains { $0.contains("unknown key 'colour'") })
        #expect(messages.contains { $0.contains("missing platform azure") })
        #expect(messages.contains { $0.contains("missing pair aws→gcp") })
        #expect(messages.contains { $0.contains("not a plain https URL") })
    }
}

@Suite struct TeamCatalogueTests {
    /// A team directory with one rule on a new point, and a copy of a built-in point.
    func teamDirectory(overridePoint: Bool) throws -> String {
        let team = CatalogueFixture.temporary()
        try FileManager.default.createDirectory(atPath: team + "/catalogue/load-balancing", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: team + "/rules/aws", withIntermediateDirectories: true)
        var point = try String(contentsOfFile: CatalogueFixture.data + "/catalogue/load-balancing/idle-timeout.yaml", encoding: .utf8)
        point = point.replacingOccurrences(of: "\ntitle: ", with: "\ntitle: Team view of ")
        if overridePoint { point += "\noverride: true\n" }
        try point.write(toFile: team + "/catalogue/load-balancing/idle-timeout.yaml", atomically: true, encoding: .utf8)
        try """
        rules:
          - id: aws.load-balancing.team-idle-annotation
            point: load-balancing.idle-timeout
            platform: aws
            confidence: high
            message: Our platform module sets the idle timeout through this team annotation.
            match:
              kinds: [Service]
              where:
                annotation: {key: platform.example.com/idle-timeout}
            examples:
              fire:
                - |
                  apiVersion: v1
                  kind: Service
                  metadata:
                    name: a
                    annotations:
                      platform.example.com/idle-timeout: "900"
              pass:
                - |
                  apiVersion: v1
                  kind: Service
                  metadata:
                    name: a
        """.write(toFile: team + "/rules/aws/load-balancing.yaml", atomically: true, encoding: .utf8)
        return team
    }

    @Test func teamEntriesAreMergedAndOverridesReplace() throws {
        let team = try teamDirectory(overridePoint: true)
        let source = CatalogueSource.read(directories: [CatalogueFixture.data, team])
        #expect(CatalogueValidator.validate(source).isEmpty)
        #expect(source.rules.contains { $0.id == "aws.load-balancing.team-idle-annotation" })
        #expect(source.points.first { $0.id == "load-balancing.idle-timeout" }?.title.hasPrefix("Team view of") == true)
        #expect(source.points.count == CatalogueFixture.source.points.count)
        let issues = ExampleVerifier.verify(rules: source.rules.filter { $0.id.contains("team-") }, points: Dictionary(source.points.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
        #expect(issues.isEmpty)
    }

    @Test func collidingIdsWithoutOverrideAreErrors() throws {
        let team = try teamDirectory(overridePoint: false)
        let issues = CatalogueValidator.validate(CatalogueSource.read(directories: [CatalogueFixture.data, team]))
        let collision = try #require(issues.first { $0.message.contains("already defined") })
        #expect(collision.file.hasPrefix(team))
        #expect(collision.message.contains("override: true"))
    }
}

@Suite struct CatalogueDocumentTests {
    /// docs/catalogue.md is generated; regenerate with `swift run divergence db docs --output docs/catalogue.md`.
    @Test func committedCatalogueDocumentIsFresh() throws {
        let committed = try String(contentsOfFile: CatalogueFixture.root + "/docs/catalogue.md", encoding: .utf8)
        let fresh = CatalogueDocument.render(points: CatalogueFixture.source.points, rules: CatalogueFixture.source.rules)
        #expect(committed == fresh, "docs/catalogue.md is stale: run `swift run divergence db docs --output docs/catalogue.md`")
    }
}
