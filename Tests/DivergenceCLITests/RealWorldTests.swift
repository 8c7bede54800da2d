import DivergenceCatalogue
import Foundation
import Testing

/// Configuration, suppressions, baselines, rendering, exclusions and hostile input, exercised
/// through the binary as a CI job would.
@Suite(.serialized) struct RealWorldTests {
    static let irsa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n"
    static let ecr = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1\n"

    func json(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    func project(_ files: [String: String]) throws -> String {
        let directory = CLI.temporary()
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return directory
    }

    // MARK: Configuration

    @Test func configurationIsFoundInTheScannedRootAndSuppliesTargets() throws {
        let dir = try project([".divergence.yaml": "from: aws\nto: [gcp]\nfailOn: critical\n", "sa.yaml": Self.irsa])
        let r = try CLI.run(["check", dir, "--format", "json"])
        #expect(r.status == 0, "failOn critical from the configuration: \(r.stderr)")
        let j = try json(r)
        #expect(j["to"] as? [String] == ["gcp"])
        #expect(j["from"] as? String == "aws")
        let overridden = try CLI.run(["check", dir, "--to", "azure", "--fail-on", "high", "--format", "json"])
        #expect(overridden.status == 1, "the command line wins over the configuration")
        #expect(try json(overridden)["to"] as? [String] == ["azure"])
    }

    @Test func unknownKeysAndBadValuesAreErrorsWithFileAndLine() throws {
        let dir = try project([".divergence.yaml": "from: aws\nto: [gcp]\nfailon: high\n", "sa.yaml": Self.irsa])
        let r = try CLI.run(["check", dir])
        #expect(r.status == 2)
        #expect(r.stderr.contains(".divergence.yaml:3: unknown key 'failon'"))
        let bad = try project([".divergence.yaml": "to: [gcp]\nignore:\n  - id: aws.identity.irsa-role-arn\n", "sa.yaml": Self.irsa])
        let b = try CLI.run(["check", bad])
        #expect(b.status == 2)
        #expect(b.stderr.contains(".divergence.yaml:3: ignore entry 'aws.identity.irsa-role-arn' needs a 'reason'"))
        let badDate = try project(["c.yaml": "to: gcp\nignore:\n  - {id: x, reason: y, expires: soon}\n"])
        #expect(try CLI.run(["check", Self.ecrPath(), "--config", badDate + "/c.yaml"]).stderr.contains("c.yaml:3: 'expires' must be a date"))
    }

    static func ecrPath() throws -> String {
        let dir = CLI.temporary()
        try ecr.write(toFile: dir + "/web.yaml", atomically: true, encoding: .utf8)
        return dir + "/web.yaml"
    }

    @Test func configShowSaysWhereEachValueComesFrom() throws {
        let dir = try project([".divergence.yaml": "to: [azure, gcp]\nexclude: [\"vendor/**\"]\nignore:\n  - id: registry.ecr-private\n    reason: images move with the pipeline\n    expires: 2020-01-01\n"])
        let r = try CLI.run(["config", "show", dir])
        #expect(r.status == 0)
        #expect(r.stdout.contains("to          azure,gcp  [\(dir)/.divergence.yaml:1]"))
        #expect(r.stdout.contains("failOn      high  [default]"))
        #expect(r.stdout.contains("EXPIRED 2020-01-01"))
    }

    // MARK: Suppressions

    @Test func configurationIgnoreEntriesSuppressWithReasonUntilTheyExpire() throws {
        let config = """
        to: [gcp]
        ignore:
          - id: identity.workload-identity-mechanism
            resource: ServiceAccount/shop/*
            reason: replaced by the platform identity module
          - id: registry.ecr-private
            path: "**/web.yaml"
            reason: images are mirrored by the pipeline
            expires: 2020-01-01
        """
        let dir = try project([".divergence.yaml": config, "sa.yaml": Self.irsa, "apps/web.yaml": Self.ecr])
        let r = try CLI.run(["check", dir, "--format", "json"])
        let j = try json(r)
        let findings = j["findings"] as! [[String: Any]]
        #expect(!findings.contains { $0["divergenceId"] as? String == "identity.workload-identity-mechanism" })
        #expect(findings.contains { $0["divergenceId"] as? String == "registry.ecr-private" }, "an expired entry no longer suppresses")
        let suppressed = j["suppressed"] as! [[String: Any]]
        #expect(suppressed.contains { $0["reason"] as? String == "replaced by the platform identity module" && ($0["source"] as? String)?.hasSuffix(".divergence.yaml:3") == true })
        let warnings = (j["coverage"] as! [String: Any])["warnings"] as! [String]
        #expect(warnings.contains { $0.contains("registry.ecr-private") && $0.contains("expired on 2020-01-01") })
        #expect(r.stderr.contains("expired"))
        for format in ["text", "markdown", "html", "sarif"] {
            let out = try CLI.run(["check", dir, "--format", format]).stdout
            #expect(out.contains("replaced by the platform identity module"), "\(format) lists suppressed findings with their reason")
        }
    }

    // MARK: Baselines

    @Test func baselineSurvivesLineMovesAndReportsFixed() throws {
        let dir = try project(["sa.yaml": Self.irsa, "web.yaml": Self.ecr])
        let baseline = dir + "/baseline.json"
        let first = try CLI.run(["check", "sa.yaml", "web.yaml", "--from", "aws", "--to", "gcp", "--write-baseline", baseline, "--format", "json"], directory: dir)
        let total = (try json(first)["findings"] as! [Any]).count
        #expect(total > 0)
        // Move lines and reorder documents; nothing is new.
        try ("# moved\n\n" + Self.ecr + "---\n" + Self.irsa).write(toFile: dir + "/web.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/sa.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/sa.yaml")
        let again = try json(try CLI.run(["check", "web.yaml", "--from", "aws", "--to", "gcp", "--baseline", baseline, "--format", "json"], directory: dir))
        let summary = again["summary"] as! [String: Any]
        // The ServiceAccount moved from sa.yaml into web.yaml: its old finding is fixed, the new one is new.
        let fixed = again["fixed"] as! [[String: Any]]
        #expect(fixed.allSatisfy { $0["file"] as? String == "sa.yaml" })
        #expect(!fixed.isEmpty)
        let remaining = again["findings"] as! [[String: Any]]
        #expect(remaining.allSatisfy { ($0["resource"] as! [String: Any])["kind"] as? String == "ServiceAccount" })
        #expect(summary["baselined"] as? Int == total - fixed.count)
    }

    // MARK: Rendering

    @Test func helmOutputPointsAtTheChartTemplates() throws {
        let dir = try project(["charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
                               "charts/shop/templates/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n"])
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // A stand-in for helm that prints what `helm template` prints for this chart.
        let rendered = "---\n# Source: shop/templates/sa.yaml\n" + Self.irsa
        try "#!/bin/sh\n[ \"$1\" = template ] || exit 3\ncat <<'EOF'\n\(rendered)EOF\n".write(toFile: bin + "/helm", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/helm")
        let r = try CLI.run(["env", "PATH=\(bin):/usr/bin:/bin", CLI.binary, "check", "--helm", "charts/shop", "--to", "gcp", "--format", "json"].dropFirst().map { $0 }, directory: dir, executable: "/usr/bin/env")
        let findings = try json(r)["findings"] as! [[String: Any]]
        let f = try #require(findings.first { $0["divergenceId"] as? String == "identity.workload-identity-mechanism" })
        #expect(f["file"] as? String == "charts/shop/templates/sa.yaml")
        #expect(f["line"] as? Int == 7, "line within the template's rendered document")
        // The same stream on stdin points at the template named by `# Source:`.
        let piped = try json(try CLI.run(["check", "-", "--to", "gcp", "--format", "json"], stdin: rendered))
        #expect(((piped["findings"] as! [[String: Any]]).first?["file"] as? String) == "shop/templates/sa.yaml")
        // A plain scan of the chart says how to render it.
        let plain = try json(try CLI.run(["check", "charts", "--to", "gcp", "--format", "json"], directory: dir))
        let skipped = (plain["coverage"] as! [String: Any])["skipped"] as! [[String: Any]]
        #expect(skipped.contains { ($0["reason"] as? String)?.contains("--helm charts/shop") == true })
    }

    @Test func aPlainScanSaysHowToCheckChartsAndOverlays() throws {
        let dir = try project(["charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
                               "charts/shop/templates/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n",
                               "k/kustomization.yaml": "resources: [sa.yaml]\n", "k/sa.yaml": Self.irsa,
                               "plain/sa.yaml": Self.irsa])
        let r = try CLI.run(["check", ".", "--to", "gcp", "--format", "json"], directory: dir)
        let skipped = try #require((try json(r)["coverage"] as? [String: Any])?["skipped"] as? [[String: Any]])
        let hints = skipped.compactMap { entry -> String? in
            guard let reason = entry["reason"] as? String, let file = entry["file"] as? String else { return nil }
            if reason.hasPrefix("Helm chart") { return "helm \(file)" }
            if reason.hasPrefix("Kustomize directory") { return "kustomize \(file)" }
            return nil
        }
        #expect(hints == ["helm ./charts/shop", "kustomize ./k"])
    }

    @Test func renderersThatAreNotInstalledFailClearly() throws {
        let dir = try project(["k/kustomization.yaml": "resources: [sa.yaml]\n", "k/sa.yaml": Self.irsa])
        let r = try CLI.run(["/usr/bin/env", "PATH=/nonexistent", CLI.binary, "check", "--kustomize", "k", "--to", "gcp"].dropFirst().map { $0 }, directory: dir, executable: "/usr/bin/env")
        #expect(r.status == 2)
        #expect(r.stderr.contains("--kustomize needs `kustomize` or `kubectl`"))
        let h = try CLI.run(["PATH=/nonexistent", CLI.binary, "check", "--helm", "chart", "--to", "gcp"], directory: dir, executable: "/usr/bin/env")
        #expect(h.status == 2)
        #expect(h.stderr.contains("--helm needs the `helm` command"))
    }

    // MARK: Exclusions

    @Test func excludeGlobsAndGitIgnoreLeaveFilesOut() throws {
        let dir = try project(["apps/sa.yaml": Self.irsa, "vendor/lib/web.yaml": Self.ecr, "generated/web.yaml": Self.ecr, ".gitignore": "generated/\n"])
        let plain = try json(try CLI.run(["check", ".", "--from", "aws", "--to", "gcp", "--format", "json", "--exclude", "vendor/**"], directory: dir))
        #expect((plain["summary"] as! [String: Any])["files"] as? Int == 2, "vendor excluded, not a git tree yet")
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", dir, "init", "-q"]
        try git.run()
        git.waitUntilExit()
        let inGit = try json(try CLI.run(["check", ".", "--from", "aws", "--to", "gcp", "--format", "json", "--exclude", "vendor/**"], directory: dir))
        #expect((inGit["summary"] as! [String: Any])["files"] as? Int == 1, ".gitignore honoured inside a work tree")
        let skipped = (inGit["coverage"] as! [String: Any])["skipped"] as! [[String: Any]]
        #expect(skipped.contains { ($0["reason"] as? String)?.contains(".gitignore") == true })
        let all = try json(try CLI.run(["check", ".", "--from", "aws", "--to", "gcp", "--format", "json", "--no-gitignore"], directory: dir))
        #expect((all["summary"] as! [String: Any])["files"] as? Int == 3)
    }

    // MARK: Nothing lost

    @Test func concurrentFirstRunsShareTheCacheSafely() throws {
        let cache = CLI.temporary()
        let group = DispatchGroup()
        let results = Results()
        for _ in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "gcp", "--format", "json"], environment: ["XDG_CACHE_HOME": cache])
                results.add(r?.status ?? -1, r?.stdout.count ?? 0)
                group.leave()
            }
        }
        group.wait()
        #expect(results.statuses == [1, 1, 1, 1])
        #expect(Set(results.sizes).count == 1, "every run produced the same report")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cache + "/divergence").filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func readOnlyCacheDirectoryFallsBack() throws {
        let cache = CLI.temporary()
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: cache)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cache) }
        let r = try CLI.run(["search", "idle", "timeout"], environment: ["XDG_CACHE_HOME": cache + "/sub"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("load-balancing.idle-timeout"))
    }

    @Test func reportFileIsReplacedWholeOrNotAtAll() throws {
        let dir = CLI.temporary()
        let target = dir + "/report.json"
        try "previous report".write(toFile: target, atomically: true, encoding: .utf8)
        let unwritable = dir + "/no-such-dir/report.json"
        let r = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "gcp", "--output", target, "--output", unwritable])
        #expect(r.status == 2, "a report that cannot be written is an error")
        let written = try String(contentsOfFile: target, encoding: .utf8)
        #expect(written.hasPrefix("{"), "the other report was still written whole")
        #expect(!FileManager.default.fileExists(atPath: unwritable))
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var statuses: [Int32] = []
    private(set) var sizes: [Int] = []
    func add(_ status: Int32, _ size: Int) { lock.lock(); statuses.append(status); sizes.append(size); lock.unlock() }
}
