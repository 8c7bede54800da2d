import DivergenceCore

/// Values made once per distinct key. The findings of one rule and target share their title,
/// message, remediation and file, so a renderer escapes, cuts or wraps each of those once
/// instead of once per finding (per finding it cost seconds on a large report).
struct Memo<Key: Hashable, Value> {
    private var made: [Key: Value] = [:]

    mutating func value(_ key: Key, _ make: () -> Value) -> Value {
        if let known = made[key] { return known }
        let value = make()
        made[key] = value
        return value
    }
}

/// What a finding's explanation (behaviour, advice, equivalent, links) is made of: the same for
/// every finding of a rule and target.
struct FindingTexts: Hashable {
    var owner: String
    var message: String
    var remediation: String
    var target: Platform
    var equivalent: String?
    var references: [String]

    init(_ f: Finding) {
        owner = f.owner; message = f.message; remediation = f.remediation; target = f.target
        equivalent = f.targetEquivalent; references = f.references
    }
}
