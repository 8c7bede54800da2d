import Foundation

/// Where the catalogue sources and the compiled cache live.
public enum CatalogueLocation {
    /// The built-in `Data/` directory: `DIVERGENCE_DATA` if set, else the `Data/` folder of the
    /// source tree this binary was built from (so `swift run divergence …` works from any
    /// directory), else `Data/` beside the executable or in the working directory.
    public static func builtInDataDirectory() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["DIVERGENCE_DATA"], !path.isEmpty { return path }
        var candidates: [String] = []
        // Sources/DivergenceKit/CatalogueLocation.swift → ../../Data
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(sourceRoot.appendingPathComponent("Data").path)
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("Data").path)
        candidates.append(executable.appendingPathComponent("../share/divergence/Data").standardized.path)
        candidates.append(FileManager.default.currentDirectoryPath + "/Data")
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/catalogue") }
    }

    /// `$XDG_CACHE_HOME/divergence`, else `~/.cache/divergence`.
    public static func cacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/divergence" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/divergence"
    }
}
