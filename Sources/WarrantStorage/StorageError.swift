import WarrantErrors

/// What went wrong in WarrantStorage; the message names the database file.
public enum StorageErrorCode: String, ErrorCode {
    /// SQLite could not open, read or write the file.
    case io
    /// The database belongs to another cluster (a different genesis).
    case wrongGenesis = "wrong_genesis"
    /// The stored state does not hash to the hash stored for its height.
    case corrupt
    /// A block was committed out of sequence.
    case outOfSequence = "out_of_sequence"
}

public typealias StorageError = WarrantError<StorageErrorCode>
