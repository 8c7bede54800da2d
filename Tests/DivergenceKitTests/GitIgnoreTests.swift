import DivergenceCore
@testable import DivergenceKit
import Foundation
import Testing

/// `.gitignore` read natively: the rules git applies, and nothing of the scanned tree is run.
@Suite struct GitIgnoreTests {
    /// A work tree with the given files (paths relative to it) and a `.git` directory.
    func tree(_ files: [String: String], gitConfig: String? = nil) throws -> String {
        let root = TestSupport.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/.git/info", withIntermediateDirectories: true)
        if let gitConfig { try gitConfig.write(toFile: root + "/.git/config", atomically: true, encoding: .utf8) }
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    func ignored(_ root: String, _ files: [String]) -> [String] {
        GitIgnore.ignoredFiles(files.map { root + "/" + $0 }).map { String($0.dropFirst(root.count + 1)) }.sorted()
    }

    @Test func patternsAnchoringNegationDirectoriesAndNestedFiles() throws {
        let root = try tree([
            ".gitignore": "# generated\n*.tmp.yaml\n/build/\ndocs/**/draft.yaml\ngenerated/\n!keep.tmp.yaml\n",
            "apps/.gitignore": "local.yaml\n!generated-but-kept.yaml\n",
            ".git/info/exclude": "scratch/\n",
        ])
        let files = ["a.tmp.yaml", "keep.tmp.yaml", "build/x.yaml", "apps/build/x.yaml", "docs/a/b/draft.yaml", "docs/draft.yaml",
                     "generated/x.yaml", "generated/sub/generated-but-kept.yaml", "apps/local.yaml", "local.yaml", "scratch/s.yaml", "apps/ok.yaml"]
        #expect(ignored(root, files) == ["a.tmp.yaml", "apps/local.yaml", "build/x.yaml", "docs/a/b/draft.yaml", "docs/draft.yaml",
                                          "generated/sub/generated-but-kept.yaml", "generated/x.yaml", "scratch/s.yaml"])
    }

    @Test func outsideAWorkTreeNothingIsIgnored() throws {
        let root = TestSupport.temporaryDirectory()
        try "*.yaml\n".write(toFile: root + "/.gitignore", atomically: true, encoding: .utf8)
        try "kind: x\n".write(toFile: root + "/a.yaml", atomically: true, encoding: .utf8)
        #expect(GitIgnore.ignoredFiles([root + "/a.yaml"]).isEmpty)
    }

    /// The repository's own git configuration names a command; reading its ignore rules runs nothing.
    @Test func aScannedRepositoryRunsNothing() throws {
        let marker = TestSupport.temporaryDirectory() + "/ran"
        let root = try tree([".gitignore": "ignored.yaml\n", "ignored.yaml": "kind: x\n", "a.yaml": "kind: x\n"],
                            gitConfig: "[core]\n\tfsmonitor = touch \(marker)\n")
        #expect(ignored(root, ["ignored.yaml", "a.yaml"]) == ["ignored.yaml"])
        let report = TestSupport.checkRun.run(CheckOptions(paths: [root], from: .aws, to: [.azure]))
        #expect(report.summary.files == 1)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// A pattern built to make a backtracking matcher explode costs a bounded walk here.
    @Test func catastrophicPatternsStayCheap() throws {
        let name = String(repeating: "a", count: 4_000) + ".yaml"
        let glob = GlobMatcher("**a**a**a**a**a**a**a**aX")
        let start = ContinuousClock.now
        #expect(!glob.matches("dir/" + name))
        #expect(try !PathGlob("**a**a**a**a**a**aX").matches("dir/" + name))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func globsMatchSegmentsAndClasses() throws {
        #expect(GlobMatcher("**/logs").matches("a/b/logs"))
        #expect(GlobMatcher("**/logs").matches("logs"))
        #expect(GlobMatcher("a/**/b").matches("a/b"))
        #expect(GlobMatcher("a/**/b").matches("a/x/y/b"))
        #expect(!GlobMatcher("a/*/b").matches("a/x/y/b"))
        #expect(GlobMatcher("file[0-9].yaml").matches("file7.yaml"))
        #expect(!GlobMatcher("file[!0-9].yaml").matches("file7.yaml"))
        #expect(GlobMatcher("v?.yaml").matches("v1.yaml"))
        #expect(GlobMatcher("\\*.yaml").matches("*.yaml") && !GlobMatcher("\\*.yaml").matches("a.yaml"))
        #expect(try PathGlob("vendor").matches("a/vendor/x.yaml"))
        #expect(try PathGlob("./charts/*.yaml").matches("./charts/a.yaml"))
        #expect(try !PathGlob("charts/*.yaml").matches("charts/sub/a.yaml"))
        #expect(try PathGlob("**/testdata/*.yaml").matches("x/testdata/a.yaml"))
    }
}
