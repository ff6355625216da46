import ArgumentParser

@main
struct Coordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant-coordinator",
        abstract: "Drives Warrant test clusters: launches, hand operations, keys, wire tools and the simulator.",
        subcommands: [RunCommand.self, UpCommand.self, FaultCommand.self, StatusCommand.self, GrantCommand.self, RevokeCommand.self, RevokeAllCommand.self,
                      CheckCommand.self, SessionsCommand.self, Keygen.self, Wire.self, Simulate.self]
    )
}
