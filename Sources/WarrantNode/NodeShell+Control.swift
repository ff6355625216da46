import WarrantCrypto
import WarrantTransport
import WarrantWire

/// The control endpoint: fault injection, obeyed only when signed by the coordinator's
/// key with a nonce above the last one accepted.
extension NodeShell {
    func serveControl(_ request: IncomingRequest) {
        guard let opened = try? SignedMessage(opening: request.bytes), case .control(let command) = opened.message else {
            answer(request, ControlAnswer(ok: false, message: "not a validly signed control command"))
            return
        }
        guard opened.sender == keys.coordinator else {
            logger.warning("control refused", metadata: ["signer": "\(opened.sender.short)"])
            answer(request, ControlAnswer(ok: false, message: "control commands must be signed by the coordinator's key"))
            return
        }
        guard command.nonce > controlNonce else {
            answer(request, ControlAnswer(ok: false, message: "nonce \(command.nonce) is not above \(controlNonce): a replay"))
            return
        }
        controlNonce = command.nonce
        do {
            try replica.store.saveControlNonce(command.nonce)
        } catch {
            fail(error)
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
            guard let outbox = outboxes[spec.peer] else { return ControlAnswer(ok: false, message: "no peer is named '\(spec.peer)'") }
            let faults = DirectionFaults(blocked: spec.blocked, dropPerMille: UInt16(min(spec.dropPerMille, 1_000)),
                                         delay: .milliseconds(spec.delayMs), jitter: .milliseconds(spec.jitterMs))
            var current = outbox.link.faults
            switch spec.direction {
            case .inbound: current.inbound = faults
            case .outbound: current.outbound = faults
            case .both: current = LinkFaults(inbound: faults, outbound: faults)
            }
            outbox.link.setFaults(current)
            return ControlAnswer(ok: true, message: "link faults set for \(spec.peer)")
        case .clearLinkFaults:
            for outbox in outboxes.values { outbox.link.setFaults(.none) }
            return ControlAnswer(ok: true, message: "every link healed")
        case .setClockOffset(let ms):
            clock.offsetMs = ms
            return ControlAnswer(ok: true, message: "wall clock offset \(ms) ms")
        case .setConsensusPaused(let pause):
            guard pause != paused else { return ControlAnswer(ok: true, message: pause ? "already paused" : "already running") }
            paused = pause
            if !pause {
                do {
                    try carryOut(replica.start(now: clock.wallMs, monotonicMs: clock.monotonicMs))
                } catch {
                    fail(error)
                }
            }
            return ControlAnswer(ok: true, message: pause ? "consensus paused" : "consensus resumed")
        case .setByzantine(let mode):
            if mode == "honest" {
                byzantine.modes = []
                return ControlAnswer(ok: true, message: "honest")
            }
            var modes: Set<ByzantineMode> = []
            for name in mode.split(separator: ",") {
                guard let parsed = ByzantineMode(rawValue: String(name)) else {
                    return ControlAnswer(ok: false, message: "'\(name)' is not one of honest, \(ByzantineMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                modes.insert(parsed)
            }
            byzantine.modes = modes
            logger.warning("BYZANTINE", metadata: ["modes": "\(modes.map(\.rawValue).sorted())"])
            return ControlAnswer(ok: true, message: "byzantine: \(modes.map(\.rawValue).sorted().joined(separator: ","))")
        }
    }
}
