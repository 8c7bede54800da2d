#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search over UTF-8 bytes. Foundation's `contains` is slow on Linux, and the hot
/// paths (template detection, regex prefilters) only need a byte-exact or ASCII-case-folded test.
///
/// The functions take concrete buffers, not a generic collection: a generic called across
/// modules runs unspecialised, one value-witness call per byte (it cost a tenth of a scan).
public enum ByteSearch {
    /// Whether `needle` occurs in `haystack`; with `foldingCase`, ASCII letters of the haystack
    /// are lowercased first (the needle must already be lowercase).
    public static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8], foldingCase: Bool = false) -> Bool {
        firstIndex(of: needle, in: haystack, foldingCase: foldingCase) != nil
    }

    /// The offset of the first occurrence of `needle` in `haystack` at or after `from`.
    public static func firstIndex(of needle: [UInt8], in haystack: UnsafeRawBufferPointer, from: Int = 0, foldingCase: Bool = false) -> Int? {
        guard !needle.isEmpty else { return from }
        guard let base = haystack.baseAddress, haystack.count - from >= needle.count else { return nil }
        if !foldingCase {
            // memchr is vectorised in glibc: jump from one candidate first byte to the next.
            let end = base + haystack.count
            var cursor = base + from
            return needle.withUnsafeBytes { n -> Int? in
                while end - cursor >= n.count, let hit = memchr(cursor, Int32(n[0]), end - cursor - n.count + 1) {
                    if memcmp(hit, n.baseAddress!, n.count) == 0 { return UnsafeRawPointer(hit) - UnsafeRawPointer(base) }
                    cursor = UnsafeRawPointer(hit) + 1
                }
                return nil
            }
        }
        let bytes = haystack.bindMemory(to: UInt8.self)
        @inline(__always) func fold(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5a ? b + 32 : b }
        let first = needle[0]
        let last = bytes.count - needle.count
        var i = from
        while i <= last {
            if fold(bytes[i]) == first {
                var j = 1
                while j < needle.count && fold(bytes[i + j]) == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Whether `haystack` has a byte equal to `byte` among its first `limit` bytes.
    public static func contains(byte: UInt8, in haystack: UnsafeRawBufferPointer, limit: Int = .max) -> Bool {
        guard let base = haystack.baseAddress else { return false }
        return memchr(base, Int32(byte), min(limit, haystack.count)) != nil
    }
}
