import DivergenceCore

/// A necessary condition for a rule to match: at least one of these literals occurs in some
/// key or scalar of the resource. Found once per resource with one automaton pass, it lets the
/// engine skip most rules without resolving a single path.
enum LiteralGate: Equatable {
    case always
    case anyOf(Set<String>)

    /// Literals are compared inside decoded keys and scalars, so they must be short of
    /// whitespace (folded scalars change it) and long enough to be selective.
    static func usable(_ s: String) -> Bool {
        s.utf8.count >= 2 && !s.utf8.contains { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
    }

    static func set(_ values: [String]) -> LiteralGate {
        values.isEmpty || !values.allSatisfy(usable) ? .always : .anyOf(Set(values))
    }

    /// How selective a gate is: its shortest literal (longer is rarer), fewer alternatives first.
    var strength: (Int, Int) {
        switch self {
        case .always: (0, 0)
        case .anyOf(let s): (s.map(\.utf8.count).min() ?? 0, -s.count)
        }
    }

    /// What every match of a pattern contains; the engine passes the analysis its compiled
    /// patterns already made, instead of analysing each pattern a second time.
    typealias Literals = (String) -> (literals: [[UInt8]], caseInsensitive: Bool)?

    static func of(_ condition: Condition, literalsOf: Literals = CompiledPattern.requiredLiterals(of:)) -> LiteralGate {
        switch condition {
        case .field(let path, let key, let value):
            if value == .absent { return .always }
            var options: [LiteralGate] = []
            switch value {
            case .equals(let v)?: options.append(set([v]))
            case .oneOf(let vs)?: options.append(set(vs))
            case .contains(let c)?: options.append(set([c]))
            case .pattern(let p)?:
                if let required = literalsOf(p), !required.caseInsensitive {
                    options.append(set(required.literals.map { String(decoding: $0, as: UTF8.self) }))
                }
            case .absent?, nil: break
            }
            switch key {
            case .equals(let k)?: options.append(set([k]))
            case .prefix(let p)?: options.append(set([p]))
            case .pattern(let p)?:
                if let required = literalsOf(p), !required.caseInsensitive {
                    options.append(set(required.literals.map { String(decoding: $0, as: UTF8.self) }))
                }
            case nil: break
            }
            if let best = options.filter({ $0 != .always }).max(by: { $0.strength < $1.strength }) { return best }
            // A path reaches a node only through each of its keys, so every key is required;
            // structural keys are common, so they are used only when the tests give nothing.
            var keys: [LiteralGate] = []
            for step in path.steps {
                if case .key(let k) = step { keys.append(set([k])) }
            }
            return keys.filter { $0 != .always }.max { $0.strength < $1.strength } ?? .always
        case .all(let children):
            return children.map { of($0, literalsOf: literalsOf) }.filter { $0 != .always }.max { $0.strength < $1.strength } ?? .always
        case .any(let children):
            var union = Set<String>()
            for child in children {
                guard case .anyOf(let s) = of(child, literalsOf: literalsOf) else { return .always }
                union.formUnion(s)
            }
            return .anyOf(union)
        case .not:
            return .always
        }
    }
}

/// Aho–Corasick over bytes: which of many literals occur in a set of strings, in one pass
/// over each string.
///
/// Built as a complete automaton (failure links folded into the table) over byte classes:
/// bytes that occur in no literal share one class, so the table stays small and reading a byte
/// is one lookup, with no failure chain to follow and no array to retain.
struct LiteralAutomaton: Sendable {
    /// `table[state * classes + classOf[byte]]` is the next state.
    private let table: [Int32]
    private let classOf: [UInt8]
    private let classes: Int
    /// Literal ids that end at each state (through failure links too), as ranges of `outputIds`.
    private let outputStart: [Int32]
    private let outputIds: [Int32]
    let count: Int

    init(literals: [String]) {
        count = literals.count
        var classOf = [UInt8](repeating: 0, count: 256)
        var classes = 1
        for literal in literals {
            for byte in literal.utf8 where classOf[Int(byte)] == 0 {
                classOf[Int(byte)] = UInt8(classes)
                classes += 1
            }
        }
        // The trie, with -1 for a missing child.
        var table = [Int32](repeating: -1, count: classes)
        var outputs: [[Int32]] = [[]]
        for (id, literal) in literals.enumerated() {
            var state = 0
            for byte in literal.utf8 {
                let slot = state * classes + Int(classOf[Int(byte)])
                if table[slot] < 0 {
                    table[slot] = Int32(outputs.count)
                    outputs.append([])
                    table.append(contentsOf: repeatElement(-1, count: classes))
                }
                state = Int(table[slot])
            }
            outputs[state].append(Int32(id))
        }
        // Breadth first: a state's failure target is complete before the state is, so missing
        // children can be copied from it.
        var failure = [Int](repeating: 0, count: outputs.count)
        var queue: [Int] = []
        for c in 0..<classes {
            if table[c] < 0 { table[c] = 0 } else { queue.append(Int(table[c])) }
        }
        var head = 0
        table.withUnsafeMutableBufferPointer { table in
            while head < queue.count {
                let state = queue[head]
                head += 1
                outputs[state] += outputs[failure[state]]
                let row = state * classes, fallbackRow = failure[state] * classes
                for c in 0..<classes {
                    let fallback = table[fallbackRow + c]
                    if table[row + c] < 0 {
                        table[row + c] = fallback
                    } else {
                        failure[Int(table[row + c])] = Int(fallback)
                        queue.append(Int(table[row + c]))
                    }
                }
            }
        }
        var starts: [Int32] = [0]
        var ids: [Int32] = []
        for list in outputs {
            ids += list
            starts.append(Int32(ids.count))
        }
        self.table = table
        self.classOf = classOf
        self.classes = classes
        outputStart = starts
        outputIds = ids
    }

    /// Marks in `found` every literal that occurs in `text`.
    func scan(_ text: String, into found: inout [Bool]) {
        found.withUnsafeMutableBufferPointer { marks in
            withTables { scan(text, into: marks, $0) }
        }
    }

    /// Marks every literal occurring in any key or scalar of `node`.
    func scan(_ node: ManifestNode, into found: inout [Bool]) {
        found.withUnsafeMutableBufferPointer { marks in
            withTables { walk(node, into: marks, $0) }
        }
    }

    // A method, not a local recursive function: a local function capturing the marks was
    // given a heap context, and the walk visits every node of every resource.
    private func walk(_ node: ManifestNode, into marks: UnsafeMutableBufferPointer<Bool>, _ tables: Tables) {
        switch node.value {
        case .scalar(let s): scan(s, into: marks, tables)
        case .mapping(let entries):
            for entry in entries {
                scan(entry.key, into: marks, tables)
                walk(entry.value, into: marks, tables)
            }
        case .sequence(let items):
            for item in items { walk(item, into: marks, tables) }
        }
    }

    private struct Tables {
        var table: UnsafeBufferPointer<Int32>
        var classOf: UnsafeBufferPointer<UInt8>
        var outputStart: UnsafeBufferPointer<Int32>
        var outputIds: UnsafeBufferPointer<Int32>
    }

    private func withTables<R>(_ body: (Tables) -> R) -> R {
        table.withUnsafeBufferPointer { t in
            classOf.withUnsafeBufferPointer { c in
                outputStart.withUnsafeBufferPointer { s in
                    outputIds.withUnsafeBufferPointer { i in
                        body(Tables(table: t, classOf: c, outputStart: s, outputIds: i))
                    }
                }
            }
        }
    }

    private func scan(_ text: String, into marks: UnsafeMutableBufferPointer<Bool>, _ t: Tables) {
        var text = text
        text.withUTF8 { scan($0, into: marks, t) }
    }

    /// Marks every literal occurring in `bytes`.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into marks: UnsafeMutableBufferPointer<Bool>) {
        withTables { scan(bytes, into: marks, $0) }
    }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, into marks: UnsafeMutableBufferPointer<Bool>, _ t: Tables) {
        var state = 0
        for byte in bytes {
            state = Int(t.table[state &* classes &+ Int(t.classOf[Int(byte)])])
            let start = Int(t.outputStart[state]), end = Int(t.outputStart[state &+ 1])
            if start != end {
                for i in start..<end { marks[Int(t.outputIds[i])] = true }
            }
        }
    }
}

/// The rule engine's literal automaton as a `LiteralScanner`, for the manifest loader to run
/// over documents as they are parsed.
final class AutomatonScanner: LiteralScanner {
    let scannerID = LiteralMarks.newScannerID()
    let automaton: LiteralAutomaton

    init(_ automaton: LiteralAutomaton) { self.automaton = automaton }

    var literalCount: Int { automaton.count }

    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into marks: UnsafeMutableBufferPointer<Bool>) {
        automaton.scan(bytes, into: marks)
    }
}
