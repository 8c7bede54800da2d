import Foundation

/// Finds which of a fixed set of literals occur in text (the rule engine's literal gate).
///
/// Given to the manifest loader, it is shown every key and scalar of a document while the
/// parser holds its bytes, so the gate needs no second walk over the parsed tree.
public protocol LiteralScanner: AnyObject, Sendable {
    /// Told apart from every other scanner: marks made by one mean nothing to another.
    var scannerID: Int { get }
    /// How many literals; marks are indexed by literal.
    var literalCount: Int { get }
    /// Sets `marks[i]` for every literal `i` that occurs in `bytes`.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into marks: UnsafeMutableBufferPointer<Bool>)
}

/// The literals found in one document as it was parsed, and by which scanner.
public struct LiteralMarks: Sendable, Hashable {
    public var scannerID: Int
    public var found: [Bool]

    public init(scannerID: Int, found: [Bool]) {
        self.scannerID = scannerID; self.found = found
    }

    /// A number no other scanner of this process has.
    public static func newScannerID() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var next = 0
}
