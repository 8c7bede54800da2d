import DivergenceCore
import Testing

/// The path syntax rules are written in: what each form means, and what is refused.
@Suite struct FieldPathTests {
    @Test func rootsKeysIndicesAndWildcards() throws {
        let containers = try FieldPath.parse("$containers[*].env[2].value")
        #expect(containers.root == .containers)
        #expect(containers.steps == [.anyIndex, .key("env"), .index(2), .key("value")])

        let pod = try FieldPath.parse("$pod.nodeSelector[\"cloud.google.com/gke-accelerator\"]")
        #expect(pod.root == .pod)
        #expect(pod.steps == [.key("nodeSelector"), .key("cloud.google.com/gke-accelerator")])

        #expect(try FieldPath.parse("$podMeta.annotations").root == .podMeta)
        #expect(try FieldPath.parse("$pod").steps.isEmpty, "a root alone is a path")
        #expect(try FieldPath.parse("metadata.annotations.*").steps == [.key("metadata"), .key("annotations"), .anyKey])
        // `$podMetadata` is not the `$podMeta` root followed by more letters.
        #expect(try FieldPath.parse("$podMetadata.x").steps == [.key("$podMetadata"), .key("x")])
    }

    @Test func quotedKeysMayHoldDotsBracketsAndUnicode() throws {
        let path = try FieldPath.parse("metadata.annotations[\"a.b/c[0]\"].x")
        #expect(path.steps == [.key("metadata"), .key("annotations"), .key("a.b/c[0]"), .key("x")])
        #expect(try FieldPath.parse("data[\"clé-☃\"]").steps == [.key("data"), .key("clé-☃")])
        #expect(try FieldPath.parse("spec.naïve").steps == [.key("spec"), .key("naïve")])
    }

    @Test func malformedPathsAreRefusedWithTheReason() {
        for (text, reason) in [("", "empty path"), ("a[0", "missing ']'"), ("a[\"k]", "missing closing quote"),
                               ("a[\"k\"x]", "expected ']' after quoted key"), ("a[-1]", "neither an index"),
                               ("a[x]", "neither an index")] {
            #expect {
                try FieldPath.parse(text)
            } throws: { error in
                "\(error)".contains(reason) && "\(error)".contains("'\(text)'")
            }
        }
    }
}
