import CNNG
import Synchronization

/// How many connections a listening socket holds, and how many it turned away at its cap.
/// nng has no connection limit of its own, and each connection costs memory however idle
/// it is, so without a cap a client could grow a node's memory up to its descriptor limit.
final class ConnectionCount: Sendable {
    let limit = Atomic<Int>(.max)
    let open = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
}

extension Socket {
    /// From now on, a connection arriving while `limit` are open is closed as soon as its
    /// SP handshake completes (nng's `NNG_PIPE_EV_ADD_PRE`), before the socket uses it;
    /// a dialing nng client retries with back-off and gets in once one closes. Set it
    /// before listening.
    func capConnections(at limit: Int) throws(TransportError) {
        connections.limit.store(max(0, limit), ordering: .relaxed)
        // The count lives as long as this Socket, and nng_close returns only after every
        // pipe's last callback (REM_POST runs before the pipe leaves the socket, and the
        // close waits for that), so the unretained pointer never dangles.
        let count = Unmanaged.passUnretained(connections).toOpaque()
        try check(nng_pipe_notify(handle, NNG_PIPE_EV_ADD_PRE, pipeEvent, count), "watching connections")
        try check(nng_pipe_notify(handle, NNG_PIPE_EV_REM_POST, pipeEvent, count), "watching connections")
    }
}

/// nng calls this on its own threads: ADD_PRE for every new connection, REM_POST once for
/// each of them when it goes (refused ones included), so `open` stays exact.
private func pipeEvent(_ pipe: nng_pipe, _ event: nng_pipe_ev, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let count = Unmanaged<ConnectionCount>.fromOpaque(argument).takeUnretainedValue()
    if event == NNG_PIPE_EV_ADD_PRE {
        let open = count.open.add(1, ordering: .relaxed).newValue
        if open > count.limit.load(ordering: .relaxed) {
            count.refused.add(1, ordering: .relaxed)
            nng_pipe_close(pipe)
        }
    } else if event == NNG_PIPE_EV_REM_POST {
        count.open.subtract(1, ordering: .relaxed)
    }
}
