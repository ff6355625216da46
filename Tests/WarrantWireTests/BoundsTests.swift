import Testing
import WarrantCrypto
import WarrantWire

/// Values a signed message may carry are bounded where a node would otherwise trap or
/// answer past its message limit (third-party client reports: a clock offset of
/// 2^63 − 1 ms and a jitter of 2^64 − 1 ms each crashed a node; 65,536 checks got a
/// 4.78 MB answer).
@Suite struct BoundsTests {
    func decode(_ command: (inout CBORWriter) -> Void) -> WireError? {
        var w = CBORWriter()
        w.writeMap { w in command(&w) }
        do {
            _ = try ControlCommand(cbor: w.bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func controlValuesOutsideTheirRangesAreRefusedAtDecoding() {
        let offsets: [Int64] = [.max, .min, ControlCommand.maxClockOffsetMs + 1, -ControlCommand.maxClockOffsetMs - 1]
        for offset in offsets {
            let error = decode { w in w.key(0); w.write(UInt64(3)); w.key(7); w.write(offset) }
            #expect(error?.code == .badValue && error?.description.contains("offsetMs") == true, "offset \(offset)")
        }
        #expect(decode { w in w.key(0); w.write(UInt64(3)); w.key(7); w.write(ControlCommand.maxClockOffsetMs) } == nil)
        for (field, key) in [("delayMs", 5), ("jitterMs", 6)] {
            for value in [UInt64.max, LinkFaultSpec.maxDelayMs + 1] {
                let error = decode { w in
                    w.key(0); w.write(UInt64(1))
                    w.key(1); w.write("n0"); w.key(2); w.write(UInt64(2)); w.key(3); w.write(false); w.key(4); w.write(UInt64(0))
                    w.key(5); w.write(key == 5 ? value : 0)
                    w.key(6); w.write(key == 6 ? value : 0)
                }
                #expect(error?.code == .badValue && error?.description.contains(field) == true, "\(field) \(value)")
            }
        }
        let longMode = String(repeating: "x", count: ControlCommand.maxModeBytes + 1)
        #expect(decode { w in w.key(0); w.write(UInt64(5)); w.key(9); w.write(longMode) }?.code == .badValue)
    }

    /// The bound the batch is held to rests on this: no answer entry exceeds 160 bytes.
    @Test func theLargestCheckAnswerFitsItsBound() {
        let worst = CheckAnswer(allowed: true, reason: nil, height: .max, wallClockMs: .max, lastBlockTimeMs: .max,
                                sinceLastBlockMs: .max, session: Blake2b.hash([1]), remainingBudget: .max, remainingUses: .max,
                                timeLeftMs: .max, sinceQuorumMs: .max, clockOffsetMs: .min)
        let deny = CheckAnswer(allowed: false, reason: .tooLarge, height: .max, wallClockMs: .max, lastBlockTimeMs: .max,
                               sinceLastBlockMs: .max, session: Blake2b.hash([1]), sinceQuorumMs: .max, clockOffsetMs: .min)
        #expect(worst.cborBytes.count <= CheckBatchAnswer.maxEntryBytes)
        #expect(deny.cborBytes.count <= CheckBatchAnswer.maxEntryBytes)
        // A full batch's answer, sealed, fits in the default 4 MiB limit.
        let full = CheckBatchAnswer(answers: Array(repeating: worst, count: CheckBatch.maxChecks))
        let sealed = Envelope.seal(full, by: try! SigningKey(seed: [UInt8](repeating: 9, count: 32))).encoded
        #expect(sealed.count <= WireLimits.default.maxMessageBytes)
        #expect(sealed.count <= CheckBatch.maxChecks * CheckBatchAnswer.maxEntryBytes + CheckBatchAnswer.overheadBytes)
        #expect(CheckBatchAnswer.maxChecks(maxMessageBytes: WireLimits.default.maxMessageBytes) == CheckBatch.maxChecks)
        #expect(CheckBatchAnswer.maxChecks(maxMessageBytes: 65_536) == 408)
    }

    @Test func aBatchOverTheLimitIsRefusedTooLarge() throws {
        let check = Check(sessionKey: PublicKey(unchecked: [UInt8](repeating: 3, count: 32)), operation: "r", resource: "a", amount: 0)
        let over = CheckBatch(checks: Array(repeating: check, count: CheckBatch.maxChecks + 1))
        #expect(throws: WireError.self) { try CheckBatch(cbor: over.cborBytes) }
        do {
            _ = try CheckBatch(cbor: over.cborBytes)
        } catch {
            #expect(error.code == .tooLarge)
        }
        let full = CheckBatch(checks: Array(repeating: check, count: CheckBatch.maxChecks))
        #expect(try CheckBatch(cbor: full.cborBytes).checks.count == CheckBatch.maxChecks)
    }
}
