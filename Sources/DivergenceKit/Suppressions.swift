import DivergenceCore
import DivergenceReports

/// What a team has accepted: configuration `ignore` entries (with reason and expiry) and a
/// baseline of fingerprints. Applied to a run's findings after assessment.
struct Suppressions {
    var ignore: [IgnoreEntry]
    var baseline: Baseline?
    /// The date expiry of ignore entries is checked against (`YYYY-MM-DD`).
    var today: String

    struct Applied {
        var findings: [Finding]
        /// Findings an ignore entry matched, with its reason.
        var suppressed: [SuppressedFinding] = []
        /// Expired entries that no longer suppress.
        var warnings: [String] = []
        /// Findings the baseline already holds (left out).
        var baselined = 0
        /// Baseline entries the run no longer finds.
        var fixed: [CheckReport.BaselineEntry] = []
    }

    func apply(to findings: [Finding]) -> Applied {
        var result = Applied(findings: findings)
        // Configuration ignore entries: matched findings move to `suppressed` with their reason;
        // an expired entry stops suppressing and says so.
        if !ignore.isEmpty {
            var kept: [Finding] = []
            var expiredUsed = Set<IgnoreEntry>()
            for finding in result.findings {
                let entries = ignore.filter { $0.matches(finding) }
                if let entry = entries.first(where: { !$0.isExpired(today: today) }) {
                    result.suppressed.append(SuppressedFinding(finding: finding, reason: entry.reason, source: "\(entry.file):\(entry.line)"))
                } else {
                    expiredUsed.formUnion(entries)
                    kept.append(finding)
                }
            }
            result.findings = kept
            for entry in expiredUsed.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
                result.warnings.append("ignore entry '\(entry.id)' at \(entry.file):\(entry.line) expired on \(entry.expires ?? "") and no longer suppresses its findings")
            }
        }

        // Baseline: leave out what was already accepted; what it has and the run does not is fixed.
        if let baseline {
            let known = baseline.fingerprints
            let current = result.findings.map { CheckReport.BaselineEntry($0) }
            result.baselined = current.filter { known.contains($0.fingerprint) }.count
            result.findings = zip(result.findings, current).filter { !known.contains($0.1.fingerprint) }.map(\.0)
            let seen = Set(current.map(\.fingerprint))
            result.fixed = baseline.findings.filter { !seen.contains($0.fingerprint) }
        }

        return result
    }
}
