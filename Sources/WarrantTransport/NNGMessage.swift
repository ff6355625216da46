import CNNG

/// Conversions between Swift bytes and nng messages. A message passed to a successful
/// send belongs to nng; on failure it is still ours and must be freed (nng_sendmsg(3)).
enum NNGMessage {
    static func make(_ bytes: [UInt8]) throws(TransportError) -> OpaquePointer {
        var msg: OpaquePointer?
        try check(nng_msg_alloc(&msg, bytes.count), "allocating a message of \(bytes.count) bytes")
        if !bytes.isEmpty {
            bytes.withUnsafeBytes { buffer in
                nng_msg_body(msg).copyMemory(from: buffer.baseAddress!, byteCount: buffer.count)
            }
        }
        return msg!
    }

    /// Copies the body out and frees the message.
    static func take(_ msg: OpaquePointer) -> [UInt8] {
        defer { nng_msg_free(msg) }
        let length = nng_msg_len(msg)
        guard length > 0, let body = nng_msg_body(msg) else { return [] }
        return Array(UnsafeRawBufferPointer(start: body, count: length))
    }
}
