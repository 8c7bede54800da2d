/// Substring search over UTF-8 bytes. Foundation's `contains` is slow on Linux, and the hot
/// paths (template detection, regex prefilters) only need a byte-exact or ASCII-case-folded test.
public enum ByteSearch {
    /// Whether `needle` occurs in `haystack`; with `foldingCase`, ASCII letters of the haystack
    /// are lowercased first (the needle must already be lowercase).
    public static func contains<H: Collection>(_ haystack: H, _ needle: [UInt8], foldingCase: Bool = false) -> Bool
    where H.Element == UInt8, H.Index == Int {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        @inline(__always) func fold(_ b: UInt8) -> UInt8 { foldingCase && b >= 0x41 && b <= 0x5a ? b + 32 : b }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if fold(haystack[i]) == first {
                var j = 1
                while j < needle.count && fold(haystack[i + j]) == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
