import Foundation
import Testing

/// `divergence translate` end to end: the overlay builds with `kubectl kustomize`, the built
/// manifests carry no translated source construct, and the target's rules see the new ones.
let kubectlPath: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.serialized, .enabled(if: kubectlPath != nil, "kubectl (with Kustomize) is needed to build the overlay"))
struct TranslateTests {
    static let kubectl = kubectlPath

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    @Test(arguments: [("aws", "azure"), ("aws", "gcp"), ("azure", "aws"), ("azure", "gcp"), ("gcp", "aws"), ("gcp", "azure")])
    func examplesRoundTripThroughKustomize(source: String, target: String) throws {
        let out = CLI.temporary() + "/overlay"
        let translate = try CLI.run(["translate", "Examples/\(source)", "--from", source, "--to", target, "--output", out, "--format", "json"])
        #expect(translate.status == 1, "placeholders and refusals are left for people: \(translate.stderr)")
        #expect(translate.stdout.contains("translated"))
        let summary = try json(try String(contentsOfFile: out + "/translation.json", encoding: .utf8))
        let findings = summary["findings"] as! [[String: Any]]
        #expect((summary["translated"] as! Int) >= 5)
        #expect(FileManager.default.fileExists(atPath: out + "/TRANSLATION.md"))

        let built = try CLI.run(["kustomize", out], executable: Self.kubectl!)
        #expect(built.status == 0, "the overlay builds: \(built.stderr)")
        let manifest = out + "/../built.yaml"
        try built.stdout.write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(built.stdout.contains("<<needs-input:"), "placeholders are written, marked")

        // Checked again from the source: no construct that was translated is still there (a
        // portable construct, such as a bare LoadBalancer Service, stays: it is kept or annotated).
        let translated = Set(findings.filter { $0["outcome"] as? String != "refused" && $0["kept"] as? Bool != true && $0["severity"] as? String != "info" && !($0["ruleId"] as! String).hasPrefix("neutral.") }.map { $0["ruleId"] as! String })
        let again = try json(try CLI.run(["check", manifest, "--from", source, "--to", target, "--format", "json"]).stdout)
        let left = Set((again["findings"] as! [[String: Any]]).map { $0["ruleId"] as! String })
        #expect(left.isDisjoint(with: translated), "translated constructs are gone: \(left.intersection(translated))")
        // Checked as the target: its own constructs are found there now.
        let other = ["aws", "azure", "gcp"].first { $0 != target && $0 != source }!
        let native = try json(try CLI.run(["check", manifest, "--from", target, "--to", other, "--format", "json"]).stdout)
        let owners = (native["findings"] as! [[String: Any]]).compactMap { $0["ruleId"] as? String }.filter { $0.hasPrefix(target + ".") }
        #expect(owners.count >= 3, "the target's constructs are written: \(owners)")
        // The originals are untouched.
        #expect(try CLI.run(["-c", "git diff --quiet -- Examples"], executable: "/bin/sh").status == 0)
    }

    /// The Gateway option: the overlay builds, the Ingress is gone and a Gateway with its
    /// HTTPRoute serves the same host, and no ALB class is left when checked again.
    @Test func anIngressMovesToAGKEGateway() throws {
        let out = CLI.temporary() + "/overlay"
        _ = try CLI.run(["translate", "Examples/aws", "--from", "aws", "--to", "gcp", "--output", out, "--choose", "gcp-ingress=gateway"])
        let built = try CLI.run(["kustomize", out], executable: Self.kubectl!)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(!built.stdout.contains("kind: Ingress\n"))
        #expect(built.stdout.contains("kind: Gateway\n") && built.stdout.contains("kind: HTTPRoute\n"))
        #expect(built.stdout.contains("gatewayClassName: gke-l7-global-external-managed"))
        let manifest = out + "/../built.yaml"
        try built.stdout.write(toFile: manifest, atomically: true, encoding: .utf8)
        let again = try json(try CLI.run(["check", manifest, "--from", "aws", "--to", "gcp", "--format", "json"]).stdout)
        #expect(!(again["findings"] as! [[String: Any]]).contains { ($0["ruleId"] as? String)?.hasPrefix("aws.ingress.") == true })
    }

    /// A repository of independent samples repeats resource names from folder to folder, and
    /// alternatives within one: one overlay cannot hold them, `--per-folder` writes one per folder
    /// and one per alternative, and each builds.
    @Test func samplesThatRepeatNamesGetAnOverlayPerFolder() throws {
        let root = CLI.temporary()
        for sample in ["one", "two/nested"] {
            try FileManager.default.createDirectory(atPath: root + "/samples/" + sample, withIntermediateDirectories: true)
            try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n"
                .write(toFile: root + "/samples/" + sample + "/sa.yaml", atomically: true, encoding: .utf8)
        }
        try "not: [valid".write(toFile: root + "/samples/two/broken.yaml", atomically: true, encoding: .utf8)
        // An alternative in the same folder (another size of the same sample); files are taken in
        // name order, so sa-large.yaml stays in the folder's overlay and sa.yaml gets its own.
        try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api-large\n"
            .write(toFile: root + "/samples/one/sa-large.yaml", atomically: true, encoding: .utf8)
        let single = CLI.temporary() + "/single"
        let first = try CLI.run(["translate", root + "/samples", "--from", "aws", "--to", "gcp", "--output", single])
        #expect(first.stderr.contains("2 file(s) repeat a resource another file already gave"), "\(first.stderr)")
        #expect(try String(contentsOfFile: single + "/TRANSLATION.md", encoding: .utf8).contains("repeats default/api already taken from"), "one overlay leaves the repeat out, and says so")

        let out = CLI.temporary() + "/overlays"
        let run = try CLI.run(["translate", root + "/samples", "--from", "aws", "--to", "gcp", "--output", out, "--per-folder"])
        let folders = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(folders == ["one", "one__sa", "two__nested"], "flat names, one per folder with resources and one per alternative: \(folders) \(run.stderr)")
        for folder in folders {
            let built = try CLI.run(["kustomize", out + "/" + folder], executable: Self.kubectl!)
            #expect(built.status == 0, "\(folder): \(built.stderr)")
            #expect(built.stdout.contains("iam.gke.io/gcp-service-account"), "\(folder) is translated")
        }
    }

    /// Every labelled real manifest, to each cloud it is not written for: the overlay builds, and
    /// the constructs it translated are gone when the result is checked again.
    @Test func realManifestsRoundTripThroughKustomize() throws {
        let folder = CLI.root + "/Tests/Fixtures/real-manifests"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") && $0 != "labels.yaml" }.sorted()
        var overlays = 0
        for file in files {
            guard let source = ["aws", "azure", "gcp"].first(where: { file.hasPrefix($0 + "-") }) else { continue }
            for target in ["aws", "azure", "gcp"] where target != source {
                let out = CLI.temporary() + "/overlay"
                let translate = try CLI.run(["translate", folder + "/" + file, "--from", source, "--to", target, "--output", out, "--format", "json"])
                #expect(translate.status <= 1, "\(file) → \(target): \(translate.stderr)")
                let built = try CLI.run(["kustomize", out], executable: Self.kubectl!)
                #expect(built.status == 0, "\(file) → \(target) builds: \(built.stderr)")
                guard built.status == 0, !built.stdout.isEmpty else { continue }
                overlays += 1
                let summary = try json(try String(contentsOfFile: out + "/translation.json", encoding: .utf8))
                let translated = Set((summary["findings"] as! [[String: Any]]).filter { $0["outcome"] as? String != "refused" && $0["kept"] as? Bool != true && $0["severity"] as? String != "info" && !($0["ruleId"] as! String).hasPrefix("neutral.") }.map { $0["ruleId"] as! String })
                let manifest = out + "/../built.yaml"
                try built.stdout.write(toFile: manifest, atomically: true, encoding: .utf8)
                let again = try CLI.run(["check", manifest, "--from", source, "--to", target, "--format", "json"])
                let left = Set((try json(again.stdout)["findings"] as! [[String: Any]]).map { $0["ruleId"] as! String })
                #expect(left.isDisjoint(with: translated), "\(file) → \(target): translated constructs remain: \(left.intersection(translated))")
            }
        }
        #expect(overlays >= 30, "most real manifests make a non-empty overlay")
    }
}

/// The team's `.divergence.yaml` steers translate as it steers check: its choices and registry
/// map are used (flags win), what it accepts is not translated, and the source is inferred.
@Suite struct TranslateConfigurationTests {
    /// The overlay is a folder: a file or a symbolic link there is refused with a clear error and
    /// left as it was.
    @Test func theOutputIsAFolderNeverAFileOrALink() throws {
        let dir = CLI.temporary()
        try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n"
            .write(toFile: dir + "/sa.yaml", atomically: true, encoding: .utf8)
        let onFile = try CLI.run(["translate", dir, "--from", "aws", "--to", "gcp", "--output", dir + "/sa.yaml"])
        #expect(onFile.status == 2 && onFile.stderr.contains("not a folder"), "\(onFile.stderr)")
        #expect(try String(contentsOfFile: dir + "/sa.yaml", encoding: .utf8).contains("role-arn"), "the manifest is untouched")
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: NSTemporaryDirectory() + "elsewhere-\(UUID().uuidString)")
        let onLink = try CLI.run(["translate", dir, "--from", "aws", "--to", "gcp", "--output", dir + "/link"])
        #expect(onLink.status == 2 && onLink.stderr.contains("a symbolic link"), "\(onLink.stderr)")
    }

    /// An excluded file is not copied into the overlay, and an overlay written inside the scanned
    /// tree is not scanned by the next run.
    @Test func excludedFilesAndTheOverlayItselfStayOut() throws {
        let dir = CLI.temporary()
        let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: NAME\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n"
        try sa.replacingOccurrences(of: "NAME", with: "api").write(toFile: dir + "/api.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/vendor", withIntermediateDirectories: true)
        try sa.replacingOccurrences(of: "NAME", with: "vendored").write(toFile: dir + "/vendor/v.yaml", atomically: true, encoding: .utf8)
        try "exclude: [\"vendor/**\"]\n".write(toFile: dir + "/.divergence.yaml", atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            let run = try CLI.run(["translate", ".", "--from", "aws", "--to", "gcp", "--output", "overlay", "--format", "json"], directory: dir)
            #expect(run.status == 1, "\(run.stderr)")
            let copies = try FileManager.default.subpathsOfDirectory(atPath: dir + "/overlay/source").filter { $0.hasSuffix(".yaml") }
            #expect(copies == ["api.yaml"], "\(copies)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/overlay/translation.json"))) as! [String: Any]
            #expect((summary["findings"] as! [[String: Any]]).allSatisfy { !($0["file"] as! String).contains("overlay/") }, "the overlay is not scanned")
        }
    }

    /// A repository's configuration and folder names are untrusted: what translate prints of
    /// them carries no terminal escape.
    @Test func whatTranslatePrintsOfARepositoryIsSafeForTheTerminal() throws {
        let dir = CLI.temporary()
        let folder = dir + "/app\u{1B}]0;pwned\u{07}"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/plain", withIntermediateDirectories: true)
        for place in [folder, dir + "/plain"] {
            try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api\n"
                .write(toFile: place + "/sa.yaml", atomically: true, encoding: .utf8)
        }
        let run = try CLI.run(["translate", dir, "--from", "aws", "--to", "gcp", "--output", dir + "/out", "--per-folder"])
        #expect(!run.stdout.contains("\u{1B}") && run.stdout.contains("\\u{1B}"), "\(run.stdout)")
        try "translate:\n  choose: {\"\\e]0;pwned\\a\": agc}\n".write(toFile: dir + "/.divergence.yaml", atomically: true, encoding: .utf8)
        let bad = try CLI.run(["translate", dir, "--from", "aws", "--to", "azure", "--output", dir + "/out2"])
        #expect(bad.status == 2)
        #expect(!bad.stderr.contains("\u{1B}") && bad.stderr.contains("\\u{1B}"), "\(bad.stderr)")
    }

    /// `divergence rules ID` says how translate moves what the rule finds, per target and option.
    @Test func aRuleShowsItsTranslations() throws {
        let shown = try CLI.run(["rules", "aws.ingress.alb-ingress-class"]).stdout
        #expect(shown.contains("translations (divergence translate):"))
        #expect(shown.contains("→ gcp [gcp-ingress=gateway, kind = Ingress, metadata.annotations[\"alb.ingress.kubernetes.io/scheme\"] = internet-facing]: translated."))
        #expect(shown.contains("https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress (read 2026-12-06)"))
        // The pair view of a point says the same for the constructs of that pair.
        let pair = try CLI.run(["show", "identity.workload-identity-mechanism", "--from", "aws", "--to", "gcp"]).stdout
        #expect(pair.contains("How divergence translate moves it (aws → gcp):"))
        #expect(pair.contains("  aws.identity.irsa-role-arn\n    → gcp [gcp-identity=impersonation (default)]: needs-input."))
        #expect(!pair.contains("→ azure"), "only the asked target")
    }

    @Test func theConfigurationChoosesMapsAndIgnores() throws {
        let dir = CLI.temporary()
        let manifest = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
        spec:
          ingressClassName: alb
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          template:
            spec:
              containers:
              - name: api
                image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1.4
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: api
          annotations:
            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api
        """
        try manifest.write(toFile: dir + "/app.yaml", atomically: true, encoding: .utf8)
        try """
        to: azure
        ignore:
        - id: aws.identity.irsa-role-arn
          reason: identity is wired by the platform team's own overlay
        translate:
          choose: {ingress: agic}
          registryMap: {"111122223333.dkr.ecr.eu-west-1.amazonaws.com": shop.azurecr.io}
        """.write(toFile: dir + "/.divergence.yaml", atomically: true, encoding: .utf8)
        let out = dir + "/overlay"
        let run = try CLI.run(["translate", dir, "--output", out, "--format", "json"])
        #expect(run.stderr.contains("--from not given"), "the source is inferred and said: \(run.stderr)")
        let patches = try FileManager.default.contentsOfDirectory(atPath: out + "/patches")
            .map { try String(contentsOfFile: out + "/patches/" + $0, encoding: .utf8) }.joined()
        #expect(patches.contains("azure-application-gateway"), "the configuration's ingress option: \(patches)")
        let report = try String(contentsOfFile: out + "/TRANSLATION.md", encoding: .utf8)
        #expect(report.contains("| `ingress` | agic | app-routing-gateway, "), "the report says which option was used")
        #expect(report.contains("| `eks-lb` | lbc (default) |"))
        let kustomization = try String(contentsOfFile: out + "/kustomization.yaml", encoding: .utf8)
        #expect(kustomization.contains("\"shop.azurecr.io/shop/api\""), "the configuration's registry map")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/translation.json"))) as! [String: Any]
        let rules = (summary["findings"] as! [[String: Any]]).map { $0["ruleId"] as! String }
        #expect(!rules.contains("aws.identity.irsa-role-arn"), "an accepted finding is not translated")
        #expect(!patches.contains("azure.workload.identity"))

        // A flag wins over the file; an option the catalogue does not offer names its origin.
        let flagged = try CLI.run(["translate", dir, "--output", out, "--choose", "ingress=agc"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/patches").map { try String(contentsOfFile: out + "/patches/" + $0, encoding: .utf8) }.joined().contains("azure-alb-external"), "\(flagged.stderr)")
        try "translate:\n  choose: {ingress: nginx}\n".write(toFile: dir + "/.divergence.yaml", atomically: true, encoding: .utf8)
        let wrong = try CLI.run(["translate", dir, "--to", "azure", "--output", out])
        #expect(wrong.status == 2 && wrong.stderr.contains(".divergence.yaml: translate.choose: ingress is one of app-routing-gateway, "), "\(wrong.stderr)")
    }
}
