import CLibYAML
import DivergenceCore

/// A YAML problem with its 1-based line.
struct YAMLProblem: Error {
    var line: Int?
    var message: String
    /// The stream is not valid YAML at all (as opposed to one bad document).
    var syntax = false
    /// A mapping or list written as a key: valid YAML that no Kubernetes object (JSON, string
    /// keys only) can hold, and what an unrendered `name: {{ .Values.name }}` parses as.
    var nonStringKey = false
}

/// Builds `ManifestNode` documents straight from libyaml's events: one pass, an explicit stack
/// (deep nesting is refused, never overflows a thread's stack), aliases expanded under a node
/// budget (alias bombs are refused), merge keys spliced, duplicate keys reported with their line.
struct EventParser {
    var maxDepth: Int
    var maxNodes: Int
    /// Nodes that aliases may add across a whole file: the per-document budget alone lets a
    /// file of many small alias bombs cost its document count times the budget.
    var maxAliasNodesPerFile = 200_000
    /// Documents read from one file: a file of millions of `---` separators would otherwise cost
    /// memory per document. The rest of such a file is refused with its line.
    var maxDocuments = 100_000
    /// Shown every key and scalar of each document, while its bytes are at hand.
    var scanner: (any LiteralScanner)?

    /// A document (with the literals the scanner found in it), or a problem confined to that
    /// document (the stream goes on).
    enum Document {
        case node(ManifestNode, LiteralMarks?)
        case problem(YAMLProblem)
    }

    /// A collection being built. A struct in the stack array, updated in place: a class per
    /// collection was an allocation for every mapping and list of every file.
    private struct Frame {
        enum Kind { case mapping, sequence }
        let kind: Kind
        let location: SourceLocation
        let anchor: String?
        var items: [ManifestNode] = []
        var entries: [ManifestNode.Entry] = []
        var pendingKey: (String, SourceLocation, isMerge: Bool)?
        /// Keys written in this mapping once a merge key has spliced others in (before that,
        /// `entries` holds exactly the written keys and is searched instead).
        var keys: [(String, Int)] = []
        /// Written keys by name, once a mapping grows long (hostile input must stay linear).
        var keyIndex: [String: Int]?
        var merged = false
        var duplicate: (key: String, line: Int, first: Int)?
        /// The line of the first key that is a mapping or a list.
        var nonStringKey: Int?
        /// Nodes this collection expands to, for the alias budget.
        var size = 1

        init(_ kind: Kind, _ location: SourceLocation, _ anchor: String?) {
            self.kind = kind; self.location = location; self.anchor = anchor
        }

        /// The line a key was first written on, if it was. Mutating only so that a call on
        /// `stack[top]` works in place: a non-mutating call copied the whole frame each key.
        mutating func line(of key: String) -> Int? {
            if let keyIndex { return keyIndex[key] }
            if merged { return keys.first { $0.0 == key }?.1 }
            for i in entries.indices where entries[i].key == key { return entries[i].keyLocation.line }
            return nil
        }

        /// Records a written key (its value is not attached yet).
        mutating func note(key: String, line: Int) {
            if merged { keys.append((key, line)) }
            if keyIndex != nil {
                keyIndex![key] = keyIndex![key] ?? line
            } else if (merged ? keys.count : entries.count + 1) > 16 {
                let written = merged ? keys : entries.map { ($0.key, $0.keyLocation.line) } + [(key, line)]
                keyIndex = Dictionary(written, uniquingKeysWith: { first, _ in first })
            }
        }

        /// Before the first merge: from now on written keys (the merge key among them) are told
        /// apart from merged ones.
        mutating func beginMerging(mergeKeyLine: Int) {
            guard !merged else { return }
            keys = entries.map { ($0.key, $0.keyLocation.line) } + [("<<", mergeKeyLine)]
            merged = true
        }
    }

    /// Parses every document of `bytes`, read in place. A syntax error ends the stream: the documents before it
    /// are kept and the error is the last element, a problem with `syntax` set.
    func documents(of bytes: UnsafeRawBufferPointer) -> [Document] {
        guard !bytes.isEmpty else { return [] }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return [.problem(YAMLProblem(line: nil, message: "cannot initialise the YAML parser", syntax: true))] }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
        return run(&parser)
    }

    private func run(_ parser: inout yaml_parser_t) -> [Document] {
        var result: [Document] = []
        var stack: [Frame] = []
        var anchors: [String: (node: ManifestNode, size: Int)] = [:]
        var root: ManifestNode?
        var problem: YAMLProblem?
        var nodes = 0
        var aliasNodes = 0
        var documentCount = 0
        var event = yaml_event_t()
        // Aliases and merge keys repeat text already written in the same document, so every
        // literal the tree holds passes through here once, as a scalar event.
        var marks: [Bool] = []

        func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
            guard let pointer else { return "" }
            return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
        }
        func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let pointer else { return nil }
            return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        }
        /// Adds a finished node to its parent, or makes it the document root.
        func attach(_ node: ManifestNode, size: Int, keyText: String?, isPlainScalar: Bool) {
            guard !stack.isEmpty else {
                root = node
                return
            }
            let top = stack.count - 1
            stack[top].size += size
            switch stack[top].kind {
            case .sequence:
                stack[top].items.append(node)
            case .mapping:
                if let (key, keyLocation, isMerge) = stack[top].pendingKey {
                    stack[top].pendingKey = nil
                    if isMerge {
                        // YAML 1.1 merge: splice the merged mapping(s) in, keys already present win.
                        let merged = node.entries ?? node.items?.flatMap { $0.entries ?? [] } ?? []
                        stack[top].beginMerging(mergeKeyLine: keyLocation.line)
                        for entry in merged where !stack[top].entries.contains(where: { $0.key == entry.key }) {
                            stack[top].entries.append(entry)
                        }
                    } else {
                        let entry = ManifestNode.Entry(key: key, keyLocation: keyLocation, value: node)
                        // A key written after a merge overrides the merged one.
                        if stack[top].merged, let i = stack[top].entries.firstIndex(where: { $0.key == key }) {
                            stack[top].entries[i] = entry
                        } else {
                            // Room for a few keys at once: most mappings have two to six, and
                            // growing from one by doubling reallocated nearly every mapping.
                            if stack[top].entries.isEmpty { stack[top].entries.reserveCapacity(6) }
                            stack[top].entries.append(entry)
                        }
                    }
                } else {
                    if keyText == nil, stack[top].nonStringKey == nil { stack[top].nonStringKey = node.location.line }
                    let key = keyText ?? "\(node.value)"
                    if stack[top].duplicate == nil, let first = stack[top].line(of: key) {
                        stack[top].duplicate = (key, node.location.line, first)
                    }
                    stack[top].note(key: key, line: node.location.line)
                    stack[top].pendingKey = (key, node.location, isPlainScalar && key == "<<")
                }
            }
        }

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let line = Int(parser.problem_mark.line) + 1
                let context = parser.context.map { String(cString: $0) + " " } ?? ""
                let what = parser.problem.map { String(cString: $0) } ?? "syntax error"
                let message = what.contains("nesting level")
                    ? "nesting deeper than the YAML parser allows; not parsed"
                    : "invalid YAML: \(context)\(what)"
                result.append(.problem(YAMLProblem(line: line, message: message, syntax: true)))
                return result
            }
            defer { yaml_event_delete(&event) }
            let location = SourceLocation(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return result
            case YAML_DOCUMENT_START_EVENT:
                documentCount += 1
                if documentCount > maxDocuments {
                    result.append(.problem(YAMLProblem(line: location.line, message: "more than \(maxDocuments) documents in one file; the rest is not analysed")))
                    return result
                }
                stack.removeAll()
                anchors.removeAll()
                root = nil
                problem = nil
                nodes = 0
                if let scanner { marks = [Bool](repeating: false, count: scanner.literalCount) }
            case YAML_DOCUMENT_END_EVENT:
                if let problem {
                    result.append(.problem(problem))
                } else if let root {
                    result.append(.node(root, scanner.map { LiteralMarks(scannerID: $0.scannerID, found: marks) }))
                }
            case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                guard problem == nil else { continue }
                if stack.count >= maxDepth {
                    problem = YAMLProblem(line: location.line, message: "nesting deeper than \(maxDepth) levels; not parsed")
                    stack.removeAll()
                    continue
                }
                let anchor = event.type == YAML_MAPPING_START_EVENT
                    ? cString(event.data.mapping_start.anchor) : cString(event.data.sequence_start.anchor)
                stack.append(Frame(event.type == YAML_MAPPING_START_EVENT ? .mapping : .sequence, location, anchor))
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                guard problem == nil, let frame = stack.popLast() else { continue }
                if let duplicate = frame.duplicate {
                    problem = YAMLProblem(line: duplicate.line, message: "duplicate key '\(duplicate.key.prefix(80))' (first at line \(duplicate.first)); Kubernetes rejects such a document, so it is not analysed")
                    stack.removeAll()
                    continue
                }
                if let line = frame.nonStringKey {
                    problem = YAMLProblem(line: line, message: "a mapping or list used as a key; Kubernetes objects have only string keys, so the document is not analysed", nonStringKey: true)
                    stack.removeAll()
                    continue
                }
                let node = frame.kind == .mapping
                    ? ManifestNode(.mapping(frame.entries), at: frame.location)
                    : ManifestNode(.sequence(frame.items), at: frame.location)
                if let anchor = frame.anchor { anchors[anchor] = (node, frame.size) }
                attach(node, size: frame.size, keyText: nil, isPlainScalar: false)
            case YAML_SCALAR_EVENT:
                guard problem == nil else { continue }
                nodes += 1
                let scalar = event.data.scalar
                if let scanner, let value = scalar.value {
                    marks.withUnsafeMutableBufferPointer { scanner.scan(UnsafeBufferPointer(start: value, count: Int(scalar.length)), into: $0) }
                }
                let text = string(scalar.value, Int(scalar.length))
                let node = ManifestNode(.scalar(text), at: location)
                if let anchor = cString(scalar.anchor) { anchors[anchor] = (node, 1) }
                attach(node, size: 1, keyText: text, isPlainScalar: scalar.style == YAML_PLAIN_SCALAR_STYLE)
            case YAML_ALIAS_EVENT:
                guard problem == nil else { continue }
                let name = cString(event.data.alias.anchor) ?? ""
                guard let (node, size) = anchors[name] else {
                    problem = YAMLProblem(line: location.line, message: "invalid YAML: undefined alias '\(name)'")
                    stack.removeAll()
                    continue
                }
                nodes += size
                aliasNodes += size
                if aliasNodes > maxAliasNodesPerFile {
                    problem = YAMLProblem(line: location.line, message: "aliases in this file expand to more than \(maxAliasNodesPerFile) nodes (an alias-expansion bomb?); not analysed")
                    stack.removeAll()
                    continue
                }
                if nodes > maxNodes {
                    problem = YAMLProblem(line: location.line, message: "document expands to more than \(maxNodes) nodes (an alias-expansion bomb?); not analysed")
                    stack.removeAll()
                    continue
                }
                // The aliased node keeps its own location: findings point at the anchor's text.
                attach(node, size: size, keyText: node.scalar, isPlainScalar: false)
            default:
                break
            }
        }
    }
}
