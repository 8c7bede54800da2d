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

    static func of(_ condition: Condition) -> LiteralGate {
        switch condition {
        case .field(let path, let key, let value):
            if value == .absent { return .always }
            var options: [LiteralGate] = []
            switch value {
            case .equals(let v)?: options.append(set([v]))
            case .oneOf(let vs)?: options.append(set(vs))
            case .contains(let c)?: options.append(set([c]))
            case .pattern(let p)?:
                if let required = CompiledPattern.requiredLiterals(of: p), !required.caseInsensitive {
                    options.append(set(required.literals.map { String(decoding: $0, as: UTF8.self) }))
                }
            case .absent?, nil: break
            }
            switch key {
            case .equals(let k)?: options.append(set([k]))
            case .prefix(let p)?: options.append(set([p]))
            case .pattern?, nil:
                if case .key(let last)? = path.steps.last { options.append(set([last])) }
            }
            return options.filter { $0 != .always }.max { $0.strength < $1.strength } ?? .always
        case .all(let children):
            return children.map(of).filter { $0 != .always }.max { $0.strength < $1.strength } ?? .always
        case .any(let children):
            var union = Set<String>()
            for child in children {
                guard case .anyOf(let s) = of(child) else { return .always }
                union.formUnion(s)
            }
            return .anyOf(union)
        case .not:
            return .always
        }
    }
}

/// Aho–Corasick over bytes: which of many literals occur in a set of strings, in one pass
/// over each string. Transitions are sparse except at the root, where most bytes are read.
struct LiteralAutomaton: Sendable {
    private var transitions: [[(UInt8, Int32)]] = [[]]
    private var rootTransitions = [Int32](repeating: 0, count: 256)
    private var failure: [Int32] = [0]
    /// Literal ids that end at each state, including those reached through failure links.
    private var outputs: [[Int32]] = [[]]
    let count: Int

    init(literals: [String]) {
        count = literals.count
        for (id, literal) in literals.enumerated() {
            var state: Int32 = 0
            for byte in literal.utf8 {
                if let next = transitions[Int(state)].first(where: { $0.0 == byte })?.1 {
                    state = next
                } else {
                    let next = Int32(transitions.count)
                    transitions.append([])
                    failure.append(0)
                    outputs.append([])
                    transitions[Int(state)].append((byte, next))
                    state = next
                }
            }
            outputs[Int(state)].append(Int32(id))
        }
        for (byte, next) in transitions[0] { rootTransitions[Int(byte)] = next }
        // Breadth-first failure links.
        var queue: [Int32] = transitions[0].map(\.1)
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for (byte, next) in transitions[Int(state)] {
                var f = failure[Int(state)]
                while f != 0, step(f, byte) == nil { f = failure[Int(f)] }
                let target = step(f, byte) ?? 0
                failure[Int(next)] = target == next ? 0 : target
                outputs[Int(next)] += outputs[Int(failure[Int(next)])]
                queue.append(next)
            }
        }
        for i in transitions.indices { transitions[i].sort { $0.0 < $1.0 } }
    }

    private func step(_ state: Int32, _ byte: UInt8) -> Int32? {
        if state == 0 {
            let next = rootTransitions[Int(byte)]
            return next == 0 ? nil : next
        }
        return transitions[Int(state)].first { $0.0 == byte }?.1
    }

    /// Marks in `found` every literal that occurs in `text`.
    func scan(_ text: String, into found: inout [Bool]) {
        var state: Int32 = 0
        for byte in text.utf8 {
            while true {
                if let next = step(state, byte) { state = next; break }
                if state == 0 { break }
                state = failure[Int(state)]
            }
            for id in outputs[Int(state)] { found[Int(id)] = true }
        }
    }

    /// Marks every literal occurring in any key or scalar of `node`.
    func scan(_ node: ManifestNode, into found: inout [Bool]) {
        switch node.value {
        case .scalar(let s): scan(s, into: &found)
        case .mapping(let entries):
            for entry in entries {
                scan(entry.key, into: &found)
                scan(entry.value, into: &found)
            }
        case .sequence(let items):
            for item in items { scan(item, into: &found) }
        }
    }
}
