/// A key or API group prefix that marks a construct as owned by one provider.
public struct ProviderPrefix: Sendable, Codable, Hashable {
    /// A glob over the key or the API group (`*` matches any run of characters).
    public var prefix: String
    public var platform: Platform
    public var domain: Domain
    /// What the prefix applies to: `key` (annotation, label and node-selector keys) or `group`
    /// (the API group of the object).
    public var on: String

    public init(prefix: String, platform: Platform, domain: Domain, on: String = "key") {
        self.prefix = prefix; self.platform = platform; self.domain = domain; self.on = on
    }
}
