import ArgumentParser
import DivergenceCatalogue
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

extension Platform: ExpressibleByArgument {
    /// `--from eks` as well as `--from aws`.
    public init?(argument: String) { self.init(named: argument) }
}
extension Severity: ExpressibleByArgument {}
extension Domain: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}
extension FindingGrouping: ExpressibleByArgument {}

/// Where the catalogue comes from.
struct CatalogueOptions: ParsableArguments {
    @Option(name: .customLong("catalogue"), help: "A compiled catalogue database to use instead of the built-in one (also DIVERGENCE_CATALOGUE).")
    var catalogueFile: String?

    @Option(name: .customLong("catalogue-dir"), help: "An extra catalogue directory (points and rules in the same format), merged over the built-in one. Repeatable.")
    var catalogueDirectories: [String] = []

    /// The built-in data directory plus team catalogues.
    func dataDirectories() throws -> [String] {
        guard let builtIn = CatalogueLocation.builtInDataDirectory() else {
            throw UsageError(description: "cannot find the built-in catalogue (Data/); set DIVERGENCE_DATA to its directory")
        }
        for directory in catalogueDirectories {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw UsageError(description: "--catalogue-dir \(directory): no such directory")
            }
        }
        return [builtIn] + catalogueDirectories
    }

    /// The catalogue file named by `--catalogue` or `DIVERGENCE_CATALOGUE`, if any.
    private var explicitFile: String? {
        if let file = catalogueFile ?? ProcessInfo.processInfo.environment["DIVERGENCE_CATALOGUE"], !file.isEmpty { return file }
        return nil
    }

    func load(rebuild: Bool = false) throws -> Catalogue {
        if let file = explicitFile {
            return try Catalogue.open(file: file)
        }
        let catalogue = try Catalogue.load(dataDirectories: try dataDirectories(), rebuild: rebuild)
        if catalogue.rebuilt, !catalogue.buildIssues.isEmpty {
            Terminal.warn("the catalogue has \(catalogue.buildIssues.count) problem(s); run `divergence db validate` to see them")
        }
        return catalogue
    }

    /// Runs `body` on the catalogue; if the cached database turns out to be damaged where the
    /// load-time probe did not look (SQLite reports SQLITE_CORRUPT or SQLITE_NOTADB), the cache is
    /// rebuilt from `Data/` and `body` runs once more. A file the user named is never rebuilt:
    /// its error is theirs to see.
    func withCatalogue<T>(_ body: (Catalogue) throws -> T) throws -> T {
        let catalogue = try load()
        do {
            return try body(catalogue)
        } catch let error as SQLiteError where explicitFile == nil && [11, 26].contains(error.code & 0xFF) {
            Terminal.warn("the cached catalogue database is damaged (\(error.message)); rebuilding it")
            return try body(try load(rebuild: true))
        }
    }
}

/// `--format text|json` for query commands (markdown where it makes sense).
enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

enum Terminal {
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour only on a terminal, and never when NO_COLOR is set or --no-color is given.
    static func useColor(noColor: Bool) -> Bool {
        // NO_COLOR counts when set and not empty (no-color.org): `NO_COLOR=` leaves colour on.
        !noColor && stdoutIsTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) { return columns }
        return 100
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data(TerminalText.safe("warning: \(message)\n").utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(TerminalText.safe("error: \(message)\n").utf8))
    }

    /// Writes to standard output; a failed write (a full disk, a closed pipe) is an
    /// `OutputError` (exit 3 with a message), never a crash and never a silent success.
    static func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func write(bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(STDOUT_FILENO, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw OutputError(description: "cannot write to standard output: \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

extension Configuration {
    /// The configuration a run starts from: the file `--config` names, else `.divergence.yaml`
    /// found beside the paths, else the defaults. A named file that does not exist is an error.
    static func forRun(explicit: String?, paths: [String]) throws -> Configuration {
        guard let file = discover(explicit: explicit, paths: paths) else { return Configuration() }
        guard FileManager.default.fileExists(atPath: file) else { throw UsageError(description: "--config \(file): no such file") }
        return try load(file: file)
    }
}
