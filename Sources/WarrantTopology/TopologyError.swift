/// A topology that cannot be used, naming the file, the key (a dotted path such as
/// `agents[2].ttl_ms`) and the reason. Loading never half-succeeds.
public struct TopologyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// Not valid TOML (the message gives line and column).
        case syntax
        /// A key the format does not define (a typo, usually).
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        /// A value of the wrong type or outside its range.
        case badValue = "bad_value"
        /// A name used twice, or a port or address used twice.
        case duplicate
        /// A name that refers to nothing (an unknown node in a fault, say).
        case unknownName = "unknown_name"
        /// Parameters that break a relation the protocol needs (docs/TOPOLOGY.md).
        case relation
    }

    public let code: Code
    public let file: String
    public let key: String
    public let reason: String

    public init(_ code: Code, file: String, key: String, _ reason: String) {
        self.code = code
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        key.isEmpty ? "\(file): \(reason) (\(code.rawValue))" : "\(file): \(key): \(reason) (\(code.rawValue))"
    }
}
