import Foundation
import GRDB
import Testing
import WarrantTestSupport

/// A child process runs four replicas, each with its own SQLite database, and is killed
/// with SIGKILL mid-height again and again, then restarted on the same databases. Across
/// every incarnation no validator signs two different votes for one height, round and
/// step; each replica resumes at or after the height and round it last voted in; every
/// request a replica acknowledged is in its database at the end; and the databases agree.
@Suite struct CrashRecoveryTests {
    struct VoteKey: Hashable {
        let node: String, height: UInt64, round: UInt64, type: String
    }

    struct Ack {
        let node: String, request: String, height: UInt64, outcome: String
    }

    @Test func killedMidHeightTheClusterResumesFromItsDatabases() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let testkit = ChildProcess.buildDirectory.appendingPathComponent("warrant-testkit")
        let until = 150, kills = 6
        var votes: [VoteKey: String] = [:]
        var lastVoted: [String: (height: UInt64, round: UInt64)] = [:]
        var acks: [Ack] = []
        var resumed: [String] = []
        var random = SplitMix64(seed: 0xdead)
        var finished = false
        for incarnation in 0...kills {
            let killAfter = incarnation < kills ? 30 + Int(random.next() % 200) : Int.max
            let child = try ChildProcess(testkit, ["cluster-run", "--dir", dir, "--nodes", "4", "--seed", "\(incarnation + 1)",
                                                   "--until", "\(until)", "--halt-after-lines", "\(killAfter)"])
            var seen = 0
            // Lines printed before the kill but not yet read are drained afterwards: the
            // stream ends when the pipe closes.
            for await line in child.lines {
                let words = line.split(separator: " ").map(String.init)
                seen += 1
                switch words.first {
                case "vote" where words.count == 6:
                    let key = VoteKey(node: words[1], height: UInt64(words[2])!, round: UInt64(words[3])!, type: words[4])
                    if let earlier = votes[key] {
                        #expect(earlier == words[5], "\(key.node) signed two different \(key.type)s at h\(key.height) r\(key.round)")
                    }
                    votes[key] = words[5]
                    if let last = lastVoted[key.node], (last.height, last.round) >= (key.height, key.round) { break }
                    lastVoted[key.node] = (key.height, key.round)
                case "ack" where words.count == 5:
                    acks.append(Ack(node: words[1], request: words[2], height: UInt64(words[3])!, outcome: words[4]))
                case "resume" where words.count == 5:
                    let height = UInt64(words[2])!, round = UInt64(words[3])!
                    if let last = lastVoted[words[1]] {
                        #expect((height, round) >= (last.height, last.round),
                                "\(words[1]) resumed at h\(height) r\(round), before its last vote at h\(last.height) r\(last.round)")
                    }
                    if incarnation > 0 { resumed.append(line) }
                case "done":
                    finished = true
                default:
                    break
                }
                // Right after a vote left (the child halts there too), or when it gave up waiting for one.
                if seen >= killAfter && (line.hasPrefix("vote ") || line == "halted") { child.kill() }
            }
            let status = await child.wait()
            if incarnation == kills { #expect(status == 0 && finished, "the last incarnation did not finish (status \(status))") }
        }
        #expect(resumed.count == 4 * kills)
        // Some replica had voted in the height it was killed in, so it resumed past the propose step.
        #expect(resumed.contains { !$0.hasSuffix(" 0 propose") }, "no replica was ever killed mid-height: \(resumed)")
        #expect(votes.count > 200 && acks.count > 50, "the run did too little to mean anything")

        // The databases agree block by block, and hold every acknowledged request.
        var blocks: [[String]] = []
        for node in 0..<4 {
            let queue = try DatabaseQueue(path: "\(dir)/n\(node).sqlite")
            blocks.append(try await queue.read { db in try String.fetchAll(db, sql: "SELECT hash FROM blocks ORDER BY height") })
            let stored = try await queue.read { db in
                try Dictionary(Row.fetchAll(db, sql: "SELECT request, accepted, reason, height FROM outcomes").map { row in
                    (row["request"] as String, (row["height"] as Int64, (row["accepted"] as Bool) ? "ok" : row["reason"] as String))
                }, uniquingKeysWith: { first, _ in first })
            }
            for ack in acks where ack.node == "n\(node)" {
                let found = stored[ack.request]
                #expect(found?.0 == Int64(ack.height) && found?.1 == ack.outcome,
                        "n\(node) acknowledged \(ack.request.prefix(8)) at h\(ack.height) (\(ack.outcome)) but stored \(String(describing: found))")
            }
        }
        let shortest = blocks.map(\.count).min()!
        #expect(shortest >= until)
        for height in 0..<shortest { #expect(Set(blocks.map { $0[height] }).count == 1, "the databases differ at height \(height + 1)") }
    }
}
