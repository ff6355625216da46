/// A pattern naming resources, as scopes and principals use them.
///
/// Matching rules (docs/SESSIONS.md):
/// - `*` matches every resource;
/// - `prefix/*` matches every resource that starts with `prefix/` and has at least one
///   more character (`files/*` matches `files/a` and `files/a/b`, not `files` nor `files/`);
/// - anything else matches exactly that resource, byte for byte.
/// A `*` anywhere else, or an empty pattern, is invalid.
public struct ResourcePattern: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// Compared as UTF-8 bytes, never with Unicode equivalence, so that every
    /// implementation of the protocol agrees.
    enum Form: Hashable {
        case any
        case prefix([UInt8])  // includes the trailing "/"
        case exact([UInt8])
    }

    let form: Form

    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        self.text = text
        if text == "*" {
            form = .any
        } else if text.hasSuffix("/*") {
            let prefix = Array(text.utf8.dropLast())
            guard prefix.count > 1, !prefix.contains(UInt8(ascii: "*")) else { return nil }
            form = .prefix(prefix)
        } else {
            guard !text.contains("*") else { return nil }
            form = .exact(Array(text.utf8))
        }
    }

    public var description: String { text }

    /// Whether the concrete resource `name` is matched.
    public func matches(_ name: String) -> Bool {
        // (String == and hasPrefix use Unicode equivalence; the protocol compares bytes.)
        switch form {
        case .any: return !name.isEmpty
        case .prefix(let prefix): return name.utf8.count > prefix.count && name.utf8.starts(with: prefix)
        case .exact(let exact): return name.utf8.elementsEqual(exact)
        }
    }

    /// Whether every resource `other` matches is also matched by `self`: the test for a
    /// grant within what a principal owns, and a child scope within its parent's.
    public func covers(_ other: ResourcePattern) -> Bool {
        switch (form, other.form) {
        case (.any, _): return true
        case (.prefix(let mine), .prefix(let theirs)): return theirs.starts(with: mine)
        case (.prefix(let mine), .exact(let name)): return name.count > mine.count && name.starts(with: mine)
        case (.exact(let mine), .exact(let theirs)): return mine == theirs
        case (.prefix, .any), (.exact, .any), (.exact, .prefix): return false
        }
    }
}

extension Array where Element == ResourcePattern {
    func matches(_ name: String) -> Bool { contains { $0.matches(name) } }
    func covers(_ other: ResourcePattern) -> Bool { contains { $0.covers(other) } }
    func covers(all others: [ResourcePattern]) -> Bool { others.allSatisfy { covers($0) } }
}
