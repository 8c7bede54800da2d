import DivergenceCatalogue
import DivergenceCore
import DivergenceManifests
import DivergenceReports
import DivergenceRules
import Foundation

/// What to check and for which move.
public struct CheckOptions: Sendable {
    public var paths: [String]
    public var from: Platform?
    public var to: [Platform]
    /// Paths to leave out (`--exclude`, configuration `exclude`).
    public var exclude: [PathGlob] = []
    /// Accepted findings from configuration.
    public var ignore: [IgnoreEntry] = []
    /// Fingerprints to leave out (`--baseline`), with their entries to report as fixed.
    public var baseline: Baseline?
    /// Leave out files that git ignores when a path is inside a git work tree.
    public var honourGitIgnore = true
    /// The date expiry of ignore entries is checked against (`YYYY-MM-DD`).
    public var today = Configuration.today()
    /// Charts and overlays to render and check with the paths.
    public var renders: [RenderRequest] = []
    /// Seconds a renderer (helm, kustomize) may run before it is stopped and its input fails.
    public var renderTimeout: Double = Rendering.defaultTimeout
    /// Folders whose files are never read (absolute and standardized): where `translate` writes
    /// its overlay, so that a second run does not scan the first one's copies.
    public var skipUnder: [String] = []

    public init(paths: [String], from: Platform? = nil, to: [Platform]) {
        self.paths = paths; self.from = from; self.to = to
    }

    /// Whether `path` is left out by `exclude` or lies under a `skipUnder` folder.
    public func leavesOut(_ path: String) -> Bool {
        if exclude.contains(where: { $0.matches(path) }) { return true }
        guard !skipUnder.isEmpty, path != "-" else { return false }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return skipUnder.contains { absolute == $0 || absolute.hasPrefix($0 + "/") }
    }

    /// The files of `files` a check reads: neither ignored by git nor left out.
    public func filesRead(_ files: [String]) -> [String] {
        let ignored = honourGitIgnore ? GitIgnore.ignoredFiles(files) : []
        return files.filter { !ignored.contains($0) && !leavesOut($0) }
    }
}

/// The main job: read manifests, match rules, assess each target, score, and build the report.
public struct CheckRun: Sendable {
    public static let toolVersion = "0.1.0"

    public let catalogue: Catalogue
    public let engine: RuleEngine
    public let unassessedDetector: UnassessedDetector
    public var loader = ManifestLoader()

    public init(catalogue: Catalogue) throws {
        self.catalogue = catalogue
        catalogue.prefetchPoints()
        unassessedDetector = try UnassessedDetector(prefixes: catalogue.prefixes)
        engine = try catalogue.engine(watching: unassessedDetector.gateLiterals ?? [])
        // Literals are found while each document is parsed, not by walking it again.
        loader.literalScanner = engine.literalScanner
    }

    /// Runs the check; `stdin` is read only if `-` is among the paths.
    /// Where a long scan is, for a progress line: files read of all, then findings so far.
    public enum Progress: Sendable {
        case reading(done: Int, total: Int, constructs: Int)
    }

    /// `expansion`, when it was started for the same paths, is the directory walk already
    /// under way (see `PathExpansion`); otherwise the paths are walked here.
    public func run(_ options: CheckOptions, expansion: PathExpansion? = nil,
                    stdin: @escaping @Sendable () -> Data? = { ManifestLoader.standardInput() },
                    progress: (@Sendable (Progress) -> Void)? = nil) -> CheckReport {
        // The directories are walked once: git is asked about the same file list that is read.
        let (files, expandErrors) = expansion.flatMap { $0.paths == options.paths ? $0.value : nil } ?? loader.expand(paths: options.paths)
        let ignored = options.honourGitIgnore ? GitIgnore.ignoredFiles(files) : []
        let excluded: @Sendable (String) -> Bool = { path in
            ignored.contains(path) || options.leavesOut(path)
        }
        // Chart and overlay hints only look at paths and directories: found while files are read.
        let hints = Pending { RenderHints.hints(forFiles: files) }
        // Each file is read, matched and reduced to compact records on the worker that read it,
        // so the parsed trees of a large repository are never all in memory at once.
        let counter = MatchCounter()
        var reading: (@Sendable (Int, Int) -> Void)?
        if let progress {
            reading = { done, total in progress(.reading(done: done, total: total, constructs: counter.found)) }
        }
        // With the source platform known, each file's matches become findings on the worker
        // that matched them, and only findings are kept; otherwise the source is inferred from
        // all matches first, and they are assessed after the scan.
        let early = options.from.map { Assessor(points: catalogue.points, from: $0) }
        var parts = loader.loadEach(files: files, stdin: stdin, excluded: excluded, progress: reading) { set in
            var scanned = scan(set)
            counter.add(scanned.matches.count + scanned.unassessed.count)
            if let early { scanned.assess(with: early, targets: options.to) }
            return scanned
        }
        // Workloads are grouped from the facts alone: that starts while the rest is merged.
        var grouping: Pending<WorkloadGrouping.Grouped>?
        var scanned = ScannedManifests.merging(&parts) { facts in
            if options.renders.isEmpty { grouping = Pending { WorkloadGrouping.Grouped(facts: facts) } }
        }
        parts = []
        // The parsed trees of every file were freed between the records that are kept; hand
        // those pages back before the report allocates its own (peak memory on large scans).
        FreedMemory.release()
        // A folder the walk could not enter fails the run, unless the user excluded it: a glob
        // that matches the folder or a file in it (`deep/**`) leaves it out on purpose.
        let walkErrors = expandErrors.filter { error in
            !(options.exclude.contains { $0.matches(error.file) || $0.matches(error.file + "/x") })
        }
        scanned.errors = walkErrors + scanned.errors
        if !ignored.isEmpty {
            scanned.skipped.append(SkippedInput(file: ignored.sorted().first!, reason: "\(ignored.count) file(s) ignored by .gitignore (first shown)"))
        }
        scanned.skipped += hints.value
        for request in options.renders {
            var rendered = scan(Rendering.load(request, with: loader, timeout: options.renderTimeout))
            if let early { rendered.assess(with: early, targets: options.to) }
            scanned.append(rendered)
        }
        return report(scanned, options: options, grouping: grouping)
    }

    /// Matches every resource of a set and keeps only what the report needs: the matches, the
    /// unassessed constructs, and for each resource its identity, annotations and workload facts.
    public func scan(_ set: ManifestSet) -> ScannedManifests {
        var scanned = ScannedManifests()
        scanned.files = set.files
        scanned.documents = set.documents
        scanned.skipped = set.skipped
        scanned.errors = set.errors
        for resource in set.resources {
            // Found once per resource: the engine, the detector and grouping all need the pod templates.
            let shapes = ShapeIndex(resource)
            let matches = engine.matches(in: resource, shapes: shapes)
            let unassessed = unassessedDetector.unassessed(in: resource, covered: matches, shapes: shapes,
                                                           keysPossible: engine.watchedLiteralFound(in: resource))
            scanned.imageRewrites.add(resource)
            let skeleton = resource.skeleton()
            scanned.resources.append(skeleton)
            scanned.facts.append(WorkloadGrouping.Facts(resource, shapes: shapes))
            scanned.matches += matches.map { var m = $0; m.resource = skeleton; return m }
            scanned.unassessed += unassessed.map { var u = $0; u.resource = skeleton; return u }
        }
        return scanned
    }

    /// Assesses already-loaded manifests.
    public func assess(_ manifests: ManifestSet, options: CheckOptions) -> CheckReport {
        let parts = ConcurrentMap.map(manifests.resources) { resource -> ScannedManifests in
            var one = ManifestSet()
            one.resources = [resource]
            return scan(one)
        }
        var scanned = ScannedManifests()
        scanned.files = manifests.files
        scanned.documents = manifests.documents
        scanned.skipped = manifests.skipped
        scanned.errors = manifests.errors
        for part in parts {
            scanned.resources += part.resources
            scanned.facts += part.facts
            scanned.matches += part.matches
            scanned.unassessed += part.unassessed
            scanned.imageRewrites.append(part.imageRewrites)
        }
        return report(scanned, options: options)
    }
}

/// The files under a run's paths, found on another thread from the moment the paths are known:
/// walking a large tree is a few thousand system calls that need neither the catalogue nor the
/// rule engine, so they go on while those load.
public final class PathExpansion: Sendable {
    public let paths: [String]
    private let walk: Pending<(files: [String], errors: [InputError])>

    public init(paths: [String], loader: ManifestLoader = ManifestLoader()) {
        self.paths = paths
        walk = Pending { loader.expand(paths: paths) }
    }

    /// The files found and the paths that could not be read; waits for the walk to finish.
    public var value: (files: [String], errors: [InputError]) { walk.value }
}

/// What a check keeps of the manifests once they are matched: no parsed trees, only what the
/// report needs.
public struct ScannedManifests: Sendable {
    public var files = 0
    public var documents = 0
    /// Each resource reduced to its identity, location and annotations (`LocatedResource.skeleton`).
    public var resources: [LocatedResource] = []
    public var facts: [WorkloadGrouping.Facts] = []
    public var matches: [RuleMatch] = []
    public var unassessed: [UnassessedConstruct] = []
    /// Findings per target when the matches were assessed during the scan (then `matches` and
    /// `unassessed` are empty), in target order.
    public var assessed: [TargetAssessment]?
    /// Set when `assessed` is known to be in output order already: each file's findings came
    /// sorted from its worker and the files were taken in order (`merging`).
    var assessedInOrder = false
    public var skipped: [SkippedInput] = []
    public var errors: [InputError] = []
    /// Image rewrites of the Kustomizations read (`images:` with `newName`).
    public var imageRewrites = ImageRewrites()
    /// Constructs found per owning platform, counted before early assessment lets the matches
    /// go: what the source is inferred from, and what a given `--from` is checked against.
    public var owners: [Platform: Int] = [:]

    public init() {}

    /// All `parts` in one, sized once; each part is emptied as soon as it is copied, so the
    /// parts and the whole are never both in memory.
    /// `factsMerged` is given the workload facts as soon as they are whole, before the rest is
    /// merged, so that grouping can start on another core.
    static func merging(_ parts: inout [ScannedManifests], factsMerged: ([WorkloadGrouping.Facts]) -> Void = { _ in }) -> ScannedManifests {
        var whole = ScannedManifests()
        whole.resources.reserveCapacity(parts.reduce(0) { $0 + $1.resources.count })
        whole.facts.reserveCapacity(whole.resources.capacity)
        for i in parts.indices {
            whole.facts += parts[i].facts
            parts[i].facts = []
        }
        factsMerged(whole.facts)
        whole.matches.reserveCapacity(parts.reduce(0) { $0 + $1.matches.count })
        whole.unassessed.reserveCapacity(parts.reduce(0) { $0 + $1.unassessed.count })
        if let targets = parts.first(where: { $0.assessed != nil })?.assessed?.map(\.target) {
            // Findings are taken part by part in the order of their files: each part is one
            // file's run, already in order, so the whole comes out in output order with no
            // sort and no second copy (`Assessor.mergedInOrder` checks it).
            func file(_ part: ScannedManifests) -> String {
                part.assessed?.lazy.compactMap { $0.findings.first?.file }.first ?? ""
            }
            var assessed = targets.map { TargetAssessment(target: $0, findings: [], suppressed: []) }
            for t in targets.indices {
                assessed[t].findings.reserveCapacity(parts.reduce(0) { $0 + ($1.assessed?[t].findings.count ?? 0) })
            }
            let files = parts.map(file)
            // In order as a whole if every part's findings lie in its one file (each part's
            // come sorted from `Assessor.assess`) and no two parts share a file.
            var inOrder = true
            var previous: String?
            for i in parts.indices.sorted(by: { files[$0] < files[$1] }) {
                guard let theirs = parts[i].assessed, theirs.count == targets.count else { continue }
                if theirs.contains(where: { !$0.findings.isEmpty }) {
                    inOrder = inOrder && theirs.allSatisfy { $0.findings.isEmpty || ($0.findings.first!.file == files[i] && $0.findings.last!.file == files[i]) }
                    inOrder = inOrder && previous.map { $0 < files[i] } ?? true
                    previous = files[i]
                }
                for t in targets.indices {
                    assessed[t].findings += theirs[t].findings
                    assessed[t].suppressed += theirs[t].suppressed
                }
                parts[i].assessed = nil
            }
            whole.assessed = assessed
            whole.assessedInOrder = inOrder
        }
        for i in parts.indices {
            whole.append(parts[i])
            parts[i] = ScannedManifests()
        }
        return whole
    }

    /// Turns the matches into findings for each target and lets the matches go.
    mutating func assess(with assessor: Assessor, targets: [Platform]) {
        countOwners()
        assessed = targets.map { assessor.assess(matches: matches, unassessed: unassessed, target: $0) }
        matches = []
        unassessed = []
    }

    /// Adds the owners of the matches and unassessed constructs still held to `owners`.
    mutating func countOwners() {
        for match in matches {
            if case .platform(let p) = match.rule.owner { owners[p, default: 0] += 1 }
        }
        for construct in unassessed { owners[construct.platform, default: 0] += 1 }
    }

    mutating func append(_ other: ScannedManifests) {
        if let theirs = other.assessed {
            assessedInOrder = false
            if assessed?.count == theirs.count {
                // In place: a copy of the accumulated findings per file would make merging quadratic.
                for i in theirs.indices {
                    assessed![i].findings += theirs[i].findings
                    assessed![i].suppressed += theirs[i].suppressed
                }
            } else {
                assessed = theirs
            }
        }
        files += other.files
        documents += other.documents
        resources += other.resources
        facts += other.facts
        matches += other.matches
        unassessed += other.unassessed
        skipped += other.skipped
        errors += other.errors
        imageRewrites.append(other.imageRewrites)
        owners.merge(other.owners, uniquingKeysWith: +)
    }
}

/// Cloud-specific constructs found so far, across worker threads.
final class MatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var constructs = 0

    var found: Int { lock.lock(); defer { lock.unlock() }; return constructs }

    func add(_ constructs: Int) {
        lock.lock(); defer { lock.unlock() }
        self.constructs += constructs
    }
}

/// Heap pages freed by the program, handed back to the system.
enum FreedMemory {
    /// glibc keeps freed pages for reuse; `malloc_trim` returns them (found at run time, as the
    /// C library module does not declare it). Elsewhere there is nothing to do.
    static func release() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}

/// A value computed on another thread; `value` waits for it.
final class Pending<T: Sendable>: @unchecked Sendable {
    // Written once by the worker before `done` is signalled, read only after waiting on it.
    private var result: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async {
            self.result = work()
            self.done.signal()
        }
    }

    var value: T {
        done.wait()
        done.signal()  // later reads do not block
        return result!
    }
}
