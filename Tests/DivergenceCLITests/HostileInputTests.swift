import DivergenceCatalogue
import Foundation
import Testing

/// The attacks `divergence check` withstands when it is pointed at a repository nobody has
/// reviewed (a pull request, another team's repository, a vendor chart). Each test is one attack,
/// run through the binary as a CI job runs it. Attacks a lower layer stops are tested there and
/// named here, so this list is the whole of it:
///
/// - Running the scanned tree's commands: `aScannedRepositoryRunsNothing` (below; git is never
///   started, `.gitignore` is read natively), `catastrophicPatternsStayCheap` (GitIgnoreTests:
///   globs match in linear time), renderers bounded and killed (below).
/// - Printing credentials: `credentialsInsideValuesAreMaskedInEveryFormat` and
///   `secretValuesNeverAppear` (CheckRunTests: every format, every connection-string family).
/// - Failing open: `inputsThatCouldNotBeAnalysedFailTheRun` (below).
/// - Output paths: `OutputPaths` (below).
/// - Injection: `theTextReportCannotDriveTheTerminal` (CheckRunTests),
///   `markdownEscapesEverythingFromManifests`, `markdownKeepsHostileNamesInsideTheirPlace`,
///   `htmlEscapesEverythingAndReferencesNothingOutside` (ReportTests), `onlyPlainHTTPSLinksAreLinks`
///   (CatalogueTests; `db validate` rejects other sources), error messages (below).
/// - Unbounded work: `BoundedInput` (below), `documentAndListFloodsAreBounded` and
///   `aliasBombIsRefusedNotExpanded` (ManifestLoaderTests), `configurationSizeIsBounded`
///   (CheckRunTests), `catalogueDirectoriesAreWalkedWithBounds` (CatalogueTests).
/// - Repair: the damaged cache, baselines of another version, file names that are not UTF-8 and
///   wildcard ignores (below); `rebuildRemovesTheOldestDatabasesButNothingRecent`
///   (CatalogueCacheTests: old caches evicted).
@Suite(.serialized) struct HostileInputTests {
    static let irsa = RealWorldTests.irsa

    func json(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    /// A process that is gone (or a zombie nobody reaped: it runs nothing).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return kill(pid, 0) != 0 }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    /// A fake renderer on PATH that starts a grandchild, writes both pids to `pids`, and hangs.
    static func hangingRenderer(named name: String, pids: String) throws -> String {
        let bin = CLI.temporary()
        let script = "#!/bin/sh\nsleep 300 &\necho $$ $! > \(pids)\nwait\n"
        try script.write(toFile: bin + "/" + name, atomically: true, encoding: .utf8)
        chmod(bin + "/" + name, 0o755)
        return bin
    }

    static func readPids(_ file: String, within seconds: Double = 20) -> [Int32] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.hasSuffix("\n") {
                return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
            }
            usleep(20_000)
        }
        return []
    }

    // MARK: Nothing from the input runs

    @Test func aScannedRepositoryRunsNothing() throws {
        let dir = CLI.temporary()
        let marker = CLI.temporary() + "/ran"
        try FileManager.default.createDirectory(atPath: dir + "/.git/hooks", withIntermediateDirectories: true)
        // Every git setting that names a command, and a hook: none may run.
        try "[core]\n\tfsmonitor = touch \(marker)\n\tpager = touch \(marker)\n\thooksPath = .git/hooks\n[diff \"x\"]\n\ttextconv = touch \(marker)\n"
            .write(toFile: dir + "/.git/config", atomically: true, encoding: .utf8)
        try "#!/bin/sh\ntouch \(marker)\n".write(toFile: dir + "/.git/hooks/post-checkout", atomically: true, encoding: .utf8)
        try "ignored.yaml\n".write(toFile: dir + "/.gitignore", atomically: true, encoding: .utf8)
        try Self.irsa.write(toFile: dir + "/ignored.yaml", atomically: true, encoding: .utf8)
        try Self.irsa.write(toFile: dir + "/sa.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", ".", "--from", "aws", "--to", "azure", "--format", "json"], directory: dir,
                            environment: ["PATH": "/nonexistent"])
        #expect(r.status == 1)
        #expect((try json(r)["summary"] as! [String: Any])["files"] as? Int == 1, ".gitignore is honoured without git")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing named by the scanned tree ran")
    }

    @Test func aRendererIsStoppedAtItsTimeLimitWithEverythingItStarted() throws {
        let pids = CLI.temporary() + "/pids"
        let bin = try Self.hangingRenderer(named: "kustomize", pids: pids)
        let dir = CLI.temporary()
        let start = Date()
        let r = try CLI.run(["check", "--kustomize", dir, "--from", "aws", "--to", "azure", "--render-timeout", "1"],
                            environment: ["PATH": bin + ":/usr/bin:/bin"])
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(r.status == 2, "a render that did not finish fails the run")
        #expect(r.stderr.contains("ran longer than 1 s and was stopped"))
        #expect(!r.stdout.contains("No cloud-specific constructs found"))
        let started = Self.readPids(pids, within: 1)
        #expect(started.count == 2)
        usleep(200_000)
        #expect(started.allSatisfy(Self.isGone), "the renderer and its child are gone")
    }

    @Test func aRendererDiesWithDivergenceHoweverItIsEnded() throws {
        for signal in [SIGTERM, SIGKILL] {
            let pids = CLI.temporary() + "/pids"
            let bin = try Self.hangingRenderer(named: "kustomize", pids: pids)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["check", "--kustomize", CLI.temporary(), "--from", "aws", "--to", "azure"]
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = bin + ":/usr/bin:/bin"
            environment["XDG_CACHE_HOME"] = CLI.cache
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let started = Self.readPids(pids)
            try #require(started.count == 2, "the fake renderer started")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !started.allSatisfy(Self.isGone) { usleep(50_000) }
            #expect(started.allSatisfy(Self.isGone), "signal \(signal): the renderer and its child die with divergence")
        }
    }

    @Test func anInterruptedRunLeavesNoTemporaryFile() throws {
        // A catalogue build into an empty cache takes about a second: interrupt it mid-way.
        var interrupted = false
        for _ in 0..<5 where !interrupted {
            let cache = CLI.temporary()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["search", "idle", "timeout"]
            var environment = ProcessInfo.processInfo.environment
            environment["XDG_CACHE_HOME"] = cache
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            func temporaries() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: cache + "/divergence")) ?? []).filter { $0.contains(".tmp-") }
            }
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning, Date() < deadline, temporaries().isEmpty { usleep(2_000) }
            guard process.isRunning, !temporaries().isEmpty else { process.waitUntilExit(); continue }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            interrupted = process.terminationReason == .uncaughtSignal
            if interrupted { #expect(temporaries().isEmpty, "SIGTERM removed the half-built catalogue") }
        }
        #expect(interrupted, "a run was caught while it held a temporary file")
    }

    // MARK: Fail closed

    @Test func inputsThatCouldNotBeAnalysedFailTheRun() throws {
        let dir = CLI.temporary()
        try Self.irsa.write(toFile: dir + "/good.yaml", atomically: true, encoding: .utf8)
        // A template whose placeholders parse as YAML flow mappings.
        try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Values.name }}\n".write(toFile: dir + "/flow-template.yaml", atomically: true, encoding: .utf8)
        // A Helm chart: nothing in its templates can be read as written.
        try FileManager.default.createDirectory(atPath: dir + "/chart/templates", withIntermediateDirectories: true)
        try "apiVersion: v2\nname: chart\nversion: 0.1.0\n".write(toFile: dir + "/chart/Chart.yaml", atomically: true, encoding: .utf8)
        try "{{- if .Values.enabled }}\napiVersion: v1\nkind: ServiceAccount\n{{- end }}\n".write(toFile: dir + "/chart/templates/sa.yaml", atomically: true, encoding: .utf8)
        // A path deeper than the system allows.
        // (made relative to directory descriptors: no path this long can be named whole).
        var parent = open(dir, O_RDONLY | O_DIRECTORY)
        for part in ["deep"] + Array(repeating: String(repeating: "d", count: 200), count: 22) {
            mkdirat(parent, part, 0o755)
            let next = openat(parent, part, O_RDONLY | O_DIRECTORY)
            close(parent)
            parent = next
        }
        close(parent)
        let r = try CLI.run(["check", dir, "--from", "aws", "--to", "azure", "--format", "json", "--fail-on", "critical"])
        #expect(r.status == 2, "findings below --fail-on, but inputs that were not analysed: exit 2")
        let j = try json(r)
        let errors = ((j["coverage"] as! [String: Any])["errors"] as! [[String: Any]]).map { "\($0["file"] as! String): \($0["message"] as! String)" }
        #expect(errors.contains { $0.contains("flow-template.yaml") && $0.contains("unrendered template") })
        #expect(errors.contains { $0.contains("chart/templates/sa.yaml") && $0.contains("unrendered template") })
        #expect(errors.contains { $0.contains("/deep/") && $0.contains("path longer than the system allows") })
        #expect((j["findings"] as! [[String: Any]]).contains { ($0["file"] as? String)?.hasSuffix("good.yaml") == true })

        // Only the chart: nothing analysed, and the run never says nothing was found.
        let chart = try CLI.run(["check", dir + "/chart", "--from", "aws", "--to", "azure"])
        #expect(chart.status == 2)
        #expect(!chart.stdout.contains("No cloud-specific constructs found"))
        #expect(chart.stdout.contains("Nothing could be analysed"))

        // Excluded on purpose: no error.
        let excluded = try CLI.run(["check", dir, "--from", "aws", "--to", "azure", "--exclude", "deep", "--exclude", "chart",
                                    "--exclude", "flow-template.yaml", "--fail-on", "critical"])
        #expect(excluded.status == 0, "\(excluded.stderr.prefix(600))")
    }

    @Test func fileNamesThatAreNotUTF8AreCheckedAndShownEscaped() throws {
        let dir = CLI.temporary()
        let name = Array(dir.utf8) + Array("/sa-".utf8) + [0xFF, 0xFE] + Array(".yaml".utf8) + [0]
        let fd = name.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        try #require(fd >= 0)
        _ = Self.irsa.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
        close(fd)
        let r = try CLI.run(["check", dir, "--from", "aws", "--to", "azure"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("sa-\\xFF\\xFE.yaml:7"))
    }

    // MARK: Output paths

    @Test func aReportNeverReplacesAScannedManifest() throws {
        let dir = CLI.temporary()
        // A JSON manifest: `.json` is also a report extension, so only the scan decides.
        let manifest = dir + "/in.json"
        let text = #"{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/api"}}}"#
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        for flag in ["--output", "--write-baseline"] {
            let r = try CLI.run(["check", dir, "--from", "aws", "--to", "azure", flag, manifest, "--quiet"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("refusing to write"))
            #expect(try String(contentsOfFile: manifest, encoding: .utf8) == text)
        }
    }

    @Test func onlyRegularFilesAreWrittenAndStandardOutputIsDash() throws {
        for device in ["/dev/null", "/dev/stdout"] {
            let r = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--output", device, "--quiet"])
            #expect(r.status == 2, "\(device) is refused")
            #expect(r.stderr.contains("not a regular file") || r.stderr.contains("symbolic link"))
        }
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "a device stays a device")
        let dir = CLI.temporary()
        #expect(mkfifo(dir + "/fifo.json", 0o600) == 0)
        let fifo = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--output", dir + "/fifo.json", "--quiet"])
        #expect(fifo.status == 2)
        let dash = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--output", "-", "--format", "json", "--output", dir + "/r.md", "--quiet"])
        #expect(dash.status == 1)
        #expect(dash.stdout.hasPrefix("{"))
        #expect(FileManager.default.fileExists(atPath: dir + "/r.md"))
    }

    @Test func aFailedWriteToStandardOutputExitsThreeInEveryCommand() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        for command in ["check Examples/aws --from aws --to azure", "check Examples/aws --from aws --to azure --format json",
                        "search idle timeout", "show load-balancing.idle-timeout", "topics", "rules", "compare --from aws --to gcp",
                        "db info", "config show"] {
            let r = try CLI.run(["-c", "\"$0\" \(command) > /dev/full", CLI.binary], executable: "/bin/sh")
            #expect(r.status == 3, "\(command): output that cannot be written is exit 3, not silence or a crash")
            #expect(r.stderr.contains("No space left on device"), "\(command): \(r.stderr)")
        }
    }

    // MARK: Bounded work

    @Test func endlessStandardInputIsTooLarge() throws {
        let start = Date()
        let r = try CLI.run(["-c", "yes | \"$0\" check - --to azure", CLI.binary], executable: "/bin/sh")
        #expect(r.status == 2)
        #expect(r.stderr.contains("larger than 16 MB"))
        #expect(Date().timeIntervalSince(start) < 60)
    }

    @Test func aFIFONamedAsAnArgumentIsRefusedNotWaitedOn() throws {
        let dir = CLI.temporary()
        let fifo = dir + "/pipe.yaml"
        guard mkfifo(fifo, 0o600) == 0 else { return }
        let start = Date()
        let r = try CLI.run(["check", fifo, "--to", "azure"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("named pipe"))
        #expect(Date().timeIntervalSince(start) < 60)
    }

    // MARK: Hostile documents

    @Test func hostileInputsAreBoundedAndTheRestIsStillChecked() throws {
        let dir = CLI.temporary()
        try Self.irsa.write(toFile: dir + "/good.yaml", atomically: true, encoding: .utf8)
        // Nesting tens of thousands deep, in block and flow style.
        try (String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)).write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        var block = ""
        for i in 0..<2_000 { block += String(repeating: " ", count: i) + "k:\n" }
        try block.write(toFile: dir + "/block.yaml", atomically: true, encoding: .utf8)
        try (String(repeating: "- ", count: 30_000) + "x\n").write(toFile: dir + "/dashes.yaml", atomically: true, encoding: .utf8)
        // An alias-expansion bomb.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        try bomb.write(toFile: dir + "/bomb.yaml", atomically: true, encoding: .utf8)
        // Binary, invalid UTF-8, empty, empty documents, duplicate keys, a huge scalar.
        try Data((0..<4096).map { UInt8($0 % 256) }).write(to: URL(fileURLWithPath: dir + "/binary.yaml"))
        try Data([0x6b, 0x3a, 0x20, 0xc3, 0x28, 0x0a]).write(to: URL(fileURLWithPath: dir + "/latin1.yaml"))
        try "".write(toFile: dir + "/empty.yaml", atomically: true, encoding: .utf8)
        try "---\n---\n...\n".write(toFile: dir + "/empty-docs.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n".write(toFile: dir + "/dup.yaml", atomically: true, encoding: .utf8)
        try ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: " + String(repeating: "x", count: 4_000_000) + "\n").write(toFile: dir + "/huge-scalar.yaml", atomically: true, encoding: .utf8)
        // A file over the size limit (sparse, so the test stays cheap).
        FileManager.default.createFile(atPath: dir + "/huge.yaml", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/huge.yaml"))
        try handle.truncate(atOffset: 100 * 1024 * 1024)
        try handle.close()
        // A symlink loop and an unreadable directory.
        try FileManager.default.createDirectory(atPath: dir + "/loop", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop/again", withDestinationPath: dir + "/loop")
        try FileManager.default.createDirectory(atPath: dir + "/locked", withIntermediateDirectories: true)
        try Self.irsa.write(toFile: dir + "/locked/sa.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: dir + "/locked")
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/locked") }

        let start = Date()
        let r = try CLI.run(["check", dir, "--to", "gcp", "--format", "json"])
        #expect(Date().timeIntervalSince(start) < 60, "bounded time")
        #expect(r.status == 2, "input errors exit 2 but the report is still written")
        let j = try json(r)
        let findings = j["findings"] as! [[String: Any]]
        #expect(findings.contains { ($0["file"] as? String)?.hasSuffix("good.yaml") == true }, "the good file is still checked")
        let coverage = j["coverage"] as! [String: Any]
        let errors = (coverage["errors"] as! [[String: Any]]).map { "\($0["file"] as! String): \($0["message"] as! String)" }
        let skipped = (coverage["skipped"] as! [[String: Any]]).map { "\($0["file"] as! String): \($0["reason"] as! String)" }
        func has(_ list: [String], _ file: String, _ text: String) -> Bool { list.contains { $0.contains("/" + file + ":") && $0.contains(text) } }
        #expect(has(errors, "flow.yaml", "nesting deeper"))
        #expect(has(errors, "block.yaml", "nesting deeper"))
        #expect(has(errors, "dashes.yaml", "nesting deeper"))
        #expect(has(errors, "bomb.yaml", "alias"))
        #expect(has(errors, "binary.yaml", "binary"))
        #expect(has(errors, "latin1.yaml", "UTF-8"))
        #expect(has(skipped, "empty.yaml", "empty file"))
        #expect(has(errors, "dup.yaml", "duplicate key 'name'"))
        #expect((coverage["errors"] as! [[String: Any]]).contains { ($0["file"] as? String)?.hasSuffix("dup.yaml") == true && $0["line"] as? Int == 5 && ($0["message"] as? String)?.contains("first at line 4") == true })
        #expect(has(errors, "huge.yaml", "larger than"))
        #expect(errors.contains { $0.contains("locked") && $0.contains("cannot read directory") } || getuid() == 0, "root can read anything")
        #expect(!r.stdout.contains(String(repeating: "x", count: 1000)), "huge scalars are never echoed")
    }

    // MARK: Repair, do not only detect

    @Test func damagedSearchIndexInTheCacheIsRebuilt() throws {
        let cache = CLI.temporary()
        let first = try CLI.run(["search", "idle", "timeout"], environment: ["XDG_CACHE_HOME": cache])
        #expect(first.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache + "/divergence").filter { $0.hasSuffix(".sqlite") }
        try #require(files.count == 1)
        let file = cache + "/divergence/" + files[0]
        // Damage only the full-text blocks: the database still opens and its rows still decode,
        // so the failure shows first when a search reads the index.
        let damage = { try SQLiteDatabase(path: file).execute("UPDATE points_fts_data SET block = X'00FF00FF00FF' WHERE id > 10") }
        try damage()
        let healed = try CLI.run(["search", "idle", "timeout"], environment: ["XDG_CACHE_HOME": cache])
        #expect(healed.status == 0)
        #expect(healed.stdout == first.stdout, "the rebuilt cache answers as before")
        #expect(healed.stderr.contains("damaged"))
        // A database the user names is never rewritten behind their back: its error is reported.
        try damage()
        let named = try CLI.run(["search", "idle", "timeout", "--catalogue", file], environment: ["XDG_CACHE_HOME": cache])
        #expect(named.status == 3)
        #expect(named.stderr.contains("malformed"))
    }

    @Test func aBaselineOfAnotherVersionOrSizeIsAnError() throws {
        let dir = CLI.temporary()
        try #"{"schemaVersion": 99, "tool": "divergence", "findings": []}"#.write(toFile: dir + "/future.json", atomically: true, encoding: .utf8)
        let future = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--baseline", dir + "/future.json"])
        #expect(future.status == 2)
        #expect(future.stderr.contains("schemaVersion 99"))
        FileManager.default.createFile(atPath: dir + "/huge.json", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/huge.json"))
        try handle.truncate(atOffset: 40 << 20)
        try handle.close()
        let huge = try CLI.run(["check", "Examples/aws", "--from", "aws", "--to", "azure", "--baseline", dir + "/huge.json"])
        #expect(huge.status == 2)
        #expect(huge.stderr.contains("larger than 32 MB"))
    }

    @Test func aWildcardIgnoreNeedsAReasonAndIsListed() throws {
        let dir = CLI.temporary()
        let wildcard = Self.irsa.replacingOccurrences(of: "  annotations:\n", with: "  annotations:\n    divergence.dev/ignore: \"*\"\n")
        try wildcard.write(toFile: dir + "/bare.yaml", atomically: true, encoding: .utf8)
        let bare = try json(try CLI.run(["check", dir, "--from", "aws", "--to", "azure", "--format", "json"]))
        #expect((bare["findings"] as! [Any]).count == 1, "a wildcard without a reason hides nothing")
        #expect(((bare["coverage"] as! [String: Any])["warnings"] as! [String]).contains { $0.contains("without `divergence.dev/ignore-reason`") })
        try wildcard.replacingOccurrences(of: "\"*\"\n", with: "\"*\"\n    divergence.dev/ignore-reason: moving with the platform team\n")
            .write(toFile: dir + "/bare.yaml", atomically: true, encoding: .utf8)
        let reasoned = try json(try CLI.run(["check", dir, "--from", "aws", "--to", "azure", "--format", "json"]))
        #expect((reasoned["findings"] as! [Any]).isEmpty)
        let suppressed = reasoned["suppressed"] as! [[String: Any]]
        #expect(suppressed.count == 1 && (suppressed[0]["reason"] as? String)?.contains("moving with the platform team") == true, "counted and listed")
    }
}
