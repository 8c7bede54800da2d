import Foundation

/// The migration-risk formula (docs/risk-model.md).
///
/// A finding scores `100 × severity × confidence × equivalence`, held under the ceiling of its
/// severity's band. A group of findings (a workload, a domain, a target) scores the largest of
/// them plus a damped share of every other, `100 × (1 − (1 − s₁) × Π(1 − d × sᵢ))` with scores
/// as fractions sorted high to low and `d = 0.2`, held in the level band of the group's largest
/// finding: however many low findings a group has, it stays in the low band, and volume shows
/// in counts and effort. The result stays in [0, 100], is independent of input order, and never
/// drops when a finding is added.
public enum RiskModel {
    /// How much each finding after the largest adds.
    public static let damping = 0.2

    /// The highest score a finding, or a group whose worst finding has `severity`, may reach:
    /// the top of the level band the severity names (info and low stay low, medium moderate,
    /// high high; only a critical finding can make a critical score).
    public static func ceiling(_ severity: Severity) -> Double {
        switch severity {
        case .info: 10
        case .low: 24
        case .medium: 49
        case .high: 74
        case .critical: 100
        }
    }

    /// A finding's score, rounded to one decimal so every format shows the same number.
    public static func score(severity: Severity, confidence: Confidence, equivalence: Equivalence) -> Double {
        min((100 * severity.weight * confidence.weight * equivalence.weight * 10).rounded() / 10, ceiling(severity))
    }

    /// The combined score of a group of finding scores whose worst severity is `worst`: the
    /// damped sum, held in the level band of the group's largest finding (never above its worst
    /// severity's ceiling). Thirteen moderate findings make a moderate group, however many more
    /// there are; only a finding that scores critical makes a critical group.
    public static func aggregate(_ scores: [Double], worst: Severity) -> Int {
        guard let largest = scores.max() else { return 0 }
        return min(aggregate(scores), Int(ceiling(worst)), bandTop(largest))
    }

    /// The highest score of the level band `score` falls in (24, 49, 74 or 100).
    public static func bandTop(_ score: Double) -> Int {
        switch score {
        case ..<25: 24
        case ..<50: 49
        case ..<75: 74
        default: 100
        }
    }

    /// The damped combination alone, without a severity ceiling. Not generic, so it runs
    /// specialised from other modules: a report aggregates once per workload, domain and target.
    public static func aggregate(_ scores: [Double]) -> Int {
        var sorted = scores
        for i in sorted.indices { sorted[i] = min(max(sorted[i], 0), 100) / 100 }
        sorted.sort(by: >)
        guard let largest = sorted.first else { return 0 }
        var remaining = 1 - largest
        for s in sorted.dropFirst() { remaining *= 1 - damping * s }
        return Int((100 * (1 - remaining)).rounded())
    }
}
