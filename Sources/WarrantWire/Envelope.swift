import WarrantCrypto

/// The outer form of every message: a CBOR map `{0: version, 1: kind, 2: sender,
/// 3: body, 4: signature}` where `body` is the canonical CBOR of the message as a byte
/// string and `signature` is Ed25519 by `sender` over
/// `"warrant/v1/<kind name>" ‖ 0x00 ‖ body`.
public struct Envelope: Hashable, Sendable {
    /// The only version this implementation speaks. A new version, not ignored fields,
    /// is how the format evolves.
    public static let version: UInt64 = 1

    public let kind: MessageKind
    public let sender: PublicKey
    public let body: [UInt8]
    public let signature: Signature

    static let fields = ["version", "kind", "sender", "body", "signature"]

    public init(kind: MessageKind, sender: PublicKey, body: [UInt8], signature: Signature) {
        self.kind = kind
        self.sender = sender
        self.body = body
        self.signature = signature
    }

    /// What the signature covers: the domain tag, one zero byte, the body.
    public static func signingInput(kind: MessageKind, body: [UInt8]) -> [UInt8] {
        var input = Array(kind.domain.utf8)
        input.reserveCapacity(input.count + 1 + body.count)
        input.append(0)
        input.append(contentsOf: body)
        return input
    }

    /// Encodes and signs `body` as one envelope.
    public static func seal<B: WireBody>(_ body: B, by key: SigningKey) -> Envelope {
        let bytes = body.cborBytes
        return Envelope(kind: B.kind, sender: key.publicKey, body: bytes,
                        signature: key.sign(signingInput(kind: B.kind, body: bytes)))
    }

    /// The canonical bytes of the envelope.
    public var encoded: [UInt8] {
        var w = CBORWriter(capacity: body.count + 128)
        w.writeMap { w in
            w.key(0); w.write(Self.version)
            w.key(1); w.write(UInt64(kind.rawValue))
            w.key(2); w.write(sender)
            w.key(3); w.write(bytes: body)
            w.key(4); w.write(signature)
        }
        return w.bytes
    }

    /// The kind of an encoded envelope, read from its first bytes without decoding it:
    /// `{0: version, 1: kind, …}` canonically begins `a5 00 01 01 <kind>`. Nil when the
    /// bytes do not begin like that (decode them to learn why). For routing only: nothing
    /// is verified.
    public static func peekKind(_ bytes: [UInt8]) -> MessageKind? {
        guard bytes.count > 5, bytes[0] == 0xa5, bytes[1] == 0x00, bytes[2] == UInt8(version), bytes[3] == 0x01 else { return nil }
        let raw: UInt8? = bytes[4] < 24 ? bytes[4] : (bytes[4] == 0x18 && bytes[5] >= 24 ? bytes[5] : nil)
        return raw.flatMap(MessageKind.init(rawValue:))
    }

    /// Whether `signature` verifies for `sender` over this kind's domain and the body.
    public var hasValidSignature: Bool {
        sender.verify(signature, over: Self.signingInput(kind: kind, body: body))
    }

    /// Parses the envelope structure strictly, without decoding the body or checking the
    /// signature.
    public init(decoding bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
        guard bytes.count <= limits.maxMessageBytes else {
            throw WireError(.tooLarge, "message of \(bytes.count) bytes exceeds the limit of \(limits.maxMessageBytes)")
        }
        var r = CBORReader(bytes, limits: limits)
        var version: UInt64?, kind: MessageKind?, sender: PublicKey?, body: [UInt8]?, signature: Signature?
        try r.readMap(fields: Self.fields) { r, key throws(WireError) in
            let start = r.offset
            switch key {
            case 0:
                let value = try r.readUInt()
                guard value == Self.version else {
                    throw WireError(.unsupportedVersion, "version \(value) is not supported (this is version \(Self.version))", offset: start)
                }
                version = value
            case 1:
                let raw = try r.readUInt()
                guard raw <= UInt64(UInt8.max), let known = MessageKind(rawValue: UInt8(raw)) else {
                    throw WireError(.unknownKind, "message kind \(raw) is not defined", offset: start)
                }
                kind = known
            case 2: sender = try r.readFixed()
            case 3: body = try r.readBytes()
            default: signature = try r.readFixed()
            }
        }
        try r.finish()
        _ = try required(version, "version", r)
        self.init(kind: try required(kind, "kind", r), sender: try required(sender, "sender", r),
                  body: try required(body, "body", r), signature: try required(signature, "signature", r))
    }
}

/// A message that passed every check: strict envelope, strict body for its kind, valid
/// signature. Keeps the bytes it arrived as, which are its only canonical form.
public struct SignedMessage: Hashable, Sendable {
    public let envelope: Envelope
    public let message: Message
    public let bytes: [UInt8]

    /// Decodes and verifies one envelope (Ed25519). The body is decoded before the
    /// signature is checked, so malformed input costs no signature verification.
    public init(opening bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
        try self.init(opening: bytes, limits: limits, scheme: .ed25519)
    }

    /// Decodes and verifies one envelope with the given signature scheme.
    public init(opening bytes: [UInt8], limits: WireLimits = .default, scheme: SignatureScheme) throws(WireError) {
        let envelope = try Envelope(decoding: bytes, limits: limits)
        let message: Message
        do {
            message = try Message(kind: envelope.kind, body: envelope.body, limits: limits)
        } catch {
            throw error.prefixed("body(\(envelope.kind.name))")
        }
        guard scheme.verifies(envelope) else {
            throw WireError(.badSignature, "signature does not verify for sender \(envelope.sender.short) over domain '\(envelope.kind.domain)'")
        }
        self.envelope = envelope
        self.message = message
        self.bytes = bytes
    }

    public init(openingUnverified bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
        let envelope = try Envelope(decoding: bytes, limits: limits)
        self.envelope = envelope
        message = try Message(kind: envelope.kind, body: envelope.body, limits: limits)
        self.bytes = bytes
    }

    /// Seals a body and keeps the result, for senders.
    public init<B: WireBody>(sealing body: B, by key: SigningKey) {
        envelope = Envelope.seal(body, by: key)
        bytes = envelope.encoded
        // Our own encoder's output always decodes.
        message = try! Message(kind: B.kind, body: envelope.body)
    }

    public var kind: MessageKind { envelope.kind }
    public var sender: PublicKey { envelope.sender }

    /// BLAKE2b-256 of the envelope bytes: the request id (and, for a grant, the session id).
    public var hash: Digest { Blake2b.hash(bytes) }
}
