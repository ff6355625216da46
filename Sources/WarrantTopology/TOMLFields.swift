import TOMLKit

/// Strict reading of one TOML table: every value is read by name with its type checked,
/// every key the caller did not read is reported as unknown, and every error carries
/// the file and the dotted key path. Topologies use it, and so do other TOML files of
/// Warrant's (the gateway's tools), with `reference` naming the document that lists
/// their keys.
public struct TOMLFields {
    let file: String
    let path: String
    let table: TOMLTable
    let reference: String
    private var read: Set<String> = []

    init(file: String, path: String, table: TOMLTable, reference: String = "docs/TOPOLOGY.md") {
        self.file = file
        self.path = path
        self.table = table
        self.reference = reference
    }

    /// The top level of the TOML file at `path`.
    public static func open(_ path: String, reference: String) throws(TopologyError) -> TOMLFields {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(.unreadable, file: path, key: "", "cannot read the file: \(error.localizedDescription)")
        }
        do {
            return TOMLFields(file: path, path: "", table: try TOMLTable(string: text), reference: reference)
        } catch let error as TOMLParseError {
            throw TopologyError(.syntax, file: path, key: "", "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw TopologyError(.syntax, file: path, key: "", "\(error)")
        }
    }

    public func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    public func error(_ code: TopologyError.Code, _ name: String, _ reason: String) -> TopologyError {
        TopologyError(code, file: file, key: key(name), reason)
    }

    private mutating func value(_ name: String) -> TOMLValueConvertible? {
        read.insert(name)
        return table[name]
    }

    public mutating func has(_ name: String) -> Bool { table.contains(key: name) }

    public mutating func string(_ name: String) throws(TopologyError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.string else { throw error(.badValue, name, "expected a string, found \(value.type)") }
        return text
    }

    public mutating func requiredString(_ name: String) throws(TopologyError) -> String {
        guard let text = try string(name) else { throw error(.missingKey, name, "is required") }
        return text
    }

    public mutating func int(_ name: String, in range: ClosedRange<Int64> = 0...Int64.max) throws(TopologyError) -> Int64? {
        guard let value = value(name) else { return nil }
        guard let number = value.int else { throw error(.badValue, name, "expected an integer, found \(value.type)") }
        let wide = Int64(number)
        guard range.contains(wide) else {
            throw error(.badValue, name, "\(wide) is outside \(range.lowerBound)…\(range.upperBound == Int64.max ? "" : "\(range.upperBound)")")
        }
        return wide
    }

    public mutating func uint(_ name: String, default fallback: UInt64, in range: ClosedRange<Int64> = 0...Int64.max) throws(TopologyError) -> UInt64 {
        try int(name, in: range).map { UInt64($0) } ?? fallback
    }

    public mutating func bool(_ name: String) throws(TopologyError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.bool else { throw error(.badValue, name, "expected true or false, found \(value.type)") }
        return flag
    }

    public mutating func strings(_ name: String) throws(TopologyError) -> [String]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else { throw error(.badValue, name, "expected an array of strings, found \(value.type)") }
        var out: [String] = []
        for (index, item) in array.enumerated() {
            guard let text = item.string else { throw error(.badValue, "\(name)[\(index)]", "expected a string, found \(item.type)") }
            out.append(text)
        }
        return out
    }

    public mutating func table(_ name: String) throws(TopologyError) -> TOMLFields? {
        guard let value = value(name) else { return nil }
        guard let table = value.table else { throw error(.badValue, name, "expected a table, found \(value.type)") }
        return TOMLFields(file: file, path: key(name), table: table, reference: reference)
    }

    /// An array of tables (`[[name]]`), each as its own fields.
    public mutating func tables(_ name: String) throws(TopologyError) -> [TOMLFields] {
        guard let value = value(name) else { return [] }
        guard let array = value.array else { throw error(.badValue, name, "expected an array of tables ([[\(name)]]), found \(value.type)") }
        var out: [TOMLFields] = []
        for (index, item) in array.enumerated() {
            guard let table = item.table else { throw error(.badValue, "\(name)[\(index)]", "expected a table, found \(item.type)") }
            out.append(TOMLFields(file: file, path: "\(key(name))[\(index)]", table: table, reference: reference))
        }
        return out
    }

    /// Fails on the first key present but never read.
    public func rejectUnknown() throws(TopologyError) {
        for name in table.keys.sorted() where !read.contains(name) {
            throw error(.unknownKey, name, "'\(name)' is not a key of \(path.isEmpty ? "the top level" : path) (\(reference) lists them)")
        }
    }
}
