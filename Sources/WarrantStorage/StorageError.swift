/// Every error WarrantStorage throws, naming the database file.
public struct StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// SQLite could not open, read or write the file.
        case io
        /// The database belongs to another cluster (a different genesis).
        case wrongGenesis = "wrong_genesis"
        /// The stored state does not hash to the hash stored for its height.
        case corrupt
        /// A block was committed out of sequence.
        case outOfSequence = "out_of_sequence"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
