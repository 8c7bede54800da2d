import Foundation

/// Writes a report so that no reader ever sees half of it: a temporary file in the same
/// directory, renamed into place.
public enum ReportWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes through `body` into a temporary file in the same directory, then renames it into
    /// place; on any error the temporary file is removed and the old report stays.
    public static func write(to path: String, body: (FileHandle) throws -> Void) throws {
        // A device or a pipe (`/dev/stdout`, a FIFO) is written as it is: renaming a file over it
        // would replace the device with a regular file.
        var info = stat()
        if lstat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR { throw WriteError(description: "\(path) is a directory") }
            if type == S_IFCHR || type == S_IFIFO || type == S_IFSOCK {
                guard let handle = FileHandle(forWritingAtPath: path) else { throw WriteError(description: "cannot open \(path) for writing") }
                defer { try? handle.close() }
                try body(handle)
                return
            }
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw WriteError(description: "cannot create a file in \(directory)")
        }
        do {
            try body(handle)
            try handle.close()
        } catch {
            try? handle.close()
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: reason)
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(to: path) { try $0.write(contentsOf: Data(text.utf8)) }
    }
}
