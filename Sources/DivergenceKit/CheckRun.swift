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

    public init(paths: [String], from: Platform? = nil, to: [Platform]) {
        self.paths = paths; self.from = from; self.to = to
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
        engine = try catalogue.engine()
        // Literals are found while each document is parsed, not by walking it again.
        loader.literalScanner = engine.literalScanner
        unassessedDetector = try UnassessedDetector(prefixes: catalogue.prefixes)
    }

    /// Runs the check; `stdin` is read only if `-` is among the paths.
    /// Where a long scan is, for a progress line: files read of all, then findings so far.
    public enum Progress: Sendable {
        case reading(done: Int, total: Int, constructs: Int)
    }

    /// `expansion`, when it was started for the same paths, is the directory walk already
    /// under way (see `PathExpansion`); otherwise the paths are walked here.
    public func run(_ options: CheckOptions, expansion: PathExpansion? = nil,
                    stdin: @escaping @Sendable () -> Data? = { FileHandle.standardInput.readDataToEndOfFile() },
                    progress: (@Sendable (Progress) -> Void)? = nil) -> CheckReport {
        let excludes = options.exclude
        // The directories are walked once: git is asked about the same file list that is read.
        let (files, expandErrors) = expansion.flatMap { $0.paths == options.paths ? $0.value : nil } ?? loader.expand(paths: options.paths)
        let ignored = options.honourGitIgnore ? GitIgnore.ignoredFiles(files) : []
        let excluded: @Sendable (String) -> Bool = { path in
            ignored.contains(path) || excludes.contains { $0.matches(path) }
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
        scanned.errors = expandErrors + scanned.errors
        if !ignored.isEmpty {
            scanned.skipped.append(SkippedInput(file: ignored.sorted().first!, reason: "\(ignored.count) file(s) ignored by .gitignore (first shown)"))
        }
        scanned.skipped += hints.value
        for request in options.renders {
            var rendered = scan(Rendering.load(request, with: loader))
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
            let unassessed = unassessedDetector.unassessed(in: resource, covered: matches, shapes: shapes)
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
        }
        return report(scanned, options: options)
    }

    /// Assesses each target, applies suppressions and the baseline, scores, and builds the report.
    public func report(_ scanned: consuming ScannedManifests, options: CheckOptions) -> CheckReport {
        report(scanned, options: options, grouping: nil)
    }

    /// `grouping`, when given, is the grouping of `scanned.facts` already under way.
    func report(_ scanned: consuming ScannedManifests, options: CheckOptions, grouping: Pending<WorkloadGrouping.Grouped>?) -> CheckReport {
        let (from, inferred, reason) = Self.source(given: options.from, matches: scanned.matches, unassessed: scanned.unassessed)
        var assessments: [TargetAssessment] = []
        if let early = scanned.assessed, early.count == options.to.count {
            let inOrder = scanned.assessedInOrder
            // Assessed file by file during the scan: each target's findings into output order.
            assessments = early.map { part in
                TargetAssessment(target: part.target, findings: inOrder ? part.findings : Assessor.mergedInOrder(part.findings),
                                 suppressed: Assessor.sortedInOrder(part.suppressed))
            }
        } else {
            let assessor = Assessor(points: catalogue.points, from: from)
            for target in options.to {
                assessments.append(assessor.assess(matches: scanned.matches, unassessed: scanned.unassessed, target: target))
            }
        }
        assessments = Self.withoutDefinedNames(assessments, rules: catalogue.rules, resources: scanned.resources)
        // The findings carry what the rest needs: the matches go before the report is built.
        scanned.matches = []
        scanned.unassessed = []
        // Each assessment is already in output order; several targets are merged by one sort.
        var findings = assessments.count == 1 ? assessments[0].findings : Assessor.sortedInOrder(assessments.flatMap(\.findings))
        var suppressed = assessments.flatMap(\.suppressed)
        var warnings: [String] = []

        // Configuration ignore entries: matched findings move to `suppressed` with their reason;
        // an expired entry stops suppressing and says so.
        if !options.ignore.isEmpty {
            var kept: [Finding] = []
            var expiredUsed = Set<IgnoreEntry>()
            for finding in findings {
                let entries = options.ignore.filter { $0.matches(finding) }
                if let entry = entries.first(where: { !$0.isExpired(today: options.today) }) {
                    suppressed.append(SuppressedFinding(finding: finding, reason: entry.reason, source: "\(entry.file):\(entry.line)"))
                } else {
                    expiredUsed.formUnion(entries)
                    kept.append(finding)
                }
            }
            findings = kept
            for entry in expiredUsed.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
                warnings.append("ignore entry '\(entry.id)' at \(entry.file):\(entry.line) expired on \(entry.expires ?? "") and no longer suppresses its findings")
            }
        }

        // Baseline: leave out what was already accepted; what it has and the run does not is fixed.
        var baselined = 0
        var fixed: [CheckReport.BaselineEntry] = []
        if let baseline = options.baseline {
            let known = baseline.fingerprints
            let current = findings.map { CheckReport.BaselineEntry($0) }
            baselined = current.filter { known.contains($0.fingerprint) }.count
            findings = zip(findings, current).filter { !known.contains($0.1.fingerprint) }.map(\.0)
            let seen = Set(current.map(\.fingerprint))
            fixed = baseline.findings.filter { !seen.contains($0.fingerprint) }
        }

        // Workloads are grouped on another core while the other summaries are made here.
        let grouped = Pending { [facts = scanned.facts, findings] in
            Self.workloads(grouping?.value ?? WorkloadGrouping.Grouped(facts: facts), findings: findings)
        }
        // Summaries group finding indices, never copies of findings: a finding is large and a
        // big repository has a hundred thousand of them.
        var ranked = options.to.map { target -> CheckReport.TargetSummary in
            let mine = findings.indices.filter { findings[$0].target == target }
            let score = Self.score(mine, in: findings)
            return CheckReport.TargetSummary(to: target, rank: 0, score: score, level: RiskLevel(score: score),
                                             findings: mine.count, effort: Self.effort(mine, in: findings))
        }
        ranked.sort { ($0.score, $0.effort, $0.to) < ($1.score, $1.effort, $1.to) }
        for i in ranked.indices { ranked[i].rank = i + 1 }

        var severityCounts = [Int](repeating: 0, count: Severity.allCases.count)
        for i in findings.indices { severityCounts[Severity.allCases.firstIndex(of: findings[i].severity)!] += 1 }
        let bySeverity = Dictionary(uniqueKeysWithValues: zip(Severity.allCases.map(\.rawValue), severityCounts))
        var byDomain: [String: CheckReport.DomainSummary] = [:]
        for (domain, group) in Dictionary(grouping: findings.indices, by: { findings[$0].domain }) {
            byDomain[domain.rawValue] = .init(findings: group.count, score: Self.score(group, in: findings), effort: Self.effort(group, in: findings))
        }
        let score = RiskModel.aggregate(findings.map(\.score))
        var summary = CheckReport.Summary(
            score: score, level: RiskLevel(score: score), files: scanned.files, documents: scanned.documents,
            resources: scanned.resources.count, findings: findings.count, suppressed: suppressed.count,
            bySeverity: bySeverity, byDomain: byDomain, effort: Self.effort(findings))
        summary.baselined = baselined

        var resources: [CheckReport.ResourceSummary] = []
        let byResource = Self.grouped(findings) { ReportedResource(file: $0.file, ref: $0.resource) }
        for resource in scanned.resources {
            let shown = resource.reportedLocation(line: resource.location.line)
            guard let group = byResource[ReportedResource(file: shown.file, ref: resource.ref)] else { continue }
            resources.append(.init(ref: resource.ref, file: shown.file, line: shown.line,
                                   score: Self.score(group, in: findings), findings: group.count))
        }
        let workloads = grouped.value
        let coverage = CheckReport.Coverage(
            skipped: scanned.skipped.map { .init(file: $0.file, line: $0.line, reason: $0.reason) },
            errors: scanned.errors.map { .init(file: $0.file, line: $0.line, message: $0.message) },
            warnings: warnings)
        var report = CheckReport(
            tool: .init(name: "divergence", version: Self.toolVersion),
            catalogue: .init(version: catalogue.info.version, sha256: catalogue.info.sha256,
                             points: catalogue.info.points, rules: catalogue.info.rules),
            from: from, fromInferred: inferred, fromReason: reason, to: options.to, summary: summary,
            targets: ranked, findings: findings, suppressed: suppressed.map(CheckReport.Suppressed.init),
            resources: resources, workloads: workloads, coverage: coverage)
        report.fixed = fixed
        return report
    }

    /// The assessments without findings of rules whose `unlessDefined` kinds the scanned set
    /// defines under the matched name: `storageClassName: ebs-sc` next to a StorageClass `ebs-sc`
    /// in the same files names that class, not the cloud's built-in one.
    static func withoutDefinedNames(_ assessments: [TargetAssessment], rules: [Rule], resources: [LocatedResource]) -> [TargetAssessment] {
        var kindsOf: [String: [String]] = [:]
        for rule in rules where !rule.unlessDefined.isEmpty { kindsOf[rule.id] = rule.unlessDefined }
        guard !kindsOf.isEmpty else { return assessments }
        let kinds = Set(kindsOf.values.joined())
        var defined = Set<String>()
        for resource in resources where kinds.contains(resource.ref.kind) { defined.insert(resource.ref.kind + "/" + resource.ref.name) }
        guard !defined.isEmpty else { return assessments }
        func moot(_ finding: Finding) -> Bool {
            guard let kinds = kindsOf[finding.ruleId] else { return false }
            return kinds.contains { defined.contains($0 + "/" + finding.evidence) }
        }
        return assessments.map { assessment in
            var kept = assessment
            kept.findings.removeAll(where: moot)
            kept.suppressed.removeAll { moot($0.finding) }
            return kept
        }
    }

    /// Workload summaries with findings, most at risk first; cluster-wide resources last.
    static func workloads(_ grouped: WorkloadGrouping.Grouped, findings: [Finding]) -> [CheckReport.WorkloadSummary] {
        // Findings by object number: one lookup per resource's run of findings.
        var byID = [[Int]](repeating: [], count: grouped.refs.count)
        forEachRun(of: findings) { run in
            if let id = grouped.idOf[findings[run.lowerBound].resource] { byID[id] += run }
        }
        var result: [CheckReport.WorkloadSummary] = []
        for (workload, members) in zip(grouped.workloads, grouped.memberIDs) {
            let group = members.flatMap { byID[$0] }
            guard !group.isEmpty else { continue }
            result.append(.init(kind: workload.owner.kind, namespace: workload.owner.namespace, name: workload.owner.name,
                                resources: workload.members.map(\.description), score: score(group, in: findings),
                                findings: group.count, effort: effort(group, in: findings)))
        }
        result.sort { ($0.score, $1.name) > ($1.score, $0.name) }
        let shared = grouped.clusterWide.flatMap { byID[$0] }
        if !shared.isEmpty {
            result.append(.init(kind: "cluster-wide", namespace: nil, name: "cluster-wide",
                                resources: grouped.clusterWide.filter { !byID[$0].isEmpty }.map { grouped.refs[$0].description },
                                score: score(shared, in: findings), findings: shared.count, effort: effort(shared, in: findings)))
        }
        return result
    }

    static func effort(_ findings: [Finding]) -> Double {
        effort(findings.indices, in: findings)
    }

    /// Hours of the findings at `indices`, to a tenth.
    static func effort(_ indices: some Sequence<Int>, in findings: [Finding]) -> Double {
        (indices.reduce(0) { $0 + findings[$1].effort } * 10).rounded() / 10
    }

    /// The aggregate risk score of the findings at `indices`.
    static func score(_ indices: [Int], in findings: [Finding]) -> Int {
        var scores: [Double] = []
        scores.reserveCapacity(indices.count)
        for i in indices { scores.append(findings[i].score) }
        return RiskModel.aggregate(scores)
    }

    /// A resource as findings name it: the file it is reported in, and its identity.
    struct ReportedResource: Hashable {
        var file: String
        var ref: ResourceRef

        // The identity alone tells nearly every resource apart; hashing the path as well
        // only cost time (equality still compares both).
        func hash(into hasher: inout Hasher) { hasher.combine(ref) }
    }

    /// Indices of `findings` grouped by `key`, in increasing order within each group.
    static func grouped<Key: Hashable>(_ findings: [Finding], by key: (Finding) -> Key) -> [Key: [Int]] {
        var groups: [Key: [Int]] = [:]
        forEachRun(of: findings) { run in groups[key(findings[run.lowerBound]), default: []] += run }
        return groups
    }

    /// Calls `body` with each run of consecutive findings of the same resource in the same
    /// file. One resource's findings sit next to each other in output order, so whatever is
    /// keyed by resource is looked up once per run rather than once per finding.
    static func forEachRun(of findings: [Finding], _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < findings.count {
            var end = start + 1
            while end < findings.count, findings[end].resource == findings[start].resource, findings[end].file == findings[start].file {
                end += 1
            }
            body(start..<end)
            start = end
        }
    }

    /// The source platform: as given, or the platform that owns most of the constructs found.
    static func source(given: Platform?, matches: [RuleMatch], unassessed: [UnassessedConstruct]) -> (Platform?, Bool, String?) {
        if let given { return (given, false, nil) }
        var counts: [Platform: Int] = [:]
        for match in matches {
            if case .platform(let p) = match.rule.owner { counts[p, default: 0] += 1 }
        }
        for construct in unassessed { counts[construct.platform, default: 0] += 1 }
        guard let best = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            return (nil, true, "--from not given and no cloud-specific construct found: source unknown, portable constructs are assessed at their worst for each target")
        }
        let detail = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        return (best.key, true, "--from inferred as \(best.key.rawValue) from the constructs found (\(detail))")
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
        assessed = targets.map { assessor.assess(matches: matches, unassessed: unassessed, target: $0) }
        matches = []
        unassessed = []
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
