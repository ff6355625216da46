/// The codes of one module's errors: a closed set callers switch on, each spelled in
/// snake_case where it reaches people, logs or JSON.
public protocol ErrorCode: RawRepresentable, Hashable, Sendable where RawValue == String {}

/// The one error shape of the project: what went wrong (`code`, from the throwing
/// module's own enum) and a sentence naming the file, field, address or peer at fault.
/// Each module names its instance (`CryptoError`, `StorageError`, `TransportError`, …), so
/// typed throws say which module failed. (`WireError` and `TopologyError` carry more: the
/// field path and byte offset, or the file and key, of what they refuse.)
public struct WarrantError<Code: ErrorCode>: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
