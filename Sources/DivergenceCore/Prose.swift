import Foundation

/// Small rules for joining catalogue texts into sentences.
public enum Prose {
    /// `text` trimmed and ending as a sentence ends (a full stop added when it has no closing
    /// punctuation), so two texts joined with a space never run together.
    public static func sentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = trimmed.last else { return trimmed }
        return ".!?:;…".contains(last) || (last == ")" && trimmed.dropLast().last.map { ".!?".contains($0) } == true) ? trimmed : trimmed + "."
    }
}
