import WarrantErrors

/// What went wrong in WarrantCrypto; the message names the file or value at fault.
public enum CryptoErrorCode: String, ErrorCode {
    /// A byte string had the wrong length for what it claims to be.
    case wrongLength = "wrong_length"
    /// Text that should be hexadecimal was not.
    case badEncoding = "bad_encoding"
    /// A key file could not be read or written.
    case fileUnreadable = "file_unreadable"
    /// A secret key file is readable by group or others.
    case badPermissions = "bad_permissions"
    /// A key file lacks a field or holds one it should not.
    case badKeyFile = "bad_key_file"
    /// The public key stored beside a secret seed does not match it.
    case keyMismatch = "key_mismatch"
}

public typealias CryptoError = WarrantError<CryptoErrorCode>
