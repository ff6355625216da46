/// Bounds the decoder enforces before allocating anything, so a hostile length prefix or
/// deep nesting costs nothing. Every listener passes its own.
public struct WireLimits: Sendable, Equatable {
    /// Largest envelope accepted, in bytes.
    public var maxMessageBytes: Int
    /// Largest text string, in bytes (operations, resources, messages).
    public var maxTextBytes: Int
    /// Most elements in one array or map.
    public var maxItems: Int
    /// Deepest nesting of arrays and maps.
    public var maxDepth: Int

    public init(maxMessageBytes: Int = 4 << 20, maxTextBytes: Int = 4096, maxItems: Int = 65_536, maxDepth: Int = 16) {
        self.maxMessageBytes = maxMessageBytes
        self.maxTextBytes = maxTextBytes
        self.maxItems = maxItems
        self.maxDepth = maxDepth
    }

    public static let `default` = WireLimits()
}
