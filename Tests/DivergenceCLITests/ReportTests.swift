import Foundation
import Testing

/// Golden files for every format on the shipped examples, SARIF against the official schema,
/// escaping of hostile manifest values, and a self-contained HTML page.
///
/// Golden files change whenever the catalogue or a renderer changes; regenerate them with
/// `DIVERGENCE_UPDATE_GOLDEN=1 swift test --filter ReportTests` and review the diff.
@Suite(.serialized) struct ReportTests {
    static let golden = CLI.root + "/Tests/DivergenceCLITests/Golden"
    static let update = ProcessInfo.processInfo.environment["DIVERGENCE_UPDATE_GOLDEN"] == "1"

    static let cases: [(from: String, to: String, format: String, ext: String)] = [
        ("aws", "azure", "text", "txt"), ("aws", "azure", "json", "json"), ("aws", "azure", "markdown", "md"),
        ("aws", "azure", "sarif", "sarif"), ("aws", "azure", "html", "html"),
        ("azure", "gcp", "markdown", "md"), ("gcp", "aws,azure", "json", "json"),
    ]

    @Test(arguments: 0..<cases.count)
    func goldenReportOnExamples(index: Int) throws {
        let c = Self.cases[index]
        let r = try CLI.run(["check", "Examples/\(c.from)", "--from", c.from, "--to", c.to, "--format", c.format, "--no-color"])
        #expect(r.status == 1)
        let name = "examples-\(c.from)-to-\(c.to.replacingOccurrences(of: ",", with: "-")).\(c.ext)"
        let path = Self.golden + "/" + name
        if Self.update {
            try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        if expected != r.stdout {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("\(name) differs from the golden file at line \(line + 1):\n- \(line < a.count ? a[line] : "")\n+ \(line < b.count ? b[line] : "")\nRegenerate with DIVERGENCE_UPDATE_GOLDEN=1 if the change is intended.")
        }
    }

    @Test func sarifIsValidAgainstTheOfficialSchema() throws {
        let directory = CLI.temporary()
        let output = directory + "/report.sarif"
        _ = try CLI.run(["check", "Examples/aws", "Examples/gcp", "--to", "azure", "--output", output])
        // The OASIS SARIF 2.1.0 schema as published at oasis-tcs/sarif-spec (Schemata/).
        let schema = CLI.root + "/Tests/DivergenceCLITests/Schemas/sarif-schema-2.1.0.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')", output, schema]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as! [String: Any]
        let run = (sarif["runs"] as! [[String: Any]])[0]
        let results = run["results"] as! [[String: Any]]
        let rules = ((run["tool"] as! [String: Any])["driver"] as! [String: Any])["rules"] as! [[String: Any]]
        #expect(!results.isEmpty)
        for result in results {
            let index = result["ruleIndex"] as! Int
            #expect(rules[index]["id"] as? String == result["ruleId"] as? String)
            let region = ((result["locations"] as! [[String: Any]])[0]["physicalLocation"] as! [String: Any])["region"] as! [String: Any]
            #expect((region["startLine"] as! Int) >= 1 && (region["startColumn"] as! Int) >= 1)
            #expect((result["partialFingerprints"] as? [String: String])?["divergence/v1"] != nil)
        }
        #expect(rules.allSatisfy { (($0["help"] as? [String: Any])?["text"] as? String)?.isEmpty == false })
    }

    @Test func sarifFingerprintsSurviveLineMoves() throws {
        let directory = CLI.temporary()
        let manifest = try String(contentsOfFile: CLI.root + "/Examples/aws/shop.yaml", encoding: .utf8)
        try manifest.write(toFile: directory + "/shop.yaml", atomically: true, encoding: .utf8)
        let before = try CLI.run(["check", "shop.yaml", "--from", "aws", "--to", "gcp", "--format", "sarif"], directory: directory)
        try ("# a new comment\n# and another\n" + manifest).write(toFile: directory + "/shop.yaml", atomically: true, encoding: .utf8)
        let after = try CLI.run(["check", "shop.yaml", "--from", "aws", "--to", "gcp", "--format", "sarif"], directory: directory)
        func fingerprints(_ text: String) throws -> [String] {
            let sarif = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            let results = (sarif["runs"] as! [[String: Any]])[0]["results"] as! [[String: Any]]
            return results.map { ($0["partialFingerprints"] as! [String: String])["divergence/v1"]! }.sorted()
        }
        #expect(try fingerprints(before.stdout) == fingerprints(after.stdout))
        #expect(before.stdout != after.stdout, "the lines did move")
    }

    static let hostile = """
    apiVersion: v1
    kind: Service
    metadata:
      name: "web|`x`|<script>alert(1)</script>"
      namespace: "ns<img src=x onerror=alert(2)>"
      annotations:
        service.beta.kubernetes.io/aws-load-balancer-type: "nlb|`</td><script>alert(3)</script>"
        service.beta.kubernetes.io/aws-load-balancer-totally-new: "```\\n# heading\\n<iframe>"
    spec:
      type: LoadBalancer
      ports: [{port: 80}]
    """

    /// A CR in a name cannot start a heading, a bracket in a key cannot make a link, and a
    /// backtick in a file name cannot close its code span.
    @Test func markdownKeepsHostileNamesInsideTheirPlace() throws {
        let dir = CLI.temporary()
        let manifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: "web\\r# Owned heading"
          annotations:
            service.beta.kubernetes.io/aws-load-balancer-type: "[click](https://evil.example)"
        spec:
          type: LoadBalancer
        """
        try manifest.write(toFile: dir + "/odd`name.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", dir, "--from", "aws", "--to", "azure", "--format", "markdown"])
        #expect(r.status != 2)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("# Owned") }, "no heading from a name")
        #expect(!r.stdout.contains("\r"))
        #expect(!r.stdout.contains("[click](https://evil.example)") || r.stdout.contains("`` [click](https://evil.example) ``") || r.stdout.contains("` [click](https://evil.example) `"),
                "a link only inside a code span")
        #expect(r.stdout.contains("`` \(dir)/odd`name.yaml:"), "a backtick in a file name stays inside a longer fence")
    }

    @Test func markdownEscapesEverythingFromManifests() throws {
        let r = try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--format", "markdown"], stdin: Self.hostile)
        let md = r.stdout
        #expect(md.contains("Service/ns"))
        // Inside a code span HTML is text (CommonMark 6.1); everywhere else it must not appear.
        let codeSpans = try NSRegularExpression(pattern: "(`+)(?:.+?)\\1")
        let prose = codeSpans.stringByReplacingMatches(in: md, range: NSRange(md.startIndex..., in: md), withTemplate: "")
        #expect(!prose.contains("<script>"), "raw HTML from a manifest must not reach Markdown")
        #expect(!prose.contains("<img"))
        #expect(!md.contains("<iframe>") || md.contains("`` ```"), "a value with backticks stays inside a longer code span")
        // Table rows keep their column count: pipes from the manifest are escaped.
        for line in md.split(separator: "\n") where line.hasPrefix("| ") && line.contains("web") {
            let cells = line.replacingOccurrences(of: "\\|", with: "").split(separator: "|", omittingEmptySubsequences: false)
            #expect(cells.count == line.split(separator: "|", omittingEmptySubsequences: false).count - line.components(separatedBy: "\\|").count + 1)
        }
    }

    @Test func htmlEscapesEverythingAndReferencesNothingOutside() throws {
        let r = try CLI.run(["check", "-", "--from", "aws", "--to", "azure,gcp", "--format", "html"], stdin: Self.hostile)
        let html = r.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"), "no script at all, hostile or not")
        #expect(!html.contains("<img") && !html.contains("<iframe"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for forbidden in ["src=\"", "<link", "@import", "url(", "<object", "<embed", "<iframe", "<img"] {
            #expect(!html.contains(forbidden), "HTML must be self-contained: found \(forbidden)")
        }
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http://") == false)
        #expect(html.contains("<svg"), "charts are inline SVG")
        let examples = try CLI.run(["check", "Examples", "--to", "gcp", "--format", "html"])
        for forbidden in ["src=\"", "<link", "@import", "url(", "<script"] { #expect(!examples.stdout.contains(forbidden)) }
    }
}
