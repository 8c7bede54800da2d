import CProcessGuard
import Foundation

/// Running a renderer (helm, kustomize) without a shell and within bounds: its own process
/// group, killed after a time limit, past an output limit, or when `divergence` itself is ended.
public enum Executable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Call once at start, on the main thread: from then on SIGINT, SIGTERM and SIGHUP remove
    /// the run's temporary files and kill its renderers before the process ends of the signal.
    public static func installSignalCleanup() {
        pg_install()
    }

    /// The first executable named `name` on `PATH`.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            // Only absolute PATH entries: a relative one would resolve inside the scanned tree.
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, stdin from /dev/null. Throws when it cannot start,
    /// runs past `timeout` seconds or writes more than `maxOutput` bytes (it is killed, with
    /// anything it started, in each case); a non-zero exit is returned, not thrown.
    public static func run(_ executable: String, _ arguments: [String], timeout: Double, maxOutput: Int) throws -> Output {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var result = argv.withUnsafeBufferPointer { argvBuffer in
            environment.withUnsafeBufferPointer { envBuffer in
                pg_run(executable, argvBuffer.baseAddress, envBuffer.baseAddress, Int(timeout * 1000), maxOutput)
            }
        }
        defer { pg_free_result(&result) }
        let name = (executable as NSString).lastPathComponent
        switch result.outcome {
        case PG_EXITED:
            return Output(status: result.status,
                          stdout: String(decoding: UnsafeRawBufferPointer(start: result.out, count: result.out_length), as: UTF8.self),
                          stderr: String(decoding: UnsafeRawBufferPointer(start: result.err, count: result.err_length), as: UTF8.self))
        case PG_SIGNALLED:
            throw Failure(description: "\(name) was ended by signal \(result.status)")
        case PG_TIMED_OUT:
            throw Failure(description: "\(name) ran longer than \(Self.seconds(timeout)) and was stopped (raise the limit with --render-timeout)")
        case PG_OUTPUT_LIMIT:
            throw Failure(description: "\(name) wrote more than \(maxOutput / 1_048_576) MB and was stopped")
        default:
            throw Failure(description: "cannot start \(name): \(String(cString: strerror(result.status)))")
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
