import CNNG
import WarrantSync

/// Bridges nng asynchronous operations (an `nng_aio`) to Swift concurrency. The aio's
/// completion callback, which nng runs on its own thread, resumes a continuation; so no
/// thread of the cooperative pool ever blocks on I/O. Task cancellation cancels the aio.
/// One operation at a time per instance.
final class AsyncIO: Sendable {
    private let completion: Completion
    /// The aio handle. `nonisolated(unsafe)` because OpaquePointer is not Sendable: it is
    /// written once in `init`, freed in `deinit`, and nng's aio calls are thread-safe.
    nonisolated(unsafe) let aio: OpaquePointer

    init(timeout: Duration? = nil) throws(TransportError) {
        let completion = Completion()
        var handle: OpaquePointer?
        // The callback's argument is `completion`, unretained: this object keeps it alive,
        // and `deinit` frees the aio (which waits for a running callback) before it goes.
        try check(nng_aio_alloc(&handle, asyncIOCallback, Unmanaged.passUnretained(completion).toOpaque()),
                  "allocating an aio")
        self.completion = completion
        aio = handle!
        completion.aio = aio
        setTimeout(timeout)
    }

    deinit {
        nng_aio_free(aio)
    }

    func setTimeout(_ timeout: Duration?) {
        nng_aio_set_timeout(aio, timeout.map { nng_duration(clamping: max(1, $0.milliseconds)) } ?? NNG_DURATION_INFINITE)
    }

    /// Starts the operation with `start` and suspends until nng completes it; returns
    /// nng's result code (0 on success, NNG_ECANCELED if the task was cancelled).
    func run(_ start: (OpaquePointer) -> Void) async -> Int32 {
        if Task.isCancelled { return Int32(NNG_ECANCELED.rawValue) }
        let completion = self.completion
        let aio = self.aio
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                let cancelledEarly = completion.state.withLock { state in
                    state.continuation = continuation
                    return state.cancelled
                }
                start(aio)
                if cancelledEarly { nng_aio_cancel(aio) }
            }
        } onCancel: {
            let started = completion.state.withLock { state in
                state.cancelled = true
                return state.continuation != nil
            }
            if started { nng_aio_cancel(completion.aio!) }
        }
    }

    /// The message a completed receive left in the aio (ours to free or take).
    func takeMessage() -> OpaquePointer? {
        let msg = nng_aio_get_msg(aio)
        nng_aio_set_msg(aio, nil)
        return msg
    }
}

/// What the callback touches. `aio` is set once, right after allocation and before any
/// operation can start, then only read: hence `nonisolated(unsafe)` is safe.
private final class Completion: Sendable {
    struct State {
        var continuation: CheckedContinuation<Int32, Never>?
        var cancelled = false
    }

    let state = Locked(State())
    nonisolated(unsafe) var aio: OpaquePointer?

    func complete() {
        let result = nng_aio_result(aio)
        let continuation = state.withLock { state in
            defer {
                state.continuation = nil
                state.cancelled = false
            }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }
}

/// nng calls this on its own thread when an aio completes.
private func asyncIOCallback(_ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    Unmanaged<Completion>.fromOpaque(argument).takeUnretainedValue().complete()
}

extension Duration {
    /// Whole milliseconds, saturating at Int64's bounds (a huge duration cannot trap).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds > 0 ? .max : .min }
        let (total, overflowAgain) = ms.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflowAgain ? (ms > 0 ? .max : .min) : total
    }
}
