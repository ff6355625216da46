import Foundation
import WarrantTopology

/// One tool the gateway fronts, as its tools file describes it (docs/AGENTS.md): what it
/// does (`kind`), and the act it is asked as — an operation, a resource filled from the
/// call's arguments (`files/{path}`), an amount (`{amount}` or a number) — and whether it
/// spends (a committed act) or only reads (a local check).
public struct ToolSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Reads a file under `root` (never outside it).
        case fileReader = "file-reader"
        /// Records a payment in `ledger` (JSON lines) — moves no real money.
        case payment
        /// Runs `command` with the arguments as JSON on its standard input.
        case command
    }

    public var name: String
    public var description: String
    public var kind: Kind
    public var operation: String
    public var resource: String
    public var amount: String?
    public var spends: Bool
    /// For `file-reader`: the directory it is confined to.
    public var root: String?
    /// For `payment`: the JSON-lines file payments go to.
    public var ledger: String?
    /// For `command`: the program and its arguments.
    public var command: [String]?

    /// The call's arguments: every `{name}` of `resource` and `amount`, in order, and the
    /// ones the kind itself needs.
    public var arguments: [String] {
        var names = Self.placeholders(in: resource) + Self.placeholders(in: amount ?? "")
        if kind == .fileReader, !names.contains("path") { names.append("path") }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Arguments given as whole numbers: the amount's.
    public var numericArguments: Set<String> { Set(Self.placeholders(in: amount ?? "")) }

    static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// Every tool of the tools file at `path`; relative paths in it count from its directory.
    public static func load(_ path: String) throws(TopologyError) -> [ToolSpec] {
        var top = try TOMLFields.open(path, reference: "docs/AGENTS.md")
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : base.appendingPathComponent(file).standardizedFileURL.path }
        var tools: [ToolSpec] = []
        for var f in try top.tables("tools") {
            let name = try f.requiredString("name")
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw f.error(.badValue, "name", "'\(name)': a tool name is letters, digits, _ and -")
            }
            guard !tools.contains(where: { $0.name == name }) else { throw f.error(.duplicate, "name", "tool '\(name)' is named twice") }
            let kindName = try f.requiredString("kind")
            guard let kind = Kind(rawValue: kindName) else {
                throw f.error(.badValue, "kind", "'\(kindName)' is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var spec = ToolSpec(name: name, description: try f.string("description") ?? "\(kind.rawValue) tool", kind: kind,
                                operation: try f.requiredString("operation"), resource: try f.requiredString("resource"),
                                amount: try f.string("amount"), spends: try f.bool("spends") ?? (kind == .payment))
            if let amount = spec.amount, placeholders(in: amount).isEmpty, UInt64(amount) == nil {
                throw f.error(.badValue, "amount", "'\(amount)' is neither a whole number nor a {placeholder}")
            }
            switch kind {
            case .fileReader:
                spec.root = resolve(try f.requiredString("root"))
            case .payment:
                spec.ledger = resolve(try f.requiredString("ledger"))
                guard spec.spends else { throw f.error(.relation, "spends", "a payment spends: it must be a committed act") }
            case .command:
                guard let command = try f.strings("command"), let program = command.first, !program.isEmpty else {
                    throw f.error(.missingKey, "command", "a command tool needs [\"PROGRAM\", \"ARG\", …]")
                }
                spec.command = command.enumerated().map { $0.offset == 0 && $0.element.contains("/") ? resolve($0.element) : $0.element }
            }
            try f.rejectUnknown()
            tools.append(spec)
        }
        guard !tools.isEmpty else { throw top.error(.missingKey, "tools", "a tools file needs at least one [[tools]] table") }
        try top.rejectUnknown()
        return tools
    }
}
