/// A problem in the catalogue sources, with where it is.
public struct CatalogueIssue: Sendable, Hashable, Codable, CustomStringConvertible, Error {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}
