import DivergenceCore
import Foundation

/// Keeps secret material out of every output.
public enum Redaction {
    // Compiled patterns, not bare regular expressions: their literal prefilter (`AKIA`, `sig=`,
    // `secret`, …) answers for nearly every value without running the regex engine, and every
    // piece of evidence of every match passes through here.
    static let credentialName = try! CompiledPattern(
        "(?i)(secret|password|passwd|token|credential|private[_-]?key|access[_-]?key|api[_-]?key|connection[_-]?string|sas)")
    static let credentialValue = try! CompiledPattern(
        "(AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|AccountKey=|SharedAccessSignature|sig=[A-Za-z0-9%]{20,}|\"private_key\"")

    public static let placeholder = "[redacted]"
    /// What stands in for a secret part of a value that stays readable around it.
    public static let mask = "\u{2022}\u{2022}\u{2022}"

    /// Secret parts of values that are otherwise worth showing, each masked in place by shape:
    /// a URL's password (`postgres://app:•••@db:5432/orders`), the key, password, token and
    /// signature fields of connection strings and query strings (SQL Server, Service Bus and
    /// Event Hubs, storage SAS, Application Insights, Redis), bearer and basic credentials, and
    /// password or token fields written inside a configuration held as text.
    static let secretParts: [(CompiledPattern, String)] = [
        (try! CompiledPattern("([A-Za-z][A-Za-z0-9+.-]*://[^/\\s:@]*):[^@\\s/]+@"), "$1:\(mask)@"),
        (try! CompiledPattern("(?i)\\b(password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|sig|instrumentationkey|apikey|api_key|api-key|access_token|token|secret|client_secret)=[^;&\\s\"']+"), "$1=\(mask)"),
        (try! CompiledPattern("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}"), "$1 \(mask)"),
        (try! CompiledPattern("(?i)([\"']?\\b(password|passwd|client_secret|api_key|apikey|token|bearer_token|secret_key|access_key)[\"']?\\s*:\\s*)[\"']?[^\\s\"',}]+"), "$1\(mask)"),
    ]

    /// The evidence to show for a node, with secret values replaced.
    public static func evidence(_ text: String, path: String, resource: LocatedResource) -> String {
        if resource.ref.kind == "Secret", path.hasPrefix("data") || path.hasPrefix("stringData") {
            return placeholder
        }
        if path.hasSuffix(".value"), path.contains(".env[") {
            // The env value: look at the variable's name next to it.
            if let name = envName(at: path, in: resource), credentialName.matches(name) { return placeholder }
        }
        if credentialValue.matches(text) { return placeholder }
        var text = text
        for (pattern, template) in secretParts { text = pattern.replacingMatches(in: text, with: template) }
        let limit = 200
        // Counting characters walks the whole string; most evidence is far shorter in bytes.
        if text.utf8.count > limit, text.count > limit { return String(text.prefix(limit)) + "…" }
        return text
    }

    static func envName(at path: String, in resource: LocatedResource) -> String? {
        let base = String(path.dropLast(".value".count))
        guard let parsed = try? FieldPath.parse(base + ".name") else { return nil }
        return FieldResolver.resolve(parsed, in: resource).first?.node.scalar
    }
}
