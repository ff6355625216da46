import GRDB
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
    /// The signing guard beside the database cannot be read: the node will not guess how
    /// far it signed.
    case badGuard = "bad_guard"
}

public typealias StorageError = WarrantError<StorageErrorCode>

extension StorageError {
    /// An error from SQLite as a storage error: a file SQLite finds damaged (`SQLITE_CORRUPT`,
    /// `SQLITE_NOTADB`) is `corrupt` — a node moves it aside and restores from its peers —
    /// anything else (a full disk, an unreadable file) is `io`, and the file is left alone.
    static func sqlite(_ error: any Error, _ context: String) -> StorageError {
        if let database = error as? DatabaseError, [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(database.resultCode) {
            return StorageError(.corrupt, "\(context): \(error)")
        }
        return StorageError(.io, "\(context): \(error)")
    }
}
