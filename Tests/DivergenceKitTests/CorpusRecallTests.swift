import DivergenceCore
import DivergenceKit
import DivergenceManifests
import Foundation
import Testing
import Yams

/// Recall over the hand-labelled real manifests of `Tests/Fixtures/real-manifests` (or the
/// folder `DIVERGENCE_CORPUS` names, `Scripts/corpus-recall DIR`): every labelled
/// construct must be found in its domain on its resource, and pinned to its key's line (the
/// finding's own line, or one of its related locations when one finding lists sibling keys).
@Suite struct CorpusRecallTests {
    struct Label {
        var file: String
        var cloud: String
        var kind: String
        var namespace: String?
        var name: String
        var path: String
        var domains: Set<String>
        var primary: Bool
    }

    struct Measurement {
        var total = 0, found = 0, pinned = 0, primaryTotal = 0, primaryFound = 0
        var misses: [String] = []
        var neutralFindings: [Finding] = []
    }

    static func labels() throws -> (labels: [Label], neutral: [String], files: [String: String]) {
        let text = try String(contentsOfFile: TestSupport.corpus + "/labels.yaml", encoding: .utf8)
        let root = try Yams.load(yaml: text) as! [String: Any]
        var labels: [Label] = []
        var neutral: [String] = []
        var clouds: [String: String] = [:]
        for file in root["files"] as! [[String: Any]] {
            let name = file["file"] as! String
            let fileClouds = file["clouds"] as? [String] ?? []
            if fileClouds.isEmpty { neutral.append(name) }
            clouds[name] = fileClouds.first ?? ""
            for c in file["constructs"] as? [[String: Any]] ?? [] {
                let r = c["resource"] as! [String: Any]
                var domains: Set<String> = [c["domain"] as! String]
                for alt in c["alt_domains"] as? [String] ?? [] { domains.insert(alt) }
                labels.append(Label(file: name, cloud: c["cloud"] as! String, kind: r["kind"] as! String,
                                    namespace: r["namespace"] as? String, name: "\(r["name"]!)",
                                    path: c["path"] as! String, domains: domains, primary: c["primary"] as? Bool ?? false))
            }
        }
        return (labels, neutral, clouds)
    }

    /// The line of the key (or list item) a label's path names.
    static func line(of path: String, in resource: LocatedResource) -> Int? {
        guard let parsed = try? FieldPath.parse(path) else { return nil }
        var node = resource.root
        var line = node.location.line
        for step in parsed.steps {
            switch step {
            case .key(let k):
                guard let entry = node.entry(k) else { return nil }
                node = entry.value
                line = entry.keyLocation.line
            case .index(let i):
                guard let items = node.items, i < items.count else { return nil }
                node = items[i]
                line = node.location.line
            default: return nil
            }
        }
        return line
    }

    static func measure() throws -> Measurement {
        let (labels, neutral, clouds) = try labels()
        let run = TestSupport.checkRun
        let directory = TestSupport.temporaryDirectory()
        var m = Measurement()
        let targetFor = ["aws": Platform.azure, "azure": .gcp, "gcp": .aws]
        for (index, file) in Set(labels.map(\.file)).union(neutral).sorted().enumerated() {
            // A neutral name: the corpus names reveal the cloud.
            let copy = directory + "/input-\(index).yaml"
            try FileManager.default.copyItem(atPath: TestSupport.corpus + "/" + file, toPath: copy)
            let cloud = clouds[file] ?? ""
            let targets: [Platform] = cloud.isEmpty ? Platform.clouds : [targetFor[cloud]!]
            let report = run.run(CheckOptions(paths: [copy], to: targets))
            if cloud.isEmpty {
                m.neutralFindings += report.findings.filter { $0.score >= 50 }
                continue
            }
            let resources = ManifestLoader().load(paths: [copy]).resources
            for label in labels where label.file == file {
                m.total += 1
                if label.primary { m.primaryTotal += 1 }
                let onResource = report.findings.filter {
                    $0.resource.kind == label.kind && $0.resource.name == label.name && $0.resource.namespace == label.namespace
                }
                let inDomain = onResource.filter { label.domains.contains($0.domain.rawValue) }
                guard !inDomain.isEmpty else {
                    m.misses.append("\(file): \(label.kind)/\(label.name) \(label.path) [\(label.domains.sorted().joined(separator: ","))]")
                    continue
                }
                m.found += 1
                if label.primary { m.primaryFound += 1 }
                let resource = resources.first { $0.ref.kind == label.kind && $0.ref.name == label.name && $0.ref.namespace == label.namespace }
                if let resource, let line = line(of: label.path, in: resource), inDomain.contains(where: { $0.line == line || $0.related?.contains { $0.line == line } == true }) {
                    m.pinned += 1
                } else {
                    m.misses.append("\(file): not pinned: \(label.kind)/\(label.name) \(label.path)")
                }
            }
        }
        return m
    }

    @Test func recallAndPinningOverTheLabelledCorpus() throws {
        let m = try Self.measure()
        let recall = Double(m.found) / Double(m.total)
        let primary = Double(m.primaryFound) / Double(m.primaryTotal)
        let pinned = Double(m.pinned) / Double(m.total)
        print("corpus recall: \(m.found)/\(m.total) = \(String(format: "%.1f", recall * 100))%; primary \(m.primaryFound)/\(m.primaryTotal) = \(String(format: "%.1f", primary * 100))%; pinned \(m.pinned)/\(m.total) = \(String(format: "%.1f", pinned * 100))%")
        for miss in m.misses { print("  miss: \(miss)") }
        #expect(recall >= 0.95, "recall of all labelled constructs")
        #expect(primary >= 1.0, "recall of primary constructs")
        #expect(pinned >= 0.90, "findings on the labelled key's line")
    }

    /// Files with no cloud construct may still carry portable ones whose behaviour differs
    /// (a NetworkPolicy, a plain LoadBalancer Service): reported, but none scores in the high band.
    @Test func neutralControlFilesHaveNoFindingInTheHighBand() throws {
        let m = try Self.measure()
        for f in m.neutralFindings { print("  neutral: \(f.ruleId) \(f.severity) \(f.score) \(f.file):\(f.line) \(f.evidence)") }
        #expect(m.neutralFindings.isEmpty)
    }
}
