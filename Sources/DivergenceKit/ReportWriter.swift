import CProcessGuard
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
        // Only regular files: renaming over a device or a pipe (`/dev/null`, a FIFO) would
        // replace it with a file, and writing into one is not a report on disk. Standard output
        // is named `-`, which the caller handles. A symbolic link is refused too: followed, a
        // link planted in a scanned tree would aim the report at any file (`/etc/…`); replaced,
        // `/dev/stdout` would become a file.
        var info = stat()
        if lstat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR { throw WriteError(description: "\(path) is a directory") }
            if type == S_IFLNK {
                throw WriteError(description: "\(path) is a symbolic link; name the file itself, or use `-` for standard output")
            }
            if type != S_IFREG {
                throw WriteError(description: "\(path) is not a regular file (a device, pipe or socket); write to a file, or use `-` for standard output")
            }
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw WriteError(description: "cannot create a file in \(directory)")
        }
        // Removed by the signal handler if the run is interrupted before the rename.
        let slot = pg_register_path(temporary)
        defer { pg_forget_path(slot) }
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
        try write(Data(text.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { try $0.write(contentsOf: data) }
    }
}
