import DivergenceKit
import Foundation
import Testing

/// The compiled-catalogue cache: old databases do not pile up, and nothing in use is removed.
@Suite struct CatalogueCacheTests {
    @Test func rebuildRemovesTheOldestDatabasesButNothingRecent() throws {
        let cache = TestSupport.temporaryDirectory()
        let files = FileManager.default
        func plant(_ name: String, hoursAgo: Double) throws {
            let path = cache + "/" + name
            #expect(files.createFile(atPath: path, contents: Data("old".utf8)))
            try files.setAttributes([.modificationDate: Date().addingTimeInterval(-hoursAgo * 3600)], ofItemAtPath: path)
        }
        // Twenty databases of earlier catalogue versions, days old; two written minutes ago by
        // other runs; and a file that is not ours.
        for day in 1...20 { try plant("catalogue-old\(day).sqlite", hoursAgo: Double(day) * 24) }
        try plant("catalogue-recent1.sqlite", hoursAgo: 0.1)
        try plant("catalogue-recent2.sqlite", hoursAgo: 0.2)
        try plant("notes.txt", hoursAgo: 24 * 40)

        let catalogue = try Catalogue.load(dataDirectories: [TestSupport.dataDirectory], cacheDirectory: cache)
        #expect(catalogue.rebuilt)
        #expect(!catalogue.points.isEmpty)

        let left = Set(try files.contentsOfDirectory(atPath: cache))
        #expect(left.contains("catalogue-recent1.sqlite") && left.contains("catalogue-recent2.sqlite"))
        #expect(left.contains("notes.txt"), "only the cache's own databases are pruned")
        // Sixteen databases stay: the new one, the two recent ones and the thirteen newest old ones.
        #expect(left.filter { $0.hasSuffix(".sqlite") }.count == 16)
        #expect(left.contains("catalogue-old13.sqlite") && !left.contains("catalogue-old14.sqlite"))
        #expect(!left.contains("catalogue-old20.sqlite"))

        // The cached database is used as is next time, and pruning leaves it alone.
        let again = try Catalogue.load(dataDirectories: [TestSupport.dataDirectory], cacheDirectory: cache)
        #expect(!again.rebuilt)
        #expect(again.points.count == catalogue.points.count)
    }
}
