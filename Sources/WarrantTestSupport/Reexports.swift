// Tests use the seeded generator of simulations and workloads.
@_exported import struct WarrantCrypto.SplitMix64
