import CSodium

/// libsodium must be initialised once before any use. `sodium_init` is itself
/// thread-safe, and a Swift global is initialised exactly once (swift_once), so every
/// entry point of this module touches `Sodium.ready` first.
enum Sodium {
    static let ready: Void = {
        guard sodium_init() >= 0 else {
            fatalError("libsodium failed to initialise (sodium_init < 0)")
        }
    }()

    @inline(__always)
    static func ensureReady() { _ = ready }
}
