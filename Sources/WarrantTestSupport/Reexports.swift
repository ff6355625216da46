// Tests use the simulator's seeded generator.
@_exported import struct WarrantSim.SplitMix64
