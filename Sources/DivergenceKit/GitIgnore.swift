import Foundation

/// Asks git which of the files a scan found are ignored, when they are inside a git work tree.
/// Without git, or outside a work tree, nothing is ignored.
enum GitIgnore {
    static func ignoredFiles(_ files: [String]) -> Set<String> {
        let candidates = files.filter { $0 != "-" }
        guard !candidates.isEmpty, let git = Executable.find("git") else { return [] }
        // Group by directory of the first file: one git call per work tree is enough in practice.
        let directory = (candidates[0] as NSString).deletingLastPathComponent
        // Starting git costs more than a small scan: outside any `.git` there is nothing to ask.
        guard ProcessInfo.processInfo.environment["GIT_DIR"] != nil || hasGitAncestor(directory) else { return [] }
        guard let inside = try? Executable.run(git, ["-C", directory.isEmpty ? "." : directory, "rev-parse", "--is-inside-work-tree"]),
              inside.status == 0, inside.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "true" else { return [] }
        let absolute = candidates.map { URL(fileURLWithPath: $0).standardized.path }
        guard let result = try? Executable.run(git, ["-C", directory.isEmpty ? "." : directory, "check-ignore", "--stdin", "-z"],
                                               input: absolute.joined(separator: "\0") + "\0") else { return [] }
        // Exit 1 means none ignored; 128 means a path outside the work tree: ignore nothing.
        guard result.status == 0 else { return [] }
        let ignoredAbsolute = Set(result.stdout.split(separator: "\0").map(String.init))
        return Set(zip(candidates, absolute).filter { ignoredAbsolute.contains($0.1) }.map(\.0))
    }

    /// Whether `directory` or one of its parents holds `.git` (a directory, or a file for
    /// worktrees and submodules).
    static func hasGitAncestor(_ directory: String) -> Bool {
        var path = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardized.path
        while true {
            if FileManager.default.fileExists(atPath: path + "/.git") { return true }
            let parent = (path as NSString).deletingLastPathComponent
            if parent == path || parent.isEmpty { return false }
            path = parent
        }
    }
}

/// Running other programs (git, helm, kustomize) without a shell.
public enum Executable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The first executable named `name` on `PATH`.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        // Read both pipes while the child runs, so a large output never blocks it.
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        DispatchQueue.global().async { collected.setOut(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        group.enter()
        DispatchQueue.global().async { collected.setErr(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: collected.out, as: UTF8.self),
                      stderr: String(decoding: collected.err, as: UTF8.self))
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var out = Data()
        private(set) var err = Data()
        func setOut(_ d: Data) { lock.lock(); out = d; lock.unlock() }
        func setErr(_ d: Data) { lock.lock(); err = d; lock.unlock() }
    }
}
