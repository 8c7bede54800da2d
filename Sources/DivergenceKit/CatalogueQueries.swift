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

    /// Point ids close to a mistyped one: a small edit distance to the whole id or to its slug,
    /// or a shared word of four letters or more. Nothing rather than unrelated ids.
    public func suggest(_ id: String) -> [String] {
        let lowered = id.lowercased()
        // Words of the slug only: a domain name shared by twenty points tells none of them apart.
        let typedSlug = lowered.contains(".") ? String(lowered.split(separator: ".", maxSplits: 1).last ?? "") : lowered
        let words = Set(typedSlug.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }).map(String.init).filter { $0.count >= 4 })
        let ids = (try? catalogue.store.pointIndex().map(\.id)) ?? []
        var scored: [(distance: Int, id: String)] = []
        for candidate in ids {
            let slug = String(candidate.split(separator: ".", maxSplits: 1).last ?? Substring(candidate))
            let distance = min(Self.distance(lowered, candidate), Self.distance(lowered, slug))
            let close = distance <= max(2, lowered.count / 4)
            let candidateWords = Set(slug.split(separator: "-").map(String.init))
            if close || !words.isDisjoint(with: candidateWords) { scored.append((close ? distance : 100 - words.intersection(candidateWords).count, candidate)) }
        }
        // Near spellings alone when there are any; otherwise ids sharing a word.
        let near = scored.filter { $0.distance < 100 }
        return (near.isEmpty ? scored : near).sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(5).map(\.id)
    }

    /// Levenshtein distance, over at most 200 characters of each (ids are short).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8.prefix(200)), b = Array(b.utf8.prefix(200))
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
