import DivergenceCore
import DivergenceManifests
import Foundation
import Testing

@Suite struct ManifestLoaderTests {
    let loader = ManifestLoader()

    @Test func multiDocumentStreamKeepsOrderAndLines() {
        let text = """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: first
        ---
        # a comment
        apiVersion: v1
        kind: Service
        metadata:
          name: second
          namespace: web
        """
        let set = loader.load(text: text, file: "stream.yaml")
        #expect(set.documents == 2)
        #expect(set.resources.map(\.ref.name) == ["first", "second"])
        #expect(set.resources[1].ref.namespace == "web")
        #expect(set.resources[1].kindLocation == SourceLocation(line: 8, column: 1))
        #expect(set.resources[1].document == 1)
    }

    @Test func everyNodeKeepsItsLineAndColumn() throws {
        let text = """
        apiVersion: v1
        kind: Service
        metadata:
          name: api
          annotations:
            service.beta.kubernetes.io/aws-load-balancer-type: nlb
        """
        let resource = try #require(loader.load(text: text, file: "svc.yaml").resources.first)
        let entry = try #require(resource.root["metadata"]?["annotations"]?.entry("service.beta.kubernetes.io/aws-load-balancer-type"))
        #expect(entry.keyLocation == SourceLocation(line: 6, column: 5))
        #expect(entry.value.location.line == 6)
        #expect(entry.value.scalar == "nlb")
    }

    @Test func mergeKeysSpliceAnchoredMappingsAndWrittenKeysWin() throws {
        let text = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          labels: &common
            team: payments
            tier: backend
        spec:
          template:
            metadata:
              labels:
                <<: *common
                tier: frontend
        """
        let resource = try #require(loader.load(text: text, file: "merge.yaml").resources.first)
        let labels = try #require(resource.root["spec"]?["template"]?["metadata"]?["labels"])
        #expect(labels["team"]?.scalar == "payments")
        #expect(labels["tier"]?.scalar == "frontend")
        #expect(labels.entries?.filter { $0.key == "tier" }.count == 1)
    }

    @Test func aKeyWrittenTwiceAroundAMergeIsADuplicate() {
        let text = "base: &b {x: 1}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  a: 1\n  <<: *b\n  a: 2\n"
        let set = loader.load(text: text, file: "dup.yaml")
        #expect(set.resources.isEmpty)
        #expect(set.errors.first?.message.contains("duplicate key 'a' (first at line 7)") == true)
    }

    @Test func duplicateKeysInALongMappingAreStillFound() {
        let keys = (0..<40).map { "  key\($0): v" }.joined(separator: "\n")
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n\(keys)\n  key7: again\n"
        let set = loader.load(text: text, file: "big.yaml")
        #expect(set.resources.isEmpty)
        #expect(set.errors.first?.line == 46)
        #expect(set.errors.first?.message.contains("duplicate key 'key7' (first at line 13)") == true)
    }

    @Test func listItemsBecomeResources() {
        let text = """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: a}
          - apiVersion: v1
            kind: Secret
            metadata: {name: b}
        """
        let set = loader.load(text: text, file: "list.yaml")
        #expect(set.resources.map(\.ref.kind) == ["ConfigMap", "Secret"])
        #expect(set.resources[1].kindLocation.line == 8)
    }

    @Test func jsonManifestsAreRead() {
        let text = """
        {
          "apiVersion": "v1",
          "kind": "ServiceAccount",
          "metadata": {"name": "json-sa", "annotations": {"iam.gke.io/gcp-service-account": "a@p.iam.gserviceaccount.com"}}
        }
        """
        let set = loader.load(text: text, file: "sa.json")
        #expect(set.resources.first?.ref.name == "json-sa")
        #expect(set.resources.first?.root["metadata"]?["annotations"]?.entry("iam.gke.io/gcp-service-account")?.keyLocation.line == 4)
    }

    @Test func documentsWithoutKindAreSkippedWithAReason() {
        let set = loader.load(text: "replicaCount: 3\nimage:\n  tag: latest\n", file: "values.yaml")
        #expect(set.resources.isEmpty)
        #expect(set.skipped.first?.reason.contains("no apiVersion/kind") == true)
    }

    @Test func unrenderedTemplatesAreSkippedWithAdvice() {
        let text = """
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ .Release.Name }}
        {{- if .Values.lb }}
        spec:
          type: LoadBalancer
        {{- end }}
        """
        let set = loader.load(text: text, file: "templates/svc.yaml")
        #expect(set.resources.isEmpty)
        // Not analysed is an input error (the run fails closed), with the way to render it.
        #expect(set.errors.first?.message.contains("unrendered template") == true)
        #expect(set.errors.first?.message.contains("--helm") == true)
        #expect(set.errors.first?.line == 5)
    }

    @Test func placeholdersInQuotedValuesAreStillAnalysed() {
        let text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  annotations:\n    eks.amazonaws.com/role-arn: \"{{ROLE}}\"\n"
        #expect(loader.load(text: text, file: "sa.yaml").resources.count == 1)
    }

    @Test func brokenFileIsAnErrorWithLineAndTheRunGoesOn() throws {
        let directory = NSTemporaryDirectory() + "loader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n".write(toFile: directory + "/a-good.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n  other: x\n".write(toFile: directory + "/b-broken.yaml", atomically: true, encoding: .utf8)
        try "not: [a, manifest\n".write(toFile: directory + "/c-notes.txt", atomically: true, encoding: .utf8)
        let set = loader.load(paths: [directory])
        #expect(set.files == 2, "only .yaml/.yml/.json files are read")
        #expect(set.resources.map(\.ref.name) == ["ok"])
        let error = try #require(set.errors.first)
        #expect(error.file.hasSuffix("b-broken.yaml"))
        #expect(error.line != nil)
        #expect(error.message.contains("invalid YAML"))
    }

    @Test func missingPathIsAnError() {
        let set = loader.load(paths: ["/nonexistent/manifests"])
        #expect(set.errors.first?.message == "no such file or directory")
    }

    @Test func standardInputIsReadForDash() {
        let set = loader.load(paths: ["-"], stdin: { Data("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-stdin\n".utf8) })
        #expect(set.resources.first?.ref.name == "from-stdin")
        #expect(set.resources.first?.file == "-")
    }

    /// Floods of separators or list items are refused with their line, not held in memory.
    @Test func documentAndListFloodsAreBounded() {
        let separators = loader.load(text: String(repeating: "---\n", count: 150_000), file: "dashes.yaml")
        #expect(separators.errors.contains { $0.message.contains("more than 100000 documents") })
        var list = "apiVersion: v1\nkind: List\nitems:\n"
        list += String(repeating: "- {}\n", count: 100_001)
        let items = loader.load(text: list, file: "list.yaml")
        #expect(items.resources.isEmpty && items.skipped.isEmpty)
        #expect(items.errors.first?.message.contains("100001 items") == true)
    }

    @Test func repeatedReasonsAreCountedInOneLine() {
        let text = (0..<500).map { "a: \($0)" }.joined(separator: "\n---\n")
        let set = loader.load(text: text, file: "values.yaml")
        #expect(set.skipped.count == 11, "ten listed, the rest in one line")
        #expect(set.skipped.last?.reason.hasPrefix("and 490 more document(s) skipped for the same reason") == true)
        let duplicates = (0..<50).map { _ in "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b" }.joined(separator: "\n---\n")
        let errors = loader.load(text: duplicates, file: "dup.yaml").errors
        #expect(errors.count == 11 && errors.last?.message.contains("40 more document(s) not analysed") == true, "errors stay errors, counted")
    }

    @Test func aValueIsShownInOneShortLine() throws {
        let set = loader.load(text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nspec:\n  tags: {team: payments, env: prod}\n  empty: \"\"\n  list: [a, b]\n  script: |\n    aws s3 cp x s3://bucket/y\n    echo done\n", file: "cm.yaml")
        let spec = try #require(set.resources.first?.root["spec"])
        #expect(spec["tags"]?.compactText() == "{team: payments, env: prod}", "a mapping shows its content, not its key")
        #expect(spec["empty"]?.compactText() == "\"\"")
        #expect(spec["list"]?.compactText() == "[a, b]")
        #expect(spec["script"]?.compactText() == "aws s3 cp x s3://bucket/y …", "a multi-line value shows its first line")
        let long = String(repeating: "x", count: 300)
        #expect(ManifestNode(.scalar(long), at: SourceLocation(line: 1, column: 1)).compactText(limit: 80).count <= 81)
    }

    @Test func aMappingUsedAsAKeyIsNotAKubernetesObject() {
        // `{{ .Values.name }}` parses as a flow mapping whose key is a flow mapping.
        let template = loader.load(text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n", file: "cm.yaml")
        #expect(template.resources.isEmpty)
        #expect(template.errors.first?.line == 4 && template.errors.first?.message.contains("unrendered template") == true)
        let complex = loader.load(text: "apiVersion: v1\nkind: ConfigMap\ndata:\n  ? [a, b]\n  : c\n", file: "complex.yaml")
        #expect(complex.errors.first?.message.contains("a mapping or list used as a key") == true)
        let quoted = loader.load(text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{{ .Values.name }}\"\n", file: "quoted.yaml")
        #expect(quoted.resources.count == 1, "a placeholder inside a string is a value, not a mapping")
    }

    @Test func emptyAndBinaryFilesAreSkipped() {
        #expect(loader.load(data: Data(), file: "empty.yaml").skipped.first?.reason == "empty file")
        #expect(loader.load(data: Data([0x7f, 0x45, 0x00, 0x01]), file: "bin.yaml").errors.first?.message.contains("binary") == true)
        #expect(loader.load(data: Data([0x61, 0x3a, 0x20, 0xff, 0xfe]), file: "latin.yaml").errors.first?.message == "not valid UTF-8 text")
    }

    @Test func aliasBombIsRefusedNotExpanded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        text += "apiVersion: v1\nkind: ConfigMap\n"
        let set = loader.load(text: text, file: "bomb.yaml")
        #expect(set.resources.isEmpty)
        #expect(set.errors.first?.message.contains("alias") == true)
    }

    @Test func directoriesAreScannedRecursivelyInSortedOrder() throws {
        let directory = NSTemporaryDirectory() + "loader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/b/c", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/.git", withIntermediateDirectories: true)
        for (path, name) in [("b/c/z.yml", "deep"), ("a.json", "top"), (".git/x.yaml", "hidden")] {
            try "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"\(name)\"}}".write(toFile: directory + "/" + path, atomically: true, encoding: .utf8)
        }
        let set = loader.load(paths: [directory])
        #expect(set.resources.map(\.ref.name) == ["top", "deep"])
    }
}

/// Inputs the fuzzer found, kept as regression tests (Fuzz/regressions, see Scripts/fuzz).
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Fuzz/regressions"

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test(arguments: files)
    func regressionInputIsHandled(name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + name))
        let set = ManifestLoader().load(data: data, file: name)
        // Every regression input is hostile: it must be refused or skipped with a reason, never
        // expanded in full.
        #expect(!set.errors.isEmpty || !set.skipped.isEmpty, "\(name) is reported")
    }

    @Test func manySmallAliasBombsInOneFileAreRefused() {
        var text = ""
        for i in 0..<20 {
            text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\(i)}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            for j in 1...5 { text += "  a\(j): &a\(j) [" + Array(repeating: "*a\(j - 1)", count: 10).joined(separator: ", ") + "]\n" }
        }
        let set = ManifestLoader().load(text: text, file: "bombs.yaml")
        #expect(set.errors.contains { $0.message.contains("aliases in this file expand") })
    }
}
