import Foundation
import Testing
import WarrantAgent

/// The JSON-lines protocol with agent programs: what parses, what each bad line is
/// answered with, and what the agent's messages look like byte for byte.
@Suite struct ProgramProtocolTests {
    @Test func requestsParse() throws {
        #expect(try ProgramRequest.parse(#"{"type":"act","msg_id":1,"operation":"buy","resource":"shop/tea","amount":5}"#).get()
                == .act(id: 1, operation: "buy", resource: "shop/tea", amount: 5))
        #expect(try ProgramRequest.parse(#"{"type":"check","msg_id":0,"operation":"read","resource":"docs/a"}"#).get()
                == .check(id: 0, operation: "read", resource: "docs/a", amount: 0))
        #expect(try ProgramRequest.parse(#"{"type":"delegate","msg_id":7,"to":"helper","operations":["read"],"resources":["docs/*"],"budget":10,"ttl_ms":5000}"#).get()
                == .delegate(id: 7, to: "helper", operations: ["read"], resources: ["docs/*"], budget: 10, ttlMs: 5_000))
        #expect(try ProgramRequest.parse(#"{"type":"renew","msg_id":9}"#).get() == .renew(id: 9))
        #expect(try ProgramRequest.parse(#"{"type":"log","text":"hi"}"#).get() == .log(level: "info", text: "hi"))
    }

    @Test(arguments: [
        ("garbage", nil, "malformed", "not a JSON object"),
        ("[1,2]", nil, "malformed", "not a JSON object"),
        (#"{"msg_id":1}"#, 1, "malformed", "no \"type\""),
        (#"{"type":"act","operation":"buy","resource":"r"}"#, nil, "malformed", "no \"msg_id\""),
        (#"{"type":"act","msg_id":true,"operation":"buy","resource":"r"}"#, nil, "malformed", "no \"msg_id\""),
        (#"{"type":"act","msg_id":-1,"operation":"buy","resource":"r"}"#, nil, "malformed", "no \"msg_id\""),
        (#"{"type":"act","msg_id":2,"resource":"r"}"#, 2, "malformed", "no \"operation\""),
        (#"{"type":"act","msg_id":2,"operation":"buy","resource":"r","amount":1.5}"#, 2, "malformed", "\"amount\""),
        (#"{"type":"act","msg_id":2,"operation":"buy","resource":"r","amount":true}"#, 2, "malformed", "\"amount\""),
        (#"{"type":"delegate","msg_id":3,"to":"h","operations":["read"],"resources":["x"],"budget":1,"ttl_ms":0}"#, 3, "malformed", "ttl_ms"),
        (#"{"type":"sudo","msg_id":4}"#, 4, "unknown_type", "no message type 'sudo'"),
    ] as [(String, UInt64?, String, String)])
    func badLinesAreAnsweredWithTheirFault(_ line: String, _ id: UInt64?, _ code: String, _ text: String) {
        guard case .failure(let error) = ProgramRequest.parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        #expect(error.id == id)
        #expect(error.code == code)
        #expect(error.text.contains(text), "\(error.text)")
    }

    @Test func aLineTooLongIsRefusedUnread() {
        let line = #"{"type":"log","text":""# + String(repeating: "x", count: ProgramRequest.maxLineBytes) + #""}"#
        guard case .failure(let error) = ProgramRequest.parse(line) else {
            Issue.record("parsed")
            return
        }
        #expect(error.code == "too_long")
    }

    @Test func messagesAreOneSortedJSONObjectPerLine() {
        #expect(ProgramMessage.actOK(inReplyTo: 1, height: 12, request: "ab").line == #"{"height":12,"in_reply_to":1,"request":"ab","type":"act_ok"}"#)
        #expect(ProgramMessage.error(inReplyTo: 2, code: "over_budget", text: "rejected").line
                == #"{"code":"over_budget","in_reply_to":2,"text":"rejected","type":"error"}"#)
        #expect(ProgramMessage.error(inReplyTo: nil, code: "too_long", text: "t").line == #"{"code":"too_long","text":"t","type":"error"}"#)
        #expect(ProgramMessage.checkOK(inReplyTo: 3, allowed: false, reason: "stale", node: "n2", height: 9).line
                == #"{"allowed":false,"height":9,"in_reply_to":3,"node":"n2","reason":"stale","type":"check_ok"}"#)
        #expect(ProgramMessage.stop.line == #"{"type":"stop"}"#)
        #expect(!ProgramMessage.session(id: "s", operations: ["read"], resources: ["docs/*"], budget: 5, maxAmount: nil, notBefore: 1,
                                        expiresAt: 2, renewal: 0).line.contains("\n"))
    }

    /// A real child process: lines in both directions, a too-long line reported by its
    /// length, and the exit status.
    @Test func aProgramIsSpokenToOverItsPipes() async throws {
        let script = """
            import sys, json
            print(json.dumps({"type": "log", "text": sys.stdin.readline().strip()}), flush=True)
            print("x" * 70000, flush=True)
            print("after", flush=True)
            sys.exit(3)
            """
        let program = try ProgramProcess(command: ["python3", "-c", script])
        #expect(program.send(.stop))
        var events: [ProgramProcess.Event] = []
        for await event in program.events { events.append(event) }
        #expect(events == [.line(#"{"type": "log", "text": "{\"type\":\"stop\"}"}"#), .tooLong(70_000), .line("after"), .exited(3)])
    }
}
