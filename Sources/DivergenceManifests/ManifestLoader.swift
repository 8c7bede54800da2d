import DivergenceCore
import Foundation

/// Why an input, or one document of it, was not analysed.
public struct SkippedInput: Sendable, Codable, Hashable {
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file; self.line = line; self.reason = reason
    }
}

/// An input that could not be read or parsed.
public struct InputError: Sendable, Codable, Hashable, Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Everything read from a set of inputs, in a deterministic order (by file, then document).
public struct ManifestSet: Sendable {
    public var files: Int = 0
    public var documents: Int = 0
    public var resources: [LocatedResource] = []
    public var skipped: [SkippedInput] = []
    public var errors: [InputError] = []

    public init() {}

    public mutating func append(_ other: ManifestSet) {
        files += other.files
        documents += other.documents
        resources += other.resources
        skipped += other.skipped
        errors += other.errors
    }
}

/// Reads Kubernetes manifests from files, directories and standard input.
///
/// Files are parsed concurrently; results keep the order of the inputs. A file that cannot be
/// read or parsed becomes an `InputError` and the other files are still read.
public struct ManifestLoader: Sendable {
    /// File extensions a directory scan picks up.
    public static let extensions: Set<String> = ["yaml", "yml", "json"]
    /// Upper bound on nodes one document may expand to (alias bombs stop here).
    public var maxNodesPerDocument = 2_000_000
    /// Upper bound on nesting depth (deeper documents are refused; the parser keeps an
    /// explicit stack, so depth never threatens a worker thread's stack).
    public var maxDepth = 128
    /// Files larger than this are skipped with a reason instead of being read.
    public var maxFileBytes = 16 * 1024 * 1024
    /// Items of one `kind: List`: far more than any real list, and each item costs a resource or
    /// a line of the report.
    static let maxListItems = 100_000
    /// Shown every key and scalar as documents are parsed; each resource then carries the
    /// literals its document holds (`LocatedResource.literalMarks`).
    public var literalScanner: (any LiteralScanner)?

    public init() {}

    /// Expands `paths` into the files to read: a directory recursively (hidden entries and
    /// symlink loops skipped), a file as given, `-` as standard input.
    public func expand(paths: [String]) -> (files: [String], errors: [InputError]) {
        var files: [String] = []
        var errors: [InputError] = []
        let fm = FileManager.default
        for path in paths {
            if path == "-" { files.append(path); continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                errors.append(InputError(file: path, message: "no such file or directory"))
                continue
            }
            if isDir.boolValue {
                var visited = Set<DirectoryIdentity>()
                walk(directory: path, into: &files, errors: &errors, visited: &visited)
            } else {
                files.append(path)
            }
        }
        return (files, errors)
    }

    /// A directory as the file system knows it, for symlink-loop detection.
    struct DirectoryIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// Why a path could not be read, in words (a path past the system limit says so: the file
    /// exists but no system call can reach it, so it must be moved or excluded).
    static func describe(errno code: Int32, reading what: String) -> String {
        switch code {
        case ENAMETOOLONG: "path longer than the system allows (\(PATH_MAX) bytes, or a name over 255); this \(what) is not checked: shorten the path or exclude it"
        case ELOOP: "too many levels of symbolic links; this \(what) is not checked"
        case EACCES, EPERM: "cannot read \(what): permission denied"
        case ENOENT: "no such file or directory"
        default: "cannot read \(what): \(String(cString: strerror(code)))"
        }
    }

    /// Walks with `readdir`: the entry type comes with the name, so only symbolic links (and
    /// file systems that do not give a type) cost a `stat` — not every file of a large tree.
    private func walk(directory: String, into files: inout [String], errors: inout [InputError], visited: inout Set<DirectoryIdentity>) {
        var info = stat()
        guard FileSystemPath.withPath(directory, { stat($0, &info) }) == 0 else {
            errors.append(InputError(file: directory, message: Self.describe(errno: errno, reading: "directory")))
            return
        }
        guard visited.insert(DirectoryIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { return }
        guard let handle = FileSystemPath.withPath(directory, { opendir($0) }) else {
            errors.append(InputError(file: directory, message: Self.describe(errno: errno, reading: "directory")))
            return
        }
        var entries: [(name: String, type: UInt8, raw: [UInt8]?)] = []
        let parentRaw = FileSystemPath.bytes(of: directory)
        let parentRecorded = parentRaw != Array(directory.utf8)
        while let entry = readdir(handle) {
            let (name, raw) = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                let bytes = UnsafeRawBufferPointer(rebasing: buffer.prefix { $0 != 0 })
                let (text, escaped) = FileSystemPath.printable(bytes)
                return (text, escaped ? Array(bytes) : nil)
            }
            guard !name.hasPrefix(".") else { continue }
            entries.append((name, entry.pointee.d_type, raw))
        }
        closedir(handle)
        entries.sort { $0.name < $1.name }
        for (name, type, raw) in entries {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if raw != nil || parentRecorded {
                // A name that is not UTF-8 (or inside a folder whose name is not): keep its bytes.
                let separator: [UInt8] = parentRaw.last == 0x2F ? [] : [0x2F]
                FileSystemPath.record(printable: child, raw: parentRaw + separator + (raw ?? Array(name.utf8)))
            }
            var isDirectory = type == UInt8(DT_DIR)
            var isFile = type == UInt8(DT_REG)
            if type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) {
                var target = stat()
                guard FileSystemPath.withPath(child, { stat($0, &target) }) == 0 else {
                    // A dangling link names nothing to check; any other failure hides a file.
                    if errno != ENOENT { errors.append(InputError(file: child, message: Self.describe(errno: errno, reading: "file"))) }
                    continue
                }
                isDirectory = (target.st_mode & S_IFMT) == S_IFDIR
                isFile = !isDirectory
            }
            if isDirectory {
                walk(directory: child, into: &files, errors: &errors, visited: &visited)
            } else if isFile, Self.hasManifestExtension(name) {
                files.append(child)
            }
        }
    }

    static func hasManifestExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Loads every input; `stdin` is read only when `-` is among the paths.
    public func load(paths: [String], stdin: @Sendable () -> Data? = { ManifestLoader.standardInput() },
                     excluded: @Sendable (String) -> Bool = { _ in false },
                     progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) -> ManifestSet {
        let (parts, expandErrors) = loadEach(paths: paths, stdin: stdin, excluded: excluded, progress: progress) { $0 }
        var result = ManifestSet()
        result.errors = expandErrors
        for part in parts { result.append(part) }
        return result
    }

    /// Reads files concurrently and hands each file's contents to `transform` on the worker
    /// that read it, so a caller can reduce a file to what it needs (and let its trees go)
    /// before the next one is read. Results keep the order of the files.
    public func loadEach<T: Sendable>(paths: [String], stdin: @Sendable () -> Data? = { ManifestLoader.standardInput() },
                                      excluded: @Sendable (String) -> Bool = { _ in false },
                                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil,
                                      transform: @Sendable (ManifestSet) -> T) -> (results: [T], errors: [InputError]) {
        let (expanded, expandErrors) = expand(paths: paths)
        return (loadEach(files: expanded, stdin: stdin, excluded: excluded, progress: progress, transform: transform), expandErrors)
    }

    /// The same over files already expanded (see `expand(paths:)`), for a caller that needs
    /// the file list first and should not walk the directories twice.
    public func loadEach<T: Sendable>(files expanded: [String], stdin: @Sendable () -> Data? = { ManifestLoader.standardInput() },
                                      excluded: @Sendable (String) -> Bool = { _ in false },
                                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil,
                                      transform: @Sendable (ManifestSet) -> T) -> [T] {
        let files = expanded.filter { $0 == "-" || !excluded($0) }
        let slots = ResultSlots<T>(count: files.count)
        let limit = maxFileBytes
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            defer { if let progress { progress(slots.finish(), files.count) } }
            let file = files[index]
            let contents: FileContents
            if file == "-" {
                // Standard input is read up to one byte past the limit (`standardInput`): more is too large.
                contents = stdin().map { $0.count > limit ? .tooLarge($0.count) : .bytes(Array($0)) } ?? .unreadable("cannot read standard input")
            } else {
                contents = Self.read(file, limit: limit)
            }
            switch contents {
            case .bytes(let bytes):
                slots.set(index, transform(bytes.withUnsafeBytes { load(bytes: $0, file: file) }))
            case .tooLarge(let size):
                var skipped = ManifestSet()
                skipped.files = 1
                // Named or found but not analysed: an error, so the run fails closed (exit 2).
                skipped.errors = [InputError(file: file, message: "larger than \(limit / 1024 / 1024) MB (\(size / 1024 / 1024) MB); not analysed")]
                slots.set(index, transform(skipped))
            case .unreadable(let reason):
                var failed = ManifestSet()
                failed.files = 1
                failed.errors = [InputError(file: file, message: reason)]
                slots.set(index, transform(failed))
            }
        }
        return slots.values
    }

    enum FileContents {
        case bytes([UInt8]), tooLarge(Int), unreadable(String)
    }

    /// A regular file's bytes with one open, one fstat and as few reads as its size needs.
    /// Standard input, read up to `limit + 1` bytes and no further: `yes | divergence check -`
    /// must not grow without end. A result longer than `limit` means "too large".
    public static func standardInput(limit: Int = 16 * 1024 * 1024) -> Data? {
        var data = Data()
        while data.count <= limit {
            guard let chunk = try? FileHandle.standardInput.read(upToCount: min(1 << 16, limit + 1 - data.count)), !chunk.isEmpty else { break }
            data.append(chunk)
        }
        return data
    }

    static func read(_ path: String, limit: Int) -> FileContents {
        // Non-blocking, so a FIFO named as an argument is refused instead of waited on.
        let fd = FileSystemPath.withPath(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard fd >= 0 else { return .unreadable(Self.describe(errno: errno, reading: "file")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .unreadable(Self.describe(errno: errno, reading: "file")) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .unreadable(info.st_mode & S_IFMT == S_IFIFO ? "a named pipe (FIFO), not a regular file; not read" : "not a regular file (a device or socket); not read")
        }
        let size = Int(info.st_size)
        if size > limit { return .tooLarge(size) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .unreadable(Self.describe(errno: errno, reading: "file")) }
            if n == 0 { break }  // the file shrank while being read: keep what was there
            done += n
        }
        if done < size { bytes.removeLast(size - done) }
        return .bytes(bytes)
    }

    /// Loads one file's bytes.
    public func load(data: Data, file: String) -> ManifestSet {
        data.withUnsafeBytes { load(bytes: $0, file: file) }
    }

    /// Loads one file's text.
    public func load(text: String, file: String) -> ManifestSet {
        var text = text
        return text.withUTF8 { load(bytes: UnsafeRawBufferPointer($0), file: file) }
    }

    /// Loads one file from its bytes, which are never copied into a `String` as a whole: the
    /// parser reads them in place and only keys and values become strings.
    func load(bytes: UnsafeRawBufferPointer, file: String) -> ManifestSet {
        var result = ManifestSet()
        result.files = 1
        if bytes.isEmpty {
            result.skipped.append(SkippedInput(file: file, reason: "empty file"))
            return result
        }
        if ByteSearch.contains(byte: 0, in: bytes, limit: 8192) {
            result.errors.append(InputError(file: file, message: "binary file (contains NUL bytes); not analysed"))
            return result
        }
        guard Self.isValidUTF8(bytes) else {
            result.errors.append(InputError(file: file, message: "not valid UTF-8 text"))
            return result
        }
        if let line = Self.templateLine(in: bytes) {
            result.errors.append(InputError(file: file, line: line,
                message: "unrendered template ({{ … }}), not analysed: render it first (`divergence check --helm CHART`, or `helm template CHART | divergence check - --to …`) or exclude it"))
            return result
        }
        let sources = Self.helmSourceComments(in: bytes)
        var parser = EventParser(maxDepth: maxDepth, maxNodes: maxNodesPerDocument)
        parser.scanner = literalScanner
        var index = 0
        for document in parser.documents(of: bytes) {
            switch document {
            case .problem(let problem) where problem.syntax && ByteSearch.contains(bytes, Self.templateOpen):
                result.errors.append(InputError(file: file, line: problem.line,
                    message: "looks like an unrendered template ({{ … }}) and is not valid YAML, not analysed: render it first (`helm template`) and pipe the output in, or exclude it"))
            case .problem(let problem) where problem.nonStringKey && ByteSearch.contains(bytes, Self.templateOpen):
                // `name: {{ .Values.name }}` is valid YAML: a flow mapping whose key is a flow mapping.
                result.errors.append(InputError(file: file, line: problem.line,
                    message: "unrendered template ({{ … }} read as a YAML mapping), not analysed: render it first (`divergence check --helm CHART`, or `helm template CHART | divergence check - --to …`) or exclude it"))
                index += 1
            case .problem(let problem):
                // One bad document (an alias bomb, deep nesting, duplicate keys) does not lose the others.
                result.errors.append(InputError(file: file, line: problem.line, message: problem.message))
                index += 1
            case .node(let node, let marks):
                if case .scalar(let s) = node.value, s.isEmpty || s == "~" || s == "null" { continue }
                defer { index += 1 }
                result.documents += 1
                let source = sources.last { $0.line <= node.location.line }
                expand(document: node, file: file, index: index, renderedFrom: source.map { ($0.source, $0.line) }, marks: marks, into: &result)
            }
        }
        result.skipped = Self.aggregated(result.skipped, file: file, reason: \.reason) { first, more, cause in
            SkippedInput(file: file, line: first.line, reason: "and \(more) more document(s) skipped for the same reason: \(cause)")
        }
        result.errors = Self.aggregated(result.errors, file: file, reason: \.message) { first, more, cause in
            InputError(file: file, line: first.line, message: "and \(more) more document(s) not analysed for the same reason: \(cause)")
        }
        return result
    }

    /// Entries of one cause listed before the rest are counted in one line: a file of 100,000
    /// documents without `kind` is one cause, not a 10 MB report.
    static let maxListedPerCause = 10

    /// Keeps the first `maxListedPerCause` entries of each cause (the reason with document
    /// numbers and lines taken out) and replaces the rest with one summary entry.
    static func aggregated<Entry>(_ entries: [Entry], file: String, reason: (Entry) -> String,
                                  summary: (_ first: Entry, _ more: Int, _ cause: String) -> Entry) -> [Entry] {
        guard entries.count > maxListedPerCause else { return entries }
        func cause(_ text: String) -> String {
            Prose.cause(text).replacingOccurrences(of: #"\(first at line [0-9]+\)"#, with: "", options: .regularExpression)
        }
        var counts: [String: Int] = [:]
        var omitted: [String: (first: Entry, count: Int)] = [:]
        var order: [String] = []
        var kept: [Entry] = []
        for entry in entries {
            let key = cause(reason(entry))
            counts[key, default: 0] += 1
            if counts[key]! <= maxListedPerCause {
                kept.append(entry)
            } else if let seen = omitted[key] {
                omitted[key] = (seen.first, seen.count + 1)
            } else {
                omitted[key] = (entry, 1)
                order.append(key)
            }
        }
        for key in order { kept.append(summary(omitted[key]!.first, omitted[key]!.count, key)) }
        return kept
    }

    /// Turns one parsed document into resources, expanding `kind: List`.
    private func expand(document: ManifestNode, file: String, index: Int, renderedFrom: (String, Int)?, marks: LiteralMarks?, into result: inout ManifestSet) {
        guard document.entries != nil else {
            result.skipped.append(SkippedInput(file: file, line: document.location.line,
                reason: "document \(index + 1) is not a mapping, so not a Kubernetes object"))
            return
        }
        let apiVersion = document["apiVersion"]?.scalar
        let kind = document["kind"]?.scalar
        guard let apiVersion, let kind, !apiVersion.isEmpty, !kind.isEmpty else {
            result.skipped.append(SkippedInput(file: file, line: document.location.line,
                reason: "document \(index + 1) has no apiVersion/kind, so not a Kubernetes object (Helm values, CI or other configuration)"))
            return
        }
        if kind.hasSuffix("List"), let items = document["items"]?.items {
            if items.count > Self.maxListItems {
                result.errors.append(InputError(file: file, line: document.location.line,
                                                message: "a \(kind) of \(items.count) items (more than \(Self.maxListItems)); not analysed"))
                return
            }
            for item in items {
                // The items share their list's marks: a superset, which the gate allows.
                expand(document: item, file: file, index: index, renderedFrom: renderedFrom, marks: marks, into: &result)
            }
            return
        }
        let metadata = document["metadata"]
        let name = metadata?["name"]?.scalar ?? metadata?["generateName"]?.scalar ?? "(unnamed)"
        let namespace = metadata?["namespace"]?.scalar
        let ref = ResourceRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        let kindLocation = document.entry("kind")?.keyLocation ?? document.location
        result.resources.append(LocatedResource(ref: ref, file: file, document: index, location: document.location,
                                                kindLocation: kindLocation, root: document, renderedFrom: renderedFrom?.0,
                                                renderedLineOffset: renderedFrom?.1 ?? 0, literalMarks: marks))
    }

    static let templateOpen = Array("{{".utf8)
    static let sourceComment = Array("# Source: ".utf8)

    /// Whether `bytes` are UTF-8. Manifests are nearly always ASCII, checked eight bytes at a
    /// time; only a file with other bytes is validated in full.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let words = bytes.count / 8
        while i < words {
            if bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
            }
            i += 1
        }
        for j in (words * 8)..<bytes.count where bytes[j] & 0x80 != 0 {
            return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
        }
        return true
    }

    /// The first line that starts with a template directive, if any.
    static func templateLine(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard ByteSearch.contains(bytes, templateOpen) else { return nil }
        var line = 1
        var start = 0
        while start < bytes.count {
            var i = start
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            if i + 1 < bytes.count, bytes[i] == 0x7b, bytes[i + 1] == 0x7b { return line }
            if i + 3 < bytes.count, bytes[i] == 0x2d, bytes[i + 1] == 0x20, bytes[i + 2] == 0x7b, bytes[i + 3] == 0x7b { return line }
            guard let base = bytes.baseAddress, let newline = memchr(base + start, 0x0a, bytes.count - start) else { break }
            start = UnsafeRawPointer(newline) - base + 1
            line += 1
        }
        return nil
    }

    /// `# Source: chart/templates/x.yaml` comments that `helm template` writes before each document.
    static func helmSourceComments(in bytes: UnsafeRawBufferPointer) -> [(line: Int, source: String)] {
        var found: [(Int, String)] = []
        var line = 1
        var counted = 0
        var from = 0
        while let at = ByteSearch.firstIndex(of: sourceComment, in: bytes, from: from) {
            for i in counted..<at where bytes[i] == 0x0a { line += 1 }
            counted = at
            from = at + sourceComment.count
            guard at == 0 || bytes[at - 1] == 0x0a else { continue }
            var end = from
            while end < bytes.count, bytes[end] != 0x0a { end += 1 }
            let source = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self)
            found.append((line, source.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return found
    }
}

/// Per-file results written from concurrent workers, read once all are done.
private final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    private var finished = 0

    func set(_ index: Int, _ value: T) {
        lock.lock(); storage[index] = value; lock.unlock()
    }

    /// Counts one more file done; returns the count.
    func finish() -> Int {
        lock.lock(); defer { lock.unlock() }
        finished += 1
        return finished
    }

    var values: [T] { lock.lock(); defer { lock.unlock() }; return storage.map { $0! } }
}

/// `read(2)`, named apart from `ManifestLoader.read(_:limit:)`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
