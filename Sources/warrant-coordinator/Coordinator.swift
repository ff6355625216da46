import ArgumentParser

@main
struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-coordinator",
        abstract: "Drives Warrant test clusters: keys, wire tools, and (as the testbed grows) launches, faults and checks.",
        subcommands: [Keygen.self, Wire.self, Simulate.self]
    )
}
