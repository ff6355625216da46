import Foundation
import Testing
import WarrantTestSupport
import WarrantCrypto
@testable import WarrantVectors
@testable import WarrantWire

@Suite struct MessageTests {
    static let signer = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))

    @Test(arguments: WireVectors.valid().map(\.name))
    func everyMessageRoundTripsThroughItsEnvelope(_ name: String) throws {
        let vector = WireVectors.valid().first { $0.name == name }!
        let bytes = try Hex.decode(vector.envelope_hex)
        let opened = try SignedMessage(opening: bytes)
        #expect(opened.kind.name == vector.kind)
        #expect(opened.message.kind == opened.kind)
        #expect(opened.message.body.cborBytes == opened.envelope.body)
        #expect(opened.envelope.encoded == bytes)
        #expect(opened.sender.hex == vector.public_key_hex)
    }

    @Test func vectorsCoverEveryKindAndEveryControlCommand() {
        let kinds = Set(WireVectors.valid().map(\.kind))
        #expect(kinds == Set(MessageKind.allCases.map(\.name)))
        let commands = WireVectors.valid().compactMap { v -> String? in
            if case .control(let c) = v.fields { return c.command.name } else { return nil }
        }
        #expect(Set(commands).count == ControlCommand.keysByType.count)
        #expect(Set(WireVectors.invalid().map(\.error)).count >= 14)
    }

    /// Prevote and precommit bodies have the same layout; only the signing domain keeps
    /// a prevote from being replayed as a precommit.
    @Test func aBodySignedAsOneKindNeverVerifiesAsAnother() throws {
        let prevote = Envelope.seal(Prevote(height: 5, round: 0, block: Digest.zero), by: Self.signer)
        let relabelled = Envelope(kind: .precommit, sender: prevote.sender, body: prevote.body, signature: prevote.signature)
        #expect(throws: WireError(.badSignature, "signature does not verify for sender \(prevote.sender.short) over domain 'warrant/v1/precommit'")) {
            try SignedMessage(opening: relabelled.encoded)
        }
        #expect(try SignedMessage(opening: prevote.encoded).kind == .prevote)
        for kind in MessageKind.allCases where kind != .prevote {
            #expect(!Self.signer.publicKey.verify(prevote.signature, over: Envelope.signingInput(kind: kind, body: prevote.body)))
        }
    }

    @Test func noDomainTagIsAPrefixOfAnother() {
        let tags = MessageKind.allCases.map { Array($0.domain.utf8) + [0] }
        for (i, a) in tags.enumerated() {
            for (j, b) in tags.enumerated() where i != j {
                #expect(!b.starts(with: a))
            }
        }
    }

    /// Every prefix of a valid envelope is refused; none crashes the decoder.
    @Test func everyTruncationIsRefused() throws {
        for vector in WireVectors.valid().prefix(6) {
            let bytes = try Hex.decode(vector.envelope_hex)
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try SignedMessage(opening: Array(bytes.prefix(length))) }
            }
        }
    }

    /// Flipping any one bit of a signed envelope is detected: the message has one valid
    /// byte form and the signature binds all of it.
    @Test func everySingleBitFlipIsRefused() throws {
        for name in ["revoke", "act", "prevote-nil"] {
            let bytes = try Hex.decode(WireVectors.valid().first { $0.name == name }!.envelope_hex)
            for bit in 0..<(bytes.count * 8) {
                var flipped = bytes
                flipped[bit / 8] ^= 1 << UInt8(bit % 8)
                #expect(throws: WireError.self, "bit \(bit) of \(name)") { try SignedMessage(opening: flipped) }
            }
        }
    }

    @Test func randomInputNeverCrashesAndIsRefused() {
        var rng = SplitMix64(seed: 0x5eed)
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 96)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if count > 0 && rng.next() % 2 == 0 { bytes[0] = 0xa5 }  // often a 5-entry map, like an envelope
            #expect(throws: WireError.self) { try SignedMessage(opening: bytes) }
        }
    }

    @Test func oversizeEnvelopeIsRefusedBeforeParsing() throws {
        let envelope = Envelope.seal(ControlAnswer(ok: true, message: String(repeating: "x", count: 200)), by: Self.signer).encoded
        var limits = WireLimits.default
        limits.maxMessageBytes = 100
        do {
            _ = try SignedMessage(opening: envelope, limits: limits)
            Issue.record("oversize envelope accepted")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.reason == .tooLarge)
        }
    }

    @Test func reasonCodesKeepTheirDesignNames() {
        #expect(ReasonCode.allCases.map(\.name) == [
            "expired", "not_yet_valid", "revoked", "out_of_scope", "not_owner", "over_budget", "over_action_cap",
            "uses_exhausted", "rate_limited", "depth_exceeded", "exceeds_parent", "replay", "unknown_session",
            "bad_signature", "stale", "clock_skew", "malformed", "too_large", "timeout", "unavailable",
        ])
        for code in ReasonCode.allCases { #expect(ReasonCode(name: code.name) == code) }
    }

    @Test func scopeSetsAreNormalisedAndNonCanonicalSetsRefused() throws {
        let scope = Scope(operations: ["write", "read", "write"], resources: ["b", "a"])
        #expect(scope.operations == ["read", "write"])
        #expect(scope.resources == ["a", "b"])
        var w = CBORWriter()
        w.writeMap { w in
            w.key(0); w.writeArray(["write", "read"]) { $0.write($1) }
            w.key(1); w.writeArray(["a"]) { $0.write($1) }
        }
        #expect(throws: WireError.self) { try Scope(cbor: w.bytes) }
    }

    @Test func checkAnswerReasonMustMatchDecision() throws {
        var w = CBORWriter()
        w.writeMap { w in
            w.key(0); w.write(true)
            w.key(1); w.write(UInt64(ReasonCode.expired.rawValue))
            w.key(2); w.write(UInt64(1))
            w.key(3); w.write(UInt64(1))
            w.key(4); w.write(UInt64(1))
            w.key(5); w.write(UInt64(1))
        }
        #expect(throws: WireError.self) { try CheckAnswer(cbor: w.bytes) }
    }

    @Test func controlCommandsRefuseFieldsOfOtherCommands() throws {
        var w = CBORWriter()
        w.writeMap { w in
            w.key(0); w.write(UInt64(3))  // set_clock_offset
            w.key(8); w.write(true)  // `paused` belongs to set_consensus_paused
        }
        do {
            _ = try ControlCommand(cbor: w.bytes)
            Issue.record("foreign field accepted")
        } catch {
            #expect(error.code == .unknownKey)
        }
        for command in [ControlCommand.status, .clearLinkFaults, .setClockOffset(ms: -5), .setConsensusPaused(false),
                        .setByzantine(mode: "withhold-votes"),
                        .setLinkFaults(LinkFaultSpec(peer: "n1", direction: .inbound, blocked: true))] {
            #expect(try ControlCommand(cbor: command.cborBytes) == command)
        }
    }

    @Test func peekingAtTheKindAgreesWithDecoding() throws {
        for vector in WireVectors.valid() {
            let bytes = try Hex.decode(vector.envelope_hex)
            #expect(Envelope.peekKind(bytes) == (try Envelope(decoding: bytes)).kind, "\(vector.name)")
        }
        #expect(Envelope.peekKind([0xa5, 0x00, 0x02, 0x01, 0x04, 0x00]) == nil)  // version 2
        #expect(Envelope.peekKind([0xa5, 0x00, 0x01, 0x01, 0x18, 0x05]) == nil)  // non-canonical 5
        #expect(Envelope.peekKind([0xa5, 0x00, 0x01, 0x01, 0x18, 0x1a, 0x00]) == .clockProbe)
        #expect(Envelope.peekKind([0xff]) == nil)
    }

    @Test func signedMessageHashIsTheHashOfItsBytes() {
        let message = SignedMessage(sealing: RevokeAll(nonce: 4), by: Self.signer)
        #expect(message.hash == Blake2b.hash(message.bytes))
        #expect(message.message == .revokeAll(RevokeAll(nonce: 4)))
    }
}

@Suite struct JSONFormTests {
    @Test func kindsAndReasonsAreShownByName() throws {
        let encoder = JSONEncoder()
        #expect(String(decoding: try encoder.encode([MessageKind.revokeAll]), as: UTF8.self) == #"["revoke-all"]"#)
        #expect(String(decoding: try encoder.encode([ReasonCode.notYetValid]), as: UTF8.self) == #"["not_yet_valid"]"#)
        #expect(try JSONDecoder().decode([ReasonCode].self, from: Data(#"["clock_skew"]"#.utf8)) == [.clockSkew])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([MessageKind].self, from: Data(#"["nope"]"#.utf8)) }
    }
}
