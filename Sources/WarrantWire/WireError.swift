import WarrantCrypto

/// Every error WarrantWire throws: what is wrong (`code`), where (`path`, a dotted field
/// path such as `grant.scope.ops[1]`, and `offset`, the byte offset in the buffer being
/// decoded) and a sentence for people (`message`).
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The input ended in the middle of an item.
        case truncated
        /// Bytes follow the one top-level item.
        case trailingBytes = "trailing_bytes"
        /// An integer or length not in its shortest form (RFC 8949 §4.2.1).
        case nonCanonical = "non_canonical"
        /// An indefinite-length string, array or map.
        case indefiniteLength = "indefinite_length"
        /// Map keys not in ascending order.
        case unsortedKeys = "unsorted_keys"
        /// The same map key twice.
        case duplicateKey = "duplicate_key"
        /// A map key this version of the protocol does not define.
        case unknownKey = "unknown_key"
        /// A required field is absent.
        case missingField = "missing_field"
        /// An item of another CBOR type than the field wants.
        case wrongType = "wrong_type"
        /// A CBOR tag (major type 6): the protocol uses none.
        case tag
        /// A floating-point number: the protocol uses none.
        case float
        /// null, undefined or another simple value: absent fields are omitted instead.
        case simpleValue = "simple_value"
        /// A text string that is not valid UTF-8.
        case invalidUTF8 = "invalid_utf8"
        /// A message, string or collection longer than the configured limit.
        case tooLarge = "too_large"
        /// Nesting deeper than the configured limit.
        case tooDeep = "too_deep"
        /// A well-formed item whose value the field does not allow.
        case badValue = "bad_value"
        /// An envelope version this implementation does not speak.
        case unsupportedVersion = "unsupported_version"
        /// An envelope kind this version does not define.
        case unknownKind = "unknown_kind"
        /// The signature does not verify over `warrant/v1/<kind>`, 0x00, body.
        case badSignature = "bad_signature"
    }

    public let code: Code
    public let message: String
    /// Dotted path of the field at fault, outermost first; empty at the top level.
    public internal(set) var path: String
    /// Byte offset in the buffer being decoded (the envelope, or the body for body errors).
    public let offset: Int

    public init(_ code: Code, _ message: String, path: String = "", offset: Int = 0) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    /// The protocol reason code this error is reported with on the wire.
    public var reason: ReasonCode {
        switch code {
        case .tooLarge: return .tooLarge
        case .badSignature: return .badSignature
        default: return .malformed
        }
    }

    public var description: String {
        let at = path.isEmpty ? "at byte \(offset)" : "at \(path) (byte \(offset))"
        return "\(code.rawValue) \(at): \(message)"
    }

    func prefixed(_ segment: String) -> WireError {
        var copy = self
        copy.path = path.isEmpty ? segment : (path.hasPrefix("[") ? segment + path : segment + "." + path)
        return copy
    }
}
