import Testing
import WarrantNode

/// A node's clock with any offset a control command could once set: saturates, never traps.
@Suite struct NodeClockTests {
    @Test func extremeOffsetsSaturate() {
        var clock = NodeClock()
        clock.offsetMs = .max
        #expect(clock.wallMs == UInt64(Int64.max))
        clock.offsetMs = .min
        #expect(clock.wallMs == 0)
        clock.offsetMs = -1_500
        let behind = clock.wallMs
        clock.offsetMs = 0
        #expect(clock.wallMs >= behind + 1_500)
    }
}
