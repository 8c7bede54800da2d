import DivergenceKit
import Foundation

/// A one-line progress display on standard error, only when it is a terminal: redrawn at most
/// ten times a second and erased at the end, so nothing of it reaches piped output or logs.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    private var shown = false

    /// `nil` when progress should not be shown (not a terminal, or --quiet).
    static func make(quiet: Bool) -> ProgressLine? {
        quiet || !Terminal.stderrIsTerminal ? nil : ProgressLine()
    }

    func update(_ progress: CheckRun.Progress) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 else { return }
        last = now
        let text: String
        switch progress {
        case .reading(let done, let total, let constructs): text = "checked \(done)/\(total) files, \(constructs) cloud-specific constructs so far"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        shown = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
