#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// File names that are not UTF-8. A Swift `String` cannot hold their bytes, so the walk gives
/// such a file a printable path (each byte that is not UTF-8 written `\xFF`) and records the
/// bytes behind it; every system call on a scanned path goes through `withPath`, which opens
/// the real file. Reports name the file by its printable path, the same in every format.
public enum FileSystemPath {
    private final class Table: @unchecked Sendable {
        let lock = NSLock()
        var raw: [String: [UInt8]] = [:]
    }
    private static let table = Table()

    /// The printable form of `name`, and whether it differs from the bytes.
    public static func printable(_ name: UnsafeRawBufferPointer) -> (text: String, escaped: Bool) {
        if let text = String(validating: name.bindMemory(to: UInt8.self), as: UTF8.self) { return (text, false) }
        var text = ""
        var i = 0
        let bytes = Array(name.bindMemory(to: UInt8.self))
        while i < bytes.count {
            // The longest valid UTF-8 sequence starting here, else one escaped byte.
            var taken = false
            for length in stride(from: min(4, bytes.count - i), through: 1, by: -1) {
                if let piece = String(validating: bytes[i..<(i + length)], as: UTF8.self), piece.unicodeScalars.count == 1 {
                    text += piece
                    i += length
                    taken = true
                    break
                }
            }
            if !taken {
                text += "\\x" + String(bytes[i], radix: 16, uppercase: true).leftPadded(to: 2)
                i += 1
            }
        }
        return (text, true)
    }

    /// Records that `printable` names the file whose path bytes are `raw`.
    public static func record(printable: String, raw: [UInt8]) {
        table.lock.lock()
        table.raw[printable] = raw
        table.lock.unlock()
    }

    /// The path bytes behind `path`: recorded ones for a printable path the walk made, else its UTF-8.
    public static func bytes(of path: String) -> [UInt8] {
        table.lock.lock()
        defer { table.lock.unlock() }
        return table.raw[path] ?? Array(path.utf8)
    }

    /// Calls `body` with the NUL-terminated path a system call needs for `path`.
    public static func withPath<T>(_ path: String, _ body: (UnsafePointer<CChar>) -> T) -> T {
        var raw = bytes(of: path)
        raw.append(0)
        return raw.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
