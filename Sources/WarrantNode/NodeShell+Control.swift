import WarrantCrypto
import WarrantFaults
import WarrantReplica
import WarrantTransport
import WarrantWire

/// The control endpoint: fault injection, obeyed only when signed by the coordinator's
/// key with a nonce the `ControlNonceGate` admits.
extension NodeShell {
    /// Bytes that are not a validly signed control command get a typed `error` (the
    /// decoder's reason code and what was wrong, where); a command that was read but
    /// refused — wrong signer, a nonce out of order, an unknown peer — gets a
    /// `control-answer` with `ok: false` saying why (docs/PROTOCOL.md, *Fault control*).
    func serveControl(_ request: IncomingRequest) {
        let opened: SignedMessage
        do {
            opened = try SignedMessage(opening: request.bytes, limits: WireLimits(maxMessageBytes: 64 * 1024))
        } catch {
            logger.notice("control error", metadata: ["reason": "\(error.reason.name)", "detail": "\(error)"])
            answer(request, ErrorMessage(reason: error.reason, message: "not a control command: \(error)"))
            return
        }
        guard case .control(let command) = opened.message else {
            answer(request, ErrorMessage(reason: .malformed, message: "a \(opened.kind.name) is not a control command", request: opened.hash))
            return
        }
        guard opened.sender == keys.coordinator else {
            logger.warning("control refused", metadata: ["signer": "\(opened.sender.short)"])
            answer(request, ControlAnswer(ok: false, message: "control commands must be signed by the coordinator's key; \(opened.sender.short) is not it"))
            return
        }
        switch controlNonces.admit(command.nonce, nowMs: clock.wallMs) {
        case .obey:
            break
        case .replayed(let floor, let sinceStart):
            let what = sinceStart ? "the moment this node started (a command signed before a restart)" : "the last accepted"
            answer(request, ControlAnswer(ok: false, message: "nonce \(command.nonce) is not above \(floor), \(what): a replay, or a clock gone back"))
            return
        case .tooFarAhead(let now):
            answer(request, ControlAnswer(ok: false, message: "nonce \(command.nonce) is more than a day ahead of this node's clock (\(now) ms): nonces are milliseconds since the epoch"))
            return
        }
        do {
            try database.saveControlNonce(command.nonce)
        } catch {
            // Still refused again by this process (the gate holds it), and after a restart
            // by the gate's start floor. A fault-injecting coordinator must reach a halted node.
            logger.warning("control nonce not saved", metadata: ["error": "\(error)"])
        }
        logger.notice("control", metadata: ["command": "\(command.command.name)"])
        answer(request, apply(command.command))
    }

    func apply(_ command: ControlCommand) -> ControlAnswer {
        switch command {
        case .status:
            let s = status
            return ControlAnswer(ok: true, message: "height \(s.height) round \(s.round) \(s.step), \(s.peersSeen.count) peers seen")
        case .setLinkFaults(let spec):
            guard let link = links[spec.peer] else { return ControlAnswer(ok: false, message: "no peer is named '\(spec.peer)'") }
            if replica.sabotage.contains(.ignoreLinkFaults) { return ControlAnswer(ok: true, message: "link faults set for \(spec.peer)") }
            // Decoding refused values out of range; clamped again so that no value can trap here.
            let faults = DirectionFaults(blocked: spec.blocked, dropPerMille: UInt16(min(spec.dropPerMille, 1_000)),
                                         delay: .milliseconds(min(spec.delayMs, LinkFaultSpec.maxDelayMs)),
                                         jitter: .milliseconds(min(spec.jitterMs, LinkFaultSpec.maxDelayMs)))
            var current = link.faults
            switch spec.direction {
            case .inbound: current.inbound = faults
            case .outbound: current.outbound = faults
            case .both: current = LinkFaults(inbound: faults, outbound: faults)
            }
            link.setFaults(current)
            return ControlAnswer(ok: true, message: "link faults set for \(spec.peer)")
        case .clearLinkFaults:
            for link in links.values { link.setFaults(.none) }
            return ControlAnswer(ok: true, message: "every link healed")
        case .setClockOffset(let ms):
            clock.offsetMs = max(-ControlCommand.maxClockOffsetMs, min(ControlCommand.maxClockOffsetMs, ms))
            return ControlAnswer(ok: true, message: "wall clock offset \(ms) ms")
        case .setConsensusPaused(let pause):
            guard pause != paused else { return ControlAnswer(ok: true, message: pause ? "already paused" : "already running") }
            paused = pause
            if !pause && halted == nil {
                do {
                    try carryOut(replica.start(now: clock.wallMs, monotonicMs: clock.monotonicMs))
                } catch {
                    failed(error)
                }
            }
            return ControlAnswer(ok: true, message: pause ? "consensus paused" : "consensus resumed")
        case .setByzantine(let mode):
            if mode == "honest" {
                byzantine.behaviours = []
                return ControlAnswer(ok: true, message: "honest")
            }
            let behaviours: Set<ByzantineBehaviour>
            do {
                behaviours = try ByzantineBehaviour.parse(mode.split(separator: ",").map(String.init), onNodes: true)
            } catch {
                return ControlAnswer(ok: false, message: "\(error) (or honest)")
            }
            byzantine.behaviours = behaviours
            logger.warning("BYZANTINE", metadata: ["behaviours": "\(behaviours.map(\.rawValue).sorted())"])
            return ControlAnswer(ok: true, message: "byzantine: \(behaviours.map(\.rawValue).sorted().joined(separator: ","))")
        }
    }
}
