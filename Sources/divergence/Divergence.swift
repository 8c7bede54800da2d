import ArgumentParser
import DivergenceKit
import DivergenceReports
import Foundation

@main
struct Divergence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divergence",
        abstract: "Find what behaves differently when Kubernetes workloads move between clouds, and score the risk.",
        discussion: """
        Exit codes:
          0  done; no finding at or above --fail-on
          1  findings at or above --fail-on
          2  usage, configuration or input error (reports are still written for what could be read)
          3  internal error, or standard output could not be written
        """,
        version: CheckRun.toolVersion,
        subcommands: [Check.self, Translate.self, Topics.self, Show.self, Search.self, Compare.self, Rules.self, DB.self, ConfigCommand.self],
        defaultSubcommand: nil
    )

    /// Maps ArgumentParser's exit codes onto the documented ones (usage errors are 2, not 64).
    static func main() {
        Executable.installSignalCleanup()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let output as OutputError {
            FileHandle.standardError.write(Data(TerminalText.safe("error: \(output)\n").utf8))
            Foundation.exit(ExitStatus.internalError)
        } catch let usage as UsageError {
            FileHandle.standardError.write(Data(TerminalText.safe("error: \(usage)\n").utf8))
            Foundation.exit(ExitStatus.usage)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            }
            if code == .validationFailure {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data(TerminalText.safe(message + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            FileHandle.standardError.write(Data(TerminalText.safe("error: \(error)\n").utf8))
            Foundation.exit(ExitStatus.internalError)
        }
    }
}

/// The documented exit codes.
enum ExitStatus {
    static let ok: Int32 = 0
    static let findings: Int32 = 1
    static let usage: Int32 = 2
    static let internalError: Int32 = 3
}

/// Standard output could not be written (a full disk, a closed descriptor): the run's answer
/// never reached its reader, so it must not look like success. Exit code 3.
struct OutputError: Error, CustomStringConvertible {
    var description: String
}

/// A usage, configuration or input error: reported on stderr, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}
