import DivergenceCore
import DivergenceRules
import Foundation

/// Translations as lines for `rules ID` and `show ID --from --to`: target, conditions, outcome,
/// note, and the pages each was read from.
public enum TranslationText {
    public static func lines(_ entries: [Translation], indent: String) -> String {
        var out = ""
        for t in entries {
            var conditions: [String] = []
            if let from = t.from { conditions.append("from \(from.rawValue)") }
            if let choice = t.choice { conditions.append("\(choice.name)=\(choice.value)\(t.isDefault ? " (default)" : "")") }
            if let when = t.when { conditions.append("value ~ \(when)") }
            if let key = t.whenKey { conditions.append("key ~ \(key)") }
            for field in t.whenFields { conditions.append("\(NodeMatch.path(of: field.path)) \(field.equals.map { "= " + $0 } ?? "absent")") }
            let kept = t.outcome == .translated && t.operations.isEmpty ? ", kept as written" : ""
            out += "\(indent)→ \(t.to.rawValue)\(conditions.isEmpty ? "" : " [" + conditions.joined(separator: ", ") + "]"): \(t.outcome.rawValue)\(kept). \(t.note)\n"
            for source in t.sources { out += "\(indent)    \(source.url) (read \(source.checked))\n" }
        }
        return out
    }
}
