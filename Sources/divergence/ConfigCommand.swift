import ArgumentParser
import DivergenceCore
import DivergenceKit
import DivergenceReports
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration and where each value comes from.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the effective configuration for a scan of PATH (default: the working directory).")

        @Argument(help: "The path a check would scan (its .divergence.yaml is found the same way).")
        var paths: [String] = []

        @Option(help: "Configuration file.") var config: String?
        @Option(help: "text or json") var format: QueryFormat = .text

        func validate() throws {
            if format == .markdown { throw ValidationError("--format markdown is not available here; use text or json") }
        }

        func run() throws {
            let file = Configuration.discover(explicit: config, paths: paths)
            let configuration: Configuration
            do {
                configuration = try file.map { try Configuration.load(file: $0) } ?? Configuration()
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(ExitStatus.usage)
            }
            func origin(_ key: String) -> String { configuration.origins[key] ?? "default" }
            if format == .json {
                struct Entry: Encodable { var value: String; var origin: String }
                struct Ignore: Encodable { var id: String; var path: String?; var resource: String?; var reason: String; var expires: String?; var origin: String }
                struct Output: Encodable {
                    var file: String?
                    var from, to, failOn, exclude, catalogues: Entry
                    var ignore: [Ignore]
                    var translateChoose: [String: String]
                    var registryMap: [String: String]
                }
                let output = Output(
                    file: configuration.file,
                    from: Entry(value: configuration.from?.rawValue ?? "(inferred from the manifests)", origin: origin("from")),
                    to: Entry(value: configuration.to.map(\.rawValue).joined(separator: ","), origin: origin("to")),
                    failOn: Entry(value: configuration.failOn.rawValue, origin: origin("failOn")),
                    exclude: Entry(value: configuration.exclude.map(\.pattern).joined(separator: ","), origin: origin("exclude")),
                    catalogues: Entry(value: configuration.catalogues.joined(separator: ","), origin: origin("catalogues")),
                    ignore: configuration.ignore.map { Ignore(id: $0.id, path: $0.path?.pattern, resource: $0.resource, reason: $0.reason, expires: $0.expires, origin: "\($0.file):\($0.line)") },
                    translateChoose: configuration.translateChoices, registryMap: configuration.registryMap)
                try Terminal.write(try Terminal.json(output))
                return
            }
            try Terminal.write("configuration file: \(file ?? "none (no .divergence.yaml found)")" + "\n")
            let rows: [(String, String)] = [
                ("from", configuration.from?.rawValue ?? "(inferred from the manifests)"),
                ("to", configuration.to.isEmpty ? "(none: --to is required)" : configuration.to.map(\.rawValue).joined(separator: ",")),
                ("failOn", configuration.failOn.rawValue),
                ("exclude", configuration.exclude.isEmpty ? "(none)" : configuration.exclude.map(\.pattern).joined(separator: ", ")),
                ("catalogues", configuration.catalogues.isEmpty ? "(built-in only)" : configuration.catalogues.joined(separator: ", ")),
                ("translate", configuration.translateChoices.isEmpty && configuration.registryMap.isEmpty ? "(defaults)"
                    : (configuration.translateChoices.sorted { $0.key < $1.key }.map { "choose \($0.key)=\($0.value)" }
                       + configuration.registryMap.sorted { $0.key < $1.key }.map { "registry \($0.key)=\($0.value)" }).joined(separator: ", ")),
            ]
            for (key, value) in rows {
                try Terminal.write("  \(key.padding(toLength: 11, withPad: " ", startingAt: 0)) \(value)  [\(origin(key))]" + "\n")
            }
            let today = Configuration.today()
            try Terminal.write("  ignore      \(configuration.ignore.count) entr\(configuration.ignore.count == 1 ? "y" : "ies")\(configuration.ignore.isEmpty ? "" : "  [\(origin("ignore"))]")" + "\n")
            for entry in configuration.ignore {
                var scope = [String]()
                if let p = entry.path { scope.append("path \(p.pattern)") }
                if let r = entry.resource { scope.append("resource \(r)") }
                let expiry = entry.expires.map { entry.isExpired(today: today) ? " — EXPIRED \($0), no longer suppresses" : " — until \($0)" } ?? ""
                try Terminal.write("    \(entry.id)\(scope.isEmpty ? "" : " (" + scope.joined(separator: ", ") + ")"): \(entry.reason)\(expiry)  [\(entry.file):\(entry.line)]" + "\n")
            }
        }
    }
}
