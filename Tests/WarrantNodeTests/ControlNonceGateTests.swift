import Testing
import WarrantNode
import WarrantWire

/// Which control commands a node obeys, by nonce: never one replayed, not even one signed
/// before a restart that lost the database's memory of it.
@Suite struct ControlNonceGateTests {
    let started: UInt64 = 1_800_000_000_000

    @Test func obeysRisingNoncesAndRefusesEachAgain() {
        var gate = ControlNonceGate(lastAccepted: started + 10, startedAtMs: started)
        #expect(gate.admit(started + 11, nowMs: started + 20) == .obey)
        #expect(gate.lastAccepted == started + 11)
        #expect(gate.admit(started + 11, nowMs: started + 20) == .replayed(floor: started + 11, sinceStart: false))
        #expect(gate.admit(started + 5, nowMs: started + 20) == .replayed(floor: started + 11, sinceStart: false))
        #expect(gate.admit(started + 12, nowMs: started + 20) == .obey)
    }

    /// The database lost (or never written while halted) its nonce: the last one it
    /// remembers is old, yet a command signed before this process started is refused.
    @Test func refusesCommandsSignedBeforeTheProcessStarted() {
        var gate = ControlNonceGate(lastAccepted: 0, startedAtMs: started)
        #expect(gate.admit(started - 60_000, nowMs: started + 5) == .replayed(floor: started, sinceStart: true))
        #expect(gate.admit(started, nowMs: started + 5) == .replayed(floor: started, sinceStart: true))
        #expect(gate.lastAccepted == 0)
        #expect(gate.admit(started + 1, nowMs: started + 5) == .obey)
        #expect(gate.admit(started + 1, nowMs: started + 5) == .replayed(floor: started + 1, sinceStart: false))
    }

    /// A nonce far ahead would lock out every later command; refused without being remembered.
    @Test func refusesNoncesMoreThanADayAhead() {
        var gate = ControlNonceGate(lastAccepted: 0, startedAtMs: started)
        let day = UInt64(ControlCommand.maxClockOffsetMs)
        let now = started + 1_000
        #expect(gate.admit(now + day + 1, nowMs: now) == .tooFarAhead(nowMs: now))
        let saturated = UInt64(Int64.max)  // NodeClock's wall time at the largest skew
        #expect(gate.admit(.max, nowMs: saturated) == .tooFarAhead(nowMs: saturated))
        #expect(gate.lastAccepted == 0)
        #expect(gate.admit(now + day, nowMs: now) == .obey)
    }
}
