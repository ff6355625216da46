import WarrantCrypto
import WarrantWire

/// The published test vectors (`Tests/Vectors/wire.json`, `wire-invalid.json`), built
/// deterministically from fixed seeds so anyone can regenerate and compare them
/// (`warrant-coordinator wire vectors`). Ed25519 signatures are deterministic, so the
/// same code always yields the same bytes.
public enum WireVectors {
    /// One valid, signed message.
    public struct Valid: Encodable, Sendable {
        public let name: String
        public let kind: String
        public let domain: String
        public let seed_hex: String
        public let public_key_hex: String
        public let body_hex: String
        public let signature_hex: String
        public let envelope_hex: String
        public let fields: Message
    }

    /// Bytes that must be refused, with the `WireError.Code` expected.
    public struct Invalid: Encodable, Sendable {
        public let name: String
        public let envelope_hex: String
        public let error: String
    }

    static func key(_ byte: UInt8) -> SigningKey {
        try! SigningKey(seed: [UInt8](repeating: byte, count: 32))
    }

    static let principalSeed: UInt8 = 0x01
    static let agentSeed: UInt8 = 0x02
    static let nodeSeed: UInt8 = 0x03
    static let coordinatorSeed: UInt8 = 0x04
    static let otherNodeSeed: UInt8 = 0x05

    static let t0: UInt64 = 1_764_000_000_000
    static let sessionID = Blake2b.hash(Array("example session".utf8))
    static let blockID = Blake2b.hash(Array("example block".utf8))

    static func valid<B: WireBody>(_ name: String, _ body: B, seed: UInt8) -> Valid {
        let signer = key(seed)
        let envelope = Envelope.seal(body, by: signer)
        return Valid(
            name: name, kind: B.kind.name, domain: B.kind.domain,
            seed_hex: Hex.encode([UInt8](repeating: seed, count: 32)), public_key_hex: signer.publicKey.hex,
            body_hex: Hex.encode(envelope.body), signature_hex: envelope.signature.hex,
            envelope_hex: Hex.encode(envelope.encoded), fields: try! Message(kind: B.kind, body: envelope.body))
    }

    static var exampleGrant: Grant {
        Grant(nonce: 1, sessionKey: key(agentSeed).publicKey,
              scope: Scope(operations: ["read", "write"], resources: ["files/reports/*", "mail/outbox"], maxAmount: 50),
              notBefore: t0, expiresAt: t0 + 3_600_000, budget: 1_000, maxUses: 100,
              rate: RateLimit(count: 10, windowMs: 60_000))
    }

    static var examplePrecommits: [CommitSignature] { precommits(height: 41, block: blockID) }

    /// Three validators' precommit signatures for `block` at `height`, round 0.
    static func precommits(height: UInt64, block: Digest) -> [CommitSignature] {
        [nodeSeed, otherNodeSeed, 0x06].map { seed in
            let signer = key(seed)
            let vote = Precommit(height: height, round: 0, block: block)
            return CommitSignature(
                validator: signer.publicKey,
                signature: signer.sign(Envelope.signingInput(kind: .precommit, body: vote.cborBytes)))
        }
    }

    static var exampleBlock: Block {
        let grant = Envelope.seal(exampleGrant, by: key(principalSeed)).encoded
        let act = Envelope.seal(Act(session: sessionID, sequence: 1, operation: "read", resource: "files/reports/q3", amount: 5),
                                by: key(agentSeed)).encoded
        return Block(height: 42, timeMs: t0 + 1_000, proposer: key(nodeSeed).publicKey, previous: blockID,
                     lastCommit: Certificate(height: 41, round: 0, block: blockID, signatures: examplePrecommits),
                     stateHash: Blake2b.hash(Array("example state".utf8)),
                     requests: [ByteString(grant), ByteString(act)], evidence: [exampleEvidence])
    }

    static var exampleEvidence: Evidence {
        let signer = key(otherNodeSeed)
        let a = Envelope.seal(Prevote(height: 40, round: 1, block: blockID), by: signer).encoded
        let b = Envelope.seal(Prevote(height: 40, round: 1, block: nil), by: signer).encoded
        return Evidence(a, b)
    }

    public static func valid() -> [Valid] {
        let answerAllow = CheckAnswer(allowed: true, reason: nil, height: 42, wallClockMs: t0 + 1_500,
                                      lastBlockTimeMs: t0 + 1_000, sinceLastBlockMs: 480, session: sessionID,
                                      remainingBudget: 995, remainingUses: 99, timeLeftMs: 3_598_500, sinceQuorumMs: 120,
                                      clockOffsetMs: -4)
        let answerDeny = CheckAnswer(allowed: false, reason: .expired, height: 42, wallClockMs: t0 + 3_700_000,
                                     lastBlockTimeMs: t0 + 3_699_000, sinceLastBlockMs: 950, sinceQuorumMs: 210, clockOffsetMs: 7)
        let check = Check(sessionKey: key(agentSeed).publicKey, operation: "read", resource: "files/reports/q3", amount: 5)
        return [
            valid("grant", exampleGrant, seed: principalSeed),
            valid("grant-minimal", Grant(nonce: 0, sessionKey: key(agentSeed).publicKey,
                                         scope: Scope(operations: ["read"], resources: ["files/*"]),
                                         notBefore: t0, expiresAt: t0 + 60_000, budget: 0), seed: principalSeed),
            valid("grant-sub-delegation", Grant(nonce: 7, sessionKey: key(0x07).publicKey,
                                                scope: Scope(operations: ["read"], resources: ["files/reports/*"], maxAmount: 10),
                                                notBefore: t0, expiresAt: t0 + 600_000, budget: 100, maxUses: 10,
                                                parent: sessionID), seed: agentSeed),
            valid("revoke", Revoke(nonce: 2, session: sessionID), seed: principalSeed),
            valid("revoke-all", RevokeAll(nonce: 3), seed: principalSeed),
            valid("act", Act(session: sessionID, sequence: 1, operation: "read", resource: "files/reports/q3", amount: 5),
                  seed: agentSeed),
            valid("check", check, seed: coordinatorSeed),
            valid("check-with-session", Check(sessionKey: key(agentSeed).publicKey, operation: "write",
                                              resource: "mail/outbox", amount: 0, session: sessionID), seed: coordinatorSeed),
            valid("check-batch", CheckBatch(checks: [check, Check(sessionKey: key(0x07).publicKey, operation: "read",
                                                                   resource: "files/a", amount: 1)]), seed: coordinatorSeed),
            valid("check-answer-allow", answerAllow, seed: nodeSeed),
            valid("check-answer-deny", answerDeny, seed: nodeSeed),
            valid("check-batch-answer", CheckBatchAnswer(answers: [answerAllow, answerDeny]), seed: nodeSeed),
            valid("result-accepted", RequestResult(outcome: RequestOutcome(request: sessionID, accepted: true, reason: nil),
                                                   height: 42, blockTimeMs: t0 + 1_000), seed: nodeSeed),
            valid("result-rejected", RequestResult(outcome: RequestOutcome(request: sessionID, accepted: false, reason: .overBudget),
                                                   height: 42, blockTimeMs: t0 + 1_000), seed: nodeSeed),
            valid("error", ErrorMessage(reason: .malformed, message: "unknown_key at grant.color (byte 12)"), seed: nodeSeed),
            valid("proposal", Proposal(height: 42, round: 0, validRound: -1, block: exampleBlock), seed: nodeSeed),
            valid("proposal-reproposed", Proposal(height: 42, round: 3, validRound: 1, block: exampleBlock), seed: nodeSeed),
            valid("prevote", Prevote(height: 42, round: 0, block: blockID), seed: nodeSeed),
            valid("prevote-nil", Prevote(height: 42, round: 1, block: nil), seed: nodeSeed),
            valid("precommit", Precommit(height: 42, round: 0, block: blockID), seed: nodeSeed),
            valid("certificate", Certificate(height: 41, round: 0, block: blockID, signatures: examplePrecommits), seed: nodeSeed),
            valid("block", exampleBlock, seed: nodeSeed),
            valid("evidence", exampleEvidence, seed: nodeSeed),
            valid("commit-notice", CommitNotice(height: 42, block: blockID, timeMs: t0 + 1_000,
                                                stateHash: Blake2b.hash(Array("state after 42".utf8)),
                                                outcomes: [RequestOutcome(request: sessionID, accepted: true, reason: nil),
                                                           RequestOutcome(request: blockID, accepted: false, reason: .replay)]),
                  seed: nodeSeed),
            valid("control-status", Control(nonce: 1, command: .status), seed: coordinatorSeed),
            valid("control-link-faults", Control(nonce: 2, command: .setLinkFaults(LinkFaultSpec(
                peer: "n3", direction: .both, blocked: false, dropPerMille: 250, delayMs: 40, jitterMs: 10))), seed: coordinatorSeed),
            valid("control-clear-link-faults", Control(nonce: 3, command: .clearLinkFaults), seed: coordinatorSeed),
            valid("control-clock-offset", Control(nonce: 4, command: .setClockOffset(ms: -1_500)), seed: coordinatorSeed),
            valid("control-pause", Control(nonce: 5, command: .setConsensusPaused(true)), seed: coordinatorSeed),
            valid("control-byzantine", Control(nonce: 6, command: .setByzantine(mode: "equivocate")), seed: coordinatorSeed),
            valid("control-answer", ControlAnswer(ok: true, message: "link faults set for n3"), seed: nodeSeed),
            valid("block-request", BlockRequest(fromHeight: 37, maxCount: 20), seed: nodeSeed),
            valid("status-query", StatusQuery(), seed: coordinatorSeed),
            valid("node-status", NodeStatus(node: "n2", height: 42, round: 0, step: "prevote", lastBlockTimeMs: t0 + 1_000,
                                             sinceLastBlockMs: 310, wallClockMs: t0 + 1_310,
                                             stateHash: Blake2b.hash(Array("state after 42".utf8)), sessions: 12,
                                             peersSeen: ["n0", "n1", "n3"], paused: false, proposer: key(otherNodeSeed).publicKey,
                                             fresh: true, sinceQuorumMs: 140, clockOffsetMs: -12, clockVouched: true,
                                             received: [LinkReceived(peer: "n0", messages: 812), LinkReceived(peer: "n1", messages: 790),
                                                        LinkReceived(peer: "n3", messages: 0)]),
                  seed: nodeSeed),
            valid("node-status-restarted", NodeStatus(node: "n3", height: 40, round: 0, step: "propose", lastBlockTimeMs: t0,
                                                       sinceLastBlockMs: 95, wallClockMs: t0 + 9_000,
                                                       stateHash: Blake2b.hash(Array("state after 40".utf8)), sessions: 11,
                                                       peersSeen: [], paused: false, proposer: key(otherNodeSeed).publicKey,
                                                       fresh: false, sinceQuorumMs: nil, clockOffsetMs: nil, clockVouched: false),
                  seed: nodeSeed),
            valid("clock-probe", ClockProbe(nonce: 0x5eed_0000_0000_0001), seed: nodeSeed),
            valid("clock-reading", ClockReading(nonce: 0x5eed_0000_0000_0001, height: 42, timeMs: t0 + 1_310), seed: otherNodeSeed),
            valid("session-query", SessionQuery(sessionKey: key(agentSeed).publicKey), seed: coordinatorSeed),
            valid("session-list", SessionList(sessions: [SessionInfo(
                id: sessionID, principal: key(principalSeed).publicKey, sessionKey: key(agentSeed).publicKey, operations: ["read"],
                resources: ["files/reports/*"], notBefore: t0, expiresAt: t0 + 3_600_000, budget: 1_000, spent: 5, uses: 1,
                revoked: false, parent: nil)], truncated: false), seed: nodeSeed),
            valid("committed-blocks", CommittedBlocks(entries: [CommittedBlock(
                block: exampleBlock, certificate: Certificate(height: 42, round: 0, block: exampleBlock.hash,
                                         signatures: precommits(height: 42, block: exampleBlock.hash)))]),
                  seed: nodeSeed),
        ]
    }

    // MARK: invalid vectors

    /// A raw envelope map with the given entries, in the given order (not necessarily
    /// canonical): lets vectors break exactly one rule.
    static func rawEnvelope(_ entries: [(UInt64, [UInt8])], trailing: [UInt8] = []) -> [UInt8] {
        var w = CBORWriter()
        w.writeHead(5, UInt64(entries.count))
        var bytes = w.bytes
        for (key, value) in entries {
            var k = CBORWriter()
            k.write(key)
            bytes += k.bytes + value
        }
        return bytes + trailing
    }

    static func item(_ write: (inout CBORWriter) -> Void) -> [UInt8] {
        var w = CBORWriter()
        write(&w)
        return w.bytes
    }

    /// The envelope fields of `body` signed by `seed` as `kind` (signed over the given
    /// body bytes, so a defect inside the body is the only fault).
    static func entries(kind: MessageKind, body: [UInt8], seed: UInt8 = principalSeed, domainKind: MessageKind? = nil,
                        version: UInt64 = Envelope.version) -> [(UInt64, [UInt8])] {
        let signer = key(seed)
        let signature = signer.sign(Envelope.signingInput(kind: domainKind ?? kind, body: body))
        return [
            (0, item { $0.write(version) }),
            (1, item { $0.write(UInt64(kind.rawValue)) }),
            (2, item { $0.write(signer.publicKey) }),
            (3, item { $0.write(bytes: body) }),
            (4, item { $0.write(signature) }),
        ]
    }

    /// A grant body whose field `nonce` (key 0, the first entry) is replaced by raw bytes.
    static func grantBody(nonce: [UInt8], extra: [(UInt64, [UInt8])] = []) -> [UInt8] {
        let canonical = exampleGrant.cborBytes
        // exampleGrant's body: map header (1 byte), key 0 (1 byte), nonce 1 (1 byte), rest.
        var body = [canonical[0] + UInt8(extra.count), canonical[1]] + nonce + canonical[3...]
        for (key, value) in extra { body += item { $0.write(key) } + value }
        return body
    }

    public static func invalid() -> [Invalid] {
        let grant = exampleGrant.cborBytes
        let good = entries(kind: .grant, body: grant)
        func vector(_ name: String, _ bytes: [UInt8], _ error: WireError.Code) -> Invalid {
            Invalid(name: name, envelope_hex: Hex.encode(bytes), error: error.rawValue)
        }
        let valid = rawEnvelope(good)
        var flipped = good
        flipped[4].1[20] ^= 0x01
        var swapped = good
        swapped.swapAt(1, 2)
        var duplicated = good
        duplicated.insert((1, item { $0.write(UInt64(MessageKind.grant.rawValue)) }), at: 2)
        let lowOrderKey: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)
        let lowOrder: [(UInt64, [UInt8])] = [
            (0, item { $0.write(Envelope.version) }), (1, item { $0.write(UInt64(MessageKind.grant.rawValue)) }),
            (2, item { $0.write(bytes: lowOrderKey) }), (3, item { $0.write(bytes: grant) }),
            (4, item { $0.write(bytes: lowOrderKey + [UInt8](repeating: 0, count: 32)) }),
        ]
        var hugeBody = good
        // A byte-string head claiming 2^32 bytes: refused before anything is allocated.
        hugeBody[3].1 = [0x5b, 0, 0, 0, 1, 0, 0, 0, 0]
        var indefinite = good
        indefinite[3].1 = [0x5f, 0x41, 0x00, 0xff]
        return [
            vector("non-canonical-integer", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: [0x18, 0x01]))), .nonCanonical),
            vector("non-canonical-length", rawEnvelope(good.map { $0.0 == 2 ? ($0.0, [0x59, 0x00, 0x20] + $0.1.dropFirst(2)) : $0 }), .nonCanonical),
            vector("unsorted-keys", rawEnvelope(swapped), .unsortedKeys),
            vector("duplicate-key", rawEnvelope(duplicated), .duplicateKey),
            vector("tag", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: [0xc2, 0x41, 0x01]))), .tag),
            vector("float", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: [0xf9, 0x3c, 0x00]))), .float),
            vector("null", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: [0xf6]))), .simpleValue),
            vector("indefinite-length", rawEnvelope(indefinite), .indefiniteLength),
            vector("trailing-byte", valid + [0x00], .trailingBytes),
            vector("truncated", Array(valid.dropLast()), .truncated),
            vector("oversize", rawEnvelope(hugeBody), .tooLarge),
            vector("unknown-key", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: [0x01], extra: [(9, [0x01])]))), .unknownKey),
            vector("unknown-envelope-key", rawEnvelope(good + [(5, [0x00])]), .unknownKey),
            vector("missing-field", rawEnvelope(Array(good.dropLast())), .missingField),
            vector("wrong-type", rawEnvelope(entries(kind: .grant, body: grantBody(nonce: item { $0.write("1") }))), .wrongType),
            vector("invalid-utf8", rawEnvelope(entries(kind: .act, body: item { w in
                w.writeMap { w in
                    w.key(0); w.write(sessionID)
                    w.key(1); w.write(UInt64(1))
                    w.key(2); w.writeHead(3, 2); w.writeRaw([0xc3, 0x28])
                    w.key(3); w.write("files/a")
                    w.key(4); w.write(UInt64(0))
                }
            }, seed: agentSeed)), .invalidUTF8),
            vector("wrong-domain", rawEnvelope(entries(kind: .grant, body: grant, domainKind: .act)), .badSignature),
            vector("flipped-signature-bit", rawEnvelope(flipped), .badSignature),
            vector("small-order-sender", rawEnvelope(lowOrder), .badSignature),
            vector("wrong-version", rawEnvelope(entries(kind: .grant, body: grant, version: 2)), .unsupportedVersion),
            vector("unknown-kind", rawEnvelope(good.map { $0.0 == 1 ? ($0.0, item { $0.write(UInt64(200)) }) : $0 }), .unknownKind),
            vector("empty-scope-operations", rawEnvelope(entries(kind: .grant, body: item { w in
                var g = exampleGrant
                g.scope.operations = []
                g.encode(to: &w)
            })), .badValue),
            vector("empty-input", [], .truncated),
        ]
    }
}
