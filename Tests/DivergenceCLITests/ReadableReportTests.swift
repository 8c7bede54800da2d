import Foundation
import Testing

/// What a team sees on a repository of real size: a summary first, what to do grouped by
/// divergence point, scores that tell repositories apart, the direction questioned, findings on
/// the files to edit, and query commands that keep their word.
@Suite(.serialized) struct ReadableReportTests {
    static let irsa = RealWorldTests.irsa

    func json(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    /// `count` LoadBalancer Services that each carry the same AWS annotation.
    static func services(_ count: Int, annotation: String = "service.beta.kubernetes.io/aws-load-balancer-type: nlb") -> String {
        (0..<count).map { "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-\($0)\n  annotations:\n    \(annotation)\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n" }
            .joined(separator: "---\n")
    }

    @Test func theSummaryLeadsAndEachPointIsExplainedOnce() throws {
        let r = try CLI.run(["check", "-", "--from", "aws", "--to", "azure"], stdin: Self.services(12))
        let text = r.stdout
        let summary = try #require(text.range(of: "Summary"))
        let actions = try #require(text.range(of: "What to do"))
        let details = try #require(text.range(of: "Findings by resource"))
        #expect(summary.lowerBound < actions.lowerBound && actions.lowerBound < details.lowerBound)
        #expect(text.contains("12 places on 12 resources"))
        // The explanation is written once, not once per Service.
        let message = "Network Load Balancer"
        #expect(text.components(separatedBy: message).count - 1 <= 2, "the paragraph is not repeated per finding")
        #expect(text.contains("and 4 more place(s), under Findings"))
    }

    @Test func minSeverityAndGroupByShapeTheReportButNotTheScore() throws {
        let manifest = Self.services(2) + "---\n" + Self.irsa
            + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
        let all = try json(try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--format", "json"], stdin: manifest))
        let high = try json(try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--format", "json", "--min-severity", "high"], stdin: manifest))
        let severities = (high["findings"] as! [[String: Any]]).map { $0["severity"] as! String }
        #expect(severities.allSatisfy { $0 == "high" || $0 == "critical" })
        #expect((high["findings"] as! [Any]).count < (all["findings"] as! [Any]).count)
        #expect((high["summary"] as! [String: Any])["score"] as? Int == (all["summary"] as! [String: Any])["score"] as? Int)
        #expect((high["hiddenBelow"] as? [String: Any])?["count"] as? Int == (all["findings"] as! [Any]).count - severities.count)
        let byPoint = try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--group-by", "point"], stdin: manifest)
        #expect(byPoint.stdout.contains("Findings by point"))
        #expect(try CLI.run(["check", "-", "--to", "azure", "--group-by", "colour"], stdin: manifest).status == 2)
    }

    @Test func aRunOfLowFindingsStaysLowAndWorkloadsAreCounted() throws {
        // Many Deployments each pulling a public Docker Hub image: low findings only.
        let deployments = (0..<60).map { "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\($0)\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.\($0)\n" }
            .joined(separator: "---\n")
        let j = try json(try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--format", "json"], stdin: deployments))
        let summary = j["summary"] as! [String: Any]
        let bySeverity = summary["bySeverity"] as! [String: Int]
        try #require(bySeverity["low", default: 0] >= 60 && bySeverity["medium", default: 0] + bySeverity["high", default: 0] + bySeverity["critical", default: 0] == 0)
        #expect(summary["level"] as? String == "low", "volume shows in counts and effort, not in risk")
        #expect((summary["workloadsByLevel"] as! [String: Int])["low"] == 60)
    }

    @Test func severalTargetsAreAlternativesNeverAddedUp() throws {
        let j = try json(try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure,gcp", "--format", "json"]))
        let targets = j["targets"] as! [[String: Any]]
        let efforts = targets.map { $0["effort"] as! Double }
        #expect((j["summary"] as! [String: Any])["effort"] as? Double == efforts.max(), "the summary is the largest alternative, not the sum")
        let text = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure,gcp"]).stdout
        #expect(text.contains("Targets are alternatives"))
        #expect(!text.contains("[→azure] ") || text.contains("[→azure, gcp]"), "one line per place, naming its targets")
    }

    @Test func aContradictedSourceIsSaidFirstAndAnInferredPairIsRefused() throws {
        let aws = Self.services(3) + "---\n" + Self.irsa
        let wrong = try CLI.run(["check", "-", "--from", "gcp", "--to", "aws"], stdin: aws)
        let firstLines = wrong.stdout.split(separator: "\n").prefix(4).joined(separator: "\n")
        #expect(firstLines.contains("did you mean --from aws?"), "\(firstLines)")
        let inferred = try CLI.run(["check", "-", "--to", "aws"], stdin: aws)
        #expect(inferred.status == 2)
        #expect(inferred.stderr.contains("same platform"))
        #expect(inferred.stdout.isEmpty, "refused like --from aws --to aws, not scored")
    }

    @Test func valuesPrintAsValues() throws {
        let manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          labels:
            neuron.amazonaws.com/neuron-device: ""
        spec:
          containers:
          - name: a
            image: registry.k8s.io/pause:3.9
        """
        let r = try CLI.run(["check", "-", "--from", "aws", "--to", "azure"], stdin: manifest)
        #expect(r.stdout.contains(#"metadata.labels["neuron.amazonaws.com/neuron-device"] = """#))
        #expect(r.stdout.contains("`neuron.amazonaws.com/neuron-device` belongs to Amazon EKS"))
        #expect(!r.stdout.contains("= neuron.amazonaws.com/neuron-device"))
    }

    @Test func aMultiLineValueKeepsTheLayout() throws {
        let manifest = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: copy\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: registry.k8s.io/pause:3.9\n        args:\n        - |\n          aws s3 cp s3://orders-archive/2026/ /data/\n          echo copied\n"
        let r = try CLI.run(["check", "-", "--from", "aws", "--to", "gcp", "--group-by", "file"], stdin: manifest)
        let details = try #require(r.stdout.range(of: "Findings by file")).upperBound
        let lines = r.stdout[details...].split(separator: "\n")
        #expect(lines.contains { $0.contains("s3://orders-archive") && $0.hasSuffix("…") }, "\(r.stdout)")
        #expect(!lines.contains { $0.hasPrefix("echo copied") || $0.hasPrefix("          echo copied") }, "the value's second line does not break into the report")
    }

    @Test func remediationSentencesEndBeforeTheNextBegins() throws {
        let r = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--format", "json"])
        for finding in try json(r)["findings"] as! [[String: Any]] {
            let remediation = finding["remediation"] as! String
            // "…new credentials Either keep…": a lower-case word followed by a capitalised one
            // with no stop between is two sentences run together.
            #expect(remediation.range(of: #"[a-z0-9\)] (Either|Keep|Use|Recreate|Rewrite|Treat|Replace) "#, options: .regularExpression) == nil, "\(remediation)")
        }
    }

    @Test func queryCommandsKeepTheirWord() throws {
        let search = try CLI.run(["search", "idle", "timeout", "--format", "markdown"])
        #expect(search.stdout.hasPrefix("| Point |"))
        let rules = try CLI.run(["rules", "--platform", "aws", "--format", "markdown"])
        #expect(rules.stdout.hasPrefix("| Rule |"))
        #expect(try CLI.run(["topics", "--format", "markdown"]).stdout.hasPrefix("| Domain |"))
        let info = try CLI.run(["db", "info", "--format", "markdown"])
        #expect(info.status == 2 && info.stderr.contains("not available"), "a format a command cannot write is refused, not ignored")
        let unknown = try CLI.run(["rules", "--platform", "foo"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown platform 'foo'"))
        #expect(try CLI.run(["rules", "--platform", "eks"]).stdout.contains("aws."))
        let typo = try CLI.run(["show", "load-balancing.idle-timout"])
        #expect(typo.stderr.contains("did you mean: load-balancing.idle-timeout?"))
        let nonsense = try CLI.run(["show", "no.such"])
        #expect(!nonsense.stderr.contains("did you mean"), "no unrelated suggestions: \(nonsense.stderr)")
        let compare = try CLI.run(["compare", "--from", "aws", "--to", "azure", "--domain", "load-balancing"], environment: ["COLUMNS": "80"])
        // The two columns start at 10 and 10 + column + 1: a word never crosses into the right one.
        let column = max(24, (80 - 14) / 2)
        for line in compare.stdout.split(separator: "\n") where line.hasPrefix("          ") && line.count > 10 + column {
            let boundary = line.index(line.startIndex, offsetBy: 10 + column)
            #expect(line[boundary] == " ", "a word runs into the next column: \(line)")
        }
    }

    @Test func conventions() throws {
        let pdf = try CLI.run(["check", "Examples/aws", "--to", "azure", "--output", CLI.temporary() + "/report.pdf"])
        #expect(pdf.status == 2 && pdf.stderr.contains("unknown extension '.pdf'"))
        for (alias, platform) in [("eks", "aws"), ("aks", "azure"), ("gke", "gcp"), ("kind", "local")] {
            let r = try CLI.run(["check", "Examples/aws", "--from", alias == "eks" ? "gke" : "eks", "--to", alias, "--format", "json"])
            #expect((try json(r)["to"] as? [String]) == [platform], "\(alias)")
        }
        // NO_COLOR counts only when set and not empty (no-color.org); colour needs a terminal,
        // which `script` provides.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            for (value, coloured) in [("", true), ("1", false)] {
                let check = try CLI.run(["-c", "script -qec \"NO_COLOR=\(value) $0 check Examples/aws --from aws --to azure --quiet\" /dev/null", CLI.binary], executable: "/bin/sh")
                // The report's bold title, not the progress line's cursor codes.
                #expect(check.stdout.contains("\u{1B}[1mdivergence") == coloured, "NO_COLOR='\(value)'")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/kubectl")))
    func kustomizeFindingsLandOnTheBaseOrPatchThatWroteThem() throws {
        let dir = CLI.temporary()
        let files = [
            "base/kustomization.yaml": "resources:\n- app.yaml\n",
            "base/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n      containers:\n      - name: web\n        image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamePrefix: prod-\npatches:\n- path: identity.yaml\n",
            "overlays/prod/identity.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\n",
        ]
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: (dir + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/" + path, atomically: true, encoding: .utf8)
        }
        func wrappers() -> Set<String> {
            Set(((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).filter { $0.hasPrefix("divergence-kustomize-") })
        }
        let before = wrappers()
        let r = try CLI.run(["check", "--kustomize", "overlays/prod", "--from", "aws", "--to", "azure", "--format", "json"], directory: dir)
        #expect(r.status == 1, "\(r.stderr)")
        let findings = try json(r)["findings"] as! [[String: Any]]
        let image = try #require(findings.first { ($0["ruleId"] as? String)?.contains("ecr") == true })
        #expect(image["file"] as? String == "base/app.yaml" && image["line"] as? Int == 11, "\(image["file"] ?? ""):\(image["line"] ?? "")")
        let role = try #require(findings.first { $0["divergenceId"] as? String == "identity.workload-identity-mechanism" })
        #expect(role["file"] as? String == "overlays/prod/identity.yaml" && role["line"] as? Int == 6, "\(role["file"] ?? ""):\(role["line"] ?? "")")
        #expect((try json(r)["rendered"] as? [String]) == ["kustomize:overlays/prod"], "the overlay is named")
        #expect(wrappers().isSubset(of: before), "the temporary wrapper kustomization is removed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["base", "overlays"], "nothing is written into the scanned tree")
    }
}
