import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantWire

/// The simulated world: an envelope arriving at a node goes through the replica's own
/// edge — modelled signatures, certificates, catch-up — exactly as on a node.
extension SimWorld {

    mutating func receive(from: Int, to: Int, _ bytes: [UInt8]) {
        nodes[to].byzantine.heard(bytes)
        var refusal: String?
        var decidedFromCertificate = false
        step(to, arrivedFrom: from) { replica, wall, monotonic in
            let reception = try replica.receive(bytes, now: wall, monotonicMs: monotonic)
            refusal = reception.refusal
            decidedFromCertificate = reception.outbound.contains { if case .committed = $0 { true } else { false } }
                && Envelope.peekKind(bytes) == .committedBlocks
            return reception.outbound
        }
        if decidedFromCertificate { coverage.reached(.catchUpOverCertificates) }
        if let refusal {
            // Forged catch-up answers (a bad certificate, a badly signed request in a block).
            if isHonest(to), refusal.contains("sent block") { refusals += 1 }
            if keepTrace { note("\(nodes[to].name) refuses from \(nodes[from].name): \(refusal)") }
        }
    }
}
