import Foundation
import Testing

/// Runs the built `divergence` binary the way a user does.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let binary: String = {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("divergence").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root + "/.build/debug/divergence"
    }()

    /// A private cache so tests never touch the user's.
    static let cache = NSTemporaryDirectory() + "divergence-cli-tests-\(ProcessInfo.processInfo.processIdentifier)"

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil, directory: String? = nil,
                    executable: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cache
        environment["NO_COLOR"] = "1"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? root)
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporary() -> String {
        let path = NSTemporaryDirectory() + "cli-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

@Suite(.serialized) struct CLITests {
    @Test func readmeCommandRunsOnTheShippedExamples() throws {
        let r = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure"])
        #expect(r.status == 1, "the example has high findings, so the default --fail-on high exits 1")
        #expect(r.stdout.contains("ServiceAccount/shop/shop-api"))
        #expect(r.stdout.contains("Risk score"))
        #expect(!r.stdout.contains("\u{1B}["), "no colour when not on a terminal")
        #expect(!r.stderr.contains("reading files") && !r.stderr.contains("\r"), "no progress line when stderr is not a terminal")
    }

    @Test func exitCodesFollowFailOn() throws {
        let clean = try CLI.run(["check", "-", "--from", "aws", "--to", "gcp"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n")
        #expect(clean.status == 0)
        // A public Docker Hub image: pulls anywhere, under the anonymous rate limit (low).
        let lowOnly = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
        #expect(try CLI.run(["check", "-", "--from", "aws", "--to", "azure"], stdin: lowOnly).status == 0)
        #expect(try CLI.run(["check", "-", "--from", "aws", "--to", "azure", "--fail-on", "low"], stdin: lowOnly).status == 1)
    }

    @Test func usageErrorsExitTwo() throws {
        let badTarget = try CLI.run(["check", "Examples/aws", "--to", "azur"])
        #expect(badTarget.status == 2)
        #expect(badTarget.stderr.contains("azur"))
        #expect(try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "aws"]).status == 2)
        #expect(try CLI.run(["check", "Examples/aws"]).status == 2)
        #expect(try CLI.run(["show", "no.such-point"]).status == 2)
    }

    @Test func brokenInputIsReportedAndTheRestIsStillChecked() throws {
        let directory = CLI.temporary()
        try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  annotations:\n    iam.gke.io/gcp-service-account: a@p.iam.gserviceaccount.com\n".write(toFile: directory + "/good.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: a: b\nmetadata: {}\n".write(toFile: directory + "/broken.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", directory, "--to", "aws", "--format", "json"])
        #expect(r.status == 2)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let errors = (json["coverage"] as! [String: Any])["errors"] as! [[String: Any]]
        #expect((errors.first?["file"] as? String)?.hasSuffix("broken.yaml") == true)
        #expect(errors.first?["line"] as? Int == 2)
        #expect((json["findings"] as! [Any]).isEmpty == false, "the good file is still checked")
        #expect(r.stderr.contains("broken.yaml:2"))
    }

    @Test func standardInputAndInferredSource() throws {
        let r = try CLI.run(["check", "-", "--to", "azure", "--format", "json"], stdin: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/a\n")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(json["from"] as? String == "aws")
        #expect(json["fromInferred"] as? Bool == true)
        let finding = (json["findings"] as! [[String: Any]]).first
        #expect(finding?["file"] as? String == "-")
        #expect(finding?["line"] as? Int == 6)
    }

    @Test func relativePathsStayRelative() throws {
        let r = try CLI.run(["check", "Examples/gcp", "--from", "gcp", "--to", "aws", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let files = Set((json["findings"] as! [[String: Any]]).compactMap { $0["file"] as? String })
        #expect(files == ["Examples/gcp/platform.yaml", "Examples/gcp/shop.yaml"])
    }

    @Test func reportsAreWrittenToFilesByExtension() throws {
        let directory = CLI.temporary()
        let r = try CLI.run(["check", "Examples/azure", "--from", "azure", "--to", "aws,gcp",
                             "--output", directory + "/report.md", "--output", directory + "/report.sarif", "--output", directory + "/report.json"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let markdown = try String(contentsOfFile: directory + "/report.md", encoding: .utf8)
        #expect(markdown.hasPrefix("# Migration assessment: azure → aws, gcp"))
        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/report.sarif"))) as! [String: Any]
        #expect(sarif["version"] as? String == "2.1.0")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/report.json"))) as! [String: Any]
        #expect(json["to"] as? [String] == ["aws", "gcp"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "no temporary files are left behind")
    }

    @Test func queryCommandsAnswer() throws {
        let topics = try CLI.run(["topics", "--format", "json"])
        #expect(topics.status == 0)
        let t = try JSONSerialization.jsonObject(with: Data(topics.stdout.utf8)) as! [String: Any]
        #expect((t["domains"] as! [[String: Any]]).count == 12)
        let search = try CLI.run(["search", "idle", "timeout", "--format", "json"])
        let s = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as! [String: Any]
        #expect(((s["results"] as! [[String: Any]]).first?["id"] as? String) == "load-balancing.idle-timeout")
        let show = try CLI.run(["show", "load-balancing.idle-timeout", "--format", "json"])
        let p = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! [String: Any]
        #expect(Set((p["platforms"] as! [String: Any]).keys).isSuperset(of: ["aws", "azure", "gcp"]))
        #expect((p["pairs"] as! [Any]).count >= 6)
        let compare = try CLI.run(["compare", "--from", "aws", "--to", "azure", "--domain", "storage"])
        #expect(compare.status == 0)
        #expect(compare.stdout.contains("Amazon EKS"))
        let hostile = try CLI.run(["search", "\"(AND*"])
        #expect(hostile.status == 0)
    }

    @Test func dbValidatePassesOnTheBuiltInCatalogue() throws {
        let r = try CLI.run(["db", "validate"])
        #expect(r.status == 0, "\(r.stdout.suffix(2000))")
        #expect(r.stdout.contains("0 problem(s)"))
    }
}

@Suite(.serialized) struct QueryCommandTests {
    @Test func topicsTextListsDomainsThenPoints() throws {
        let all = try CLI.run(["topics"])
        #expect(all.stdout.contains("load-balancing"))
        #expect(all.stdout.contains("managed-services"))
        let storage = try CLI.run(["topics", "storage"])
        #expect(storage.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("storage.") })
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["topics", "dns", "--format", "json"]).stdout.utf8)) as! [String: Any]
        #expect((json["points"] as! [[String: Any]]).allSatisfy { $0["domain"] as? String == "dns" })
        #expect(try CLI.run(["topics", "nonsense"]).status == 2)
    }

    @Test func showTextHasEveryCloudAndThePairView() throws {
        let all = try CLI.run(["show", "load-balancing.idle-timeout"])
        for product in ["Amazon EKS", "Azure AKS", "Google GKE", "Sources", "verified 2026-"] { #expect(all.stdout.contains(product)) }
        let pair = try CLI.run(["show", "load-balancing.idle-timeout", "--from", "aws", "--to", "azure"])
        #expect(pair.stdout.contains("aws → azure: severity"))
        #expect(!pair.stdout.contains("Google GKE"))
        let markdown = try CLI.run(["show", "load-balancing.idle-timeout", "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("# "))
        #expect(markdown.stdout.contains("| From → to | Severity |"))
        let typo = try CLI.run(["show", "load-balancing.idle"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean"))
    }

    @Test func searchTextHighlightsAndFiltersByDomain() throws {
        let r = try CLI.run(["search", "role-arn", "--domain", "identity", "--limit", "3"])
        #expect(r.status == 0)
        let ids = r.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        #expect(!ids.isEmpty && ids.count <= 3)
        #expect(ids.allSatisfy { $0.hasPrefix("identity.") })
        #expect(r.stdout.contains("["), "matches are highlighted in snippets")
        let none = try CLI.run(["search", "zzzzqqqq"])
        #expect(none.stdout.contains("no results"))
    }

    @Test func compareOrdersBySeverity() throws {
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["compare", "--from", "azure", "--to", "gcp", "--domain", "identity", "--format", "json"]).stdout.utf8)) as! [String: Any]
        let order = ["critical", "high", "medium", "low", "info"]
        let severities = (json["points"] as! [[String: Any]]).map { order.firstIndex(of: $0["severity"] as! String)! }
        #expect(!severities.isEmpty)
        #expect(severities == severities.sorted())
        let markdown = try CLI.run(["compare", "--from", "azure", "--to", "gcp", "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("| Point | Severity |"))
    }

    @Test func rulesListAndOneRuleWithExamples() throws {
        let list = try CLI.run(["rules", "--platform", "gcp"])
        #expect(list.stdout.contains("gcp."))
        #expect(!list.stdout.contains("aws.identity"))
        let firstId = String(list.stdout.split(separator: " ").first!)
        let one = try CLI.run(["rules", firstId])
        #expect(one.stdout.contains("fires on (example 1)"))
        #expect(one.stdout.contains("does not fire on (example 1)"))
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["rules", firstId, "--format", "json"]).stdout.utf8)) as! [String: Any]
        #expect(json["id"] as? String == firstId)
    }

    @Test func dbInfoAndBuild() throws {
        let info = try JSONSerialization.jsonObject(with: Data(try CLI.run(["db", "info", "--format", "json"]).stdout.utf8)) as! [String: Any]
        #expect((info["sha256"] as? String)?.count == 64)
        #expect((info["points"] as? Int ?? 0) >= 150)
        let output = CLI.temporary() + "/catalogue.sqlite"
        let build = try CLI.run(["db", "build", "--output", output])
        #expect(build.status == 0)
        let check = try CLI.run(["check", "Examples/gcp", "--from", "gcp", "--to", "azure", "--catalogue", output, "--format", "json"])
        #expect(check.status == 1)
        #expect(try CLI.run(["check", "Examples/gcp", "--to", "azure", "--catalogue", "/nonexistent.sqlite"]).status == 2)
    }

    @Test func completionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLI.run(["--generate-completion-script", shell])
            #expect(r.status == 0)
            #expect(r.stdout.contains("divergence"))
        }
    }
}
