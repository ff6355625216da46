import Foundation

/// What a tool call asks of the session: the operation, the resource and the amount its
/// spec makes of the call's arguments. Pure, so every bad argument has a tested refusal.
public struct ToolRequest: Sendable, Hashable {
    public var operation: String
    public var resource: String
    public var amount: UInt64
    /// The arguments as given, for the tool itself.
    public var arguments: [String: String]

    /// Argument values that may go into a resource name: no empty value, no `..`, no
    /// control characters, nothing beyond letters, digits and `._-/`.
    static func safe(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 256 && !value.split(separator: "/", omittingEmptySubsequences: false).contains("..")
            && value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-/".unicodeScalars.contains($0)) }
    }

    public init(_ spec: ToolSpec, arguments given: [String: String]) throws(GatewayError) {
        var arguments: [String: String] = [:]
        for name in spec.arguments {
            guard let value = given[name] else { throw GatewayError(.badArguments, "\(spec.name): argument '\(name)' is missing") }
            if spec.numericArguments.contains(name) {
                guard UInt64(value) != nil else { throw GatewayError(.badArguments, "\(spec.name): argument '\(name)' must be a whole number ≥ 0, not '\(value)'") }
            } else {
                guard Self.safe(value) else {
                    throw GatewayError(.badArguments, "\(spec.name): argument '\(name)' may hold letters, digits and ._-/ only, and no '..'")
                }
            }
            arguments[name] = value
        }
        if let extra = given.keys.sorted().first(where: { !spec.arguments.contains($0) }) {
            throw GatewayError(.badArguments, "\(spec.name): no argument '\(extra)' (it takes \(spec.arguments.joined(separator: ", ")))")
        }
        func fill(_ template: String) -> String {
            arguments.reduce(template) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        }
        operation = spec.operation
        resource = fill(spec.resource)
        amount = UInt64(fill(spec.amount ?? "0")) ?? 0
        self.arguments = arguments
    }
}
