import DivergenceCatalogue
import DivergenceCore
import DivergenceReports
import Foundation

/// The questions the query commands ask of a catalogue.
public struct CatalogueQueries {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    public func topics(domain: Domain?) throws -> TopicsView {
        let index = try catalogue.store.pointIndex()
            .sorted { (Domain(rawValue: $0.domain) ?? .identity, $0.id) < (Domain(rawValue: $1.domain) ?? .identity, $1.id) }
        let counts = Domain.workOrder.map { d in TopicsView.DomainCount(domain: d.rawValue, points: index.filter { $0.domain == d.rawValue }.count) }
        let listed = index.filter { domain == nil || $0.domain == domain?.rawValue }
        return TopicsView(domains: counts, points: listed.map { .init(id: $0.id, title: $0.title, domain: $0.domain) })
    }

    /// One point by id, decoded alone.
    public func point(_ id: String) throws -> DivergencePoint? { try catalogue.store.point(id: id) }

    /// Ranked full-text search; when no point holds every word, points holding any of them.
    public func search(_ text: String, domain: Domain?, limit: Int) throws -> [SearchResultView] {
        var hits = try catalogue.store.search(text, domain: domain, limit: limit)
        if hits.isEmpty { hits = try catalogue.store.search(text, domain: domain, limit: limit, matchAll: false) }
        return hits.map { SearchResultView(id: $0.id, title: $0.title, domain: $0.domain, snippet: $0.snippet, rank: $0.rank) }
    }

    public func compare(from: Platform, to: Platform, domain: Domain?) -> [ComparisonRow] {
        catalogue.points.values
            .filter { domain == nil || $0.domain == domain }
            .compactMap { p -> ComparisonRow? in
                guard let pair = p.pair(from: from, to: to) else { return nil }
                return ComparisonRow(id: p.id, title: p.title, domain: p.domain.rawValue, severity: pair.severity,
                                     equivalence: pair.equivalence, effort: pair.effort,
                                     from: p.platforms[from]?.behaviour ?? "", to: p.platforms[to]?.behaviour ?? "",
                                     mitigation: pair.note ?? p.mitigation)
            }
            .sorted { ($1.severity, $1.equivalence, $0.id) < ($0.severity, $0.equivalence, $1.id) }
    }

    /// Point ids close to a mistyped one.
    public func suggest(_ id: String) -> [String] {
        let lowered = id.lowercased()
        let parts = lowered.split(whereSeparator: { $0 == "." || $0 == "-" }).map(String.init)
        let ids = (try? catalogue.store.pointIndex().map(\.id)) ?? []
        return ids.filter { key in parts.contains { !$0.isEmpty && key.contains($0) } }.sorted().prefix(5).map { $0 }
    }
}
