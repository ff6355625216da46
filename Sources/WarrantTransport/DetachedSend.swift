import CNNG

/// A send that nobody awaits: its aio's callback, on nng's own thread, frees a message a
/// failed send left behind, runs `done`, and reaps the aio. Answering a client this way
/// costs no task, no continuation and no wake-up of the cooperative pool — which, measured
/// on a loaded node, cost more than the answer itself.
enum DetachedSend {
    static func start(_ bytes: [UInt8], timeout: Duration, done: @escaping @Sendable () -> Void,
                      _ begin: (OpaquePointer) -> Void) throws(TransportError) {
        let state = PendingSend(done: done)
        let argument = Unmanaged.passRetained(state).toOpaque()
        var handle: OpaquePointer?
        let rv = nng_aio_alloc(&handle, detachedSendCallback, argument)
        guard rv == 0, let aio = handle else {
            Unmanaged<PendingSend>.fromOpaque(argument).release()
            throw TransportError(nng: rv, "allocating an aio")
        }
        state.aio = aio
        nng_aio_set_timeout(aio, nng_duration(clamping: max(1, timeout.milliseconds)))
        let msg: OpaquePointer
        do {
            msg = try NNGMessage.make(bytes)
        } catch {
            Unmanaged<PendingSend>.fromOpaque(argument).release()
            nng_aio_free(aio)
            throw error
        }
        nng_aio_set_msg(aio, msg)
        begin(aio)
    }
}

/// What the callback needs. Reached only through the retained pointer the aio carries:
/// written before the operation starts, read once by the callback, which releases it.
private final class PendingSend {
    var aio: OpaquePointer?
    let done: @Sendable () -> Void

    init(done: @escaping @Sendable () -> Void) { self.done = done }
}

private func detachedSendCallback(_ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let state = Unmanaged<PendingSend>.fromOpaque(argument).takeRetainedValue()
    guard let aio = state.aio else { return }
    if nng_aio_result(aio) != 0, let msg = nng_aio_get_msg(aio) {
        nng_aio_set_msg(aio, nil)
        nng_msg_free(msg)
    }
    state.done()
    // Freeing an aio inside its own callback would deadlock; reaping defers it.
    nng_aio_reap(aio)
}
