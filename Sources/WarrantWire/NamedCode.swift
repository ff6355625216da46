/// An enum that travels on the wire as a number but is shown (JSON, logs, docs) by its
/// name. Gives lookup by name and name-based coding to every conformer. (Conformers
/// implement Codable by calling `encodeName`/`init(decodingName:)`: Swift would
/// otherwise synthesise a case-keyed coding for the enum instead of these.)
public protocol NamedCode: CaseIterable, Codable, CustomStringConvertible {
    var name: String { get }
}

extension NamedCode {
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public var description: String { name }

    public func encodeName(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    public init(decodingName decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(name: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown \(Self.self) '\(name)'")
        }
        self = value
    }
}
