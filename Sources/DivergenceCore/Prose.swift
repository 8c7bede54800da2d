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

    /// What a skip or error reason says without its own document, line and item numbers, so
    /// the same cause in a thousand places reads as one ("document … has no apiVersion/kind").
    public static func cause(_ reason: String) -> String {
        reason.replacingOccurrences(of: #"\b(document|line|item)s? [0-9]+\b"#, with: "$1 …", options: .regularExpression)
    }
}
