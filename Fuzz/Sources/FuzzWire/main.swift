import FuzzSupport
import WarrantCrypto
import WarrantWire

/// Any bytes as an envelope: decoding either fails with a typed error or yields an
/// envelope whose body decodes or fails the same way; what decodes is canonical — encoding
/// it again gives back the very bytes (the wire format has one encoding per value). A
/// crash, a hang or a non-canonical success is a finding.
func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let envelope = try? Envelope(decoding: bytes) else { return 0 }
    precondition(envelope.encoded == bytes, "an envelope decoded from bytes that are not its canonical encoding")
    guard let message = try? Message(kind: envelope.kind, body: envelope.body, limits: .default) else { return 0 }
    precondition(message.body.cborBytes == envelope.body, "a \(envelope.kind.name) body decoded from bytes that are not its canonical encoding")
    _ = SignatureScheme.ed25519.verifies(envelope)
    return 0
}

runFuzzer { fuzzWire($0, $1) }
