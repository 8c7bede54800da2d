/// Text for a terminal, made safe: a manifest, a file name or a team catalogue can hold escape
/// sequences (window titles, hyperlinks, cursor moves), carriage returns and backspaces that
/// rewrite what was printed, or bidirectional overrides that reorder it. Every such character is
/// shown as a visible `\u{…}` escape; only the colour codes this tool writes pass through.
public enum TerminalText {
    /// The SGR sequences the text report paints with (bold, dim, colours, reset), nothing else.
    static let ownStyles: Set<String> = ["0", "1", "2", "31", "32", "33", "35", "36", "1;31", "1;35"]

    public static func safe(_ text: String) -> String {
        // Nearly every report holds nothing to escape: checked on bytes first.
        if !text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A || $0 == 0x7F || $0 >= 0xC2 }) { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\u{1B}", let end = styleEnd(scalars, from: i) {
                out.append(contentsOf: scalars[i..<end])
                i = end
                continue
            }
            if unsafe(s) {
                out.append(contentsOf: "\\u{\(String(s.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(s)
            }
            i += 1
        }
        return String(out)
    }

    /// The end of one of our own style sequences (`ESC [ codes m`) starting at `start`.
    static func styleEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 2 < scalars.count, scalars[start + 1] == "[" else { return nil }
        var codes = ""
        var i = start + 2
        while i < scalars.count, i < start + 8, scalars[i] != "m" {
            codes.unicodeScalars.append(scalars[i])
            i += 1
        }
        guard i < scalars.count, scalars[i] == "m", ownStyles.contains(codes) else { return nil }
        return i + 1
    }

    /// Control characters (but the newline and the tab), DEL, C1 controls and the
    /// bidirectional controls.
    static func unsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
