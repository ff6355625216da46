import Foundation
import WarrantCheck

/// `RunReport` drawn as one self-contained HTML page: inline CSS and SVG, no script, no
/// font or image fetched from anywhere. Every mark carries classes and `data-` attributes
/// (node, times in run ms, heights) so that a test can read the picture from the DOM.
extension RunReport {
    static let width = 1180.0, labelWidth = 170.0, rightMargin = 20.0
    static let laneHeight = 64.0, sessionRow = 13.0
    static let reasonColours: [String: String] = [
        "stale": "#e67e22", "clock_skew": "#8e44ad", "expired": "#7f8c8d", "revoked": "#c0392b", "unknown_session": "#bdc3c7",
        "out_of_scope": "#2980b9", "over_budget": "#d35400", "not_yet_valid": "#95a5a6",
    ]
    static let intervalColours: [Interval.Kind: String] = [
        .down: "#2c3e50", .paused: "#f1c40f", .partitioned: "#e74c3c", .skewed: "#9b59b6", .degraded: "#e67e22",
    ]

    var plotWidth: Double { Self.width - Self.labelWidth - Self.rightMargin }

    func x(_ ms: Int64) -> Double {
        Self.labelWidth + plotWidth * Double(max(0, min(Int64(durationMs), ms))) / Double(durationMs)
    }

    func x(_ ms: UInt64) -> Double { x(Int64(min(ms, UInt64(Int64.max)))) }

    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title)) — Warrant run report</title>
        <style>
        body { font-family: sans-serif; margin: 16px; color: #222; background: #fff; }
        h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
        table { border-collapse: collapse; font-size: 12px; margin-bottom: 8px; }
        td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
        tr.fail td { background: #fde2e0; } tr.ok td.result { color: #1e8449; }
        .verdict-pass { color: #1e8449; } .verdict-fail { color: #c0392b; }
        svg text { font-size: 11px; fill: #222; } svg .small { font-size: 9px; }
        .legend { font-size: 12px; } .legend span { display: inline-block; margin-right: 12px; }
        .legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; }
        .tables { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
        </style></head>
        <body>
        <h1>\(esc(title)): <span class="verdict-\(verdict.verdict)">\(verdict.verdict.uppercased())</span></h1>
        <p>\(String(format: "%.1f", verdict.durationS)) s · \(verdict.requests) requests, \(verdict.accepted) accepted · \(verdict.probes) probes · \(lanes.count) nodes · \(sessions.count) sessions</p>
        <div class="tables">\(checksTable)\(nodesTable)</div>
        <h2>Timeline</h2>
        \(legend)
        \(timelineSVG)
        <h2>Sessions: grant to expiry or revocation</h2>
        \(sessionsSVG)
        \(violationsTable)
        \(faultsTable)
        </body></html>
        """
    }

    var checksTable: String {
        let rows = Violation.Rule.allCases.map { rule -> String in
            let check = verdict.checks[rule.rawValue]
            let ok = check?.ok ?? true
            return "<tr class=\"check \(ok ? "ok" : "fail")\" data-check=\"\(rule.rawValue)\"><td>\(rule.rawValue)</td><td class=\"result\">\(ok ? "ok" : "FAIL (\(check?.violations ?? 0))")</td><td>\(esc(check?.examples.first ?? ""))</td></tr>"
        }
        return "<table class=\"verdict\" data-verdict=\"\(verdict.verdict)\"><tr><th>check</th><th>result</th><th>first example</th></tr>\(rows.joined())</table>"
    }

    var nodesTable: String {
        let radius = Dictionary(verdict.blastRadius.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
        func ms(_ value: Int64?) -> String { value.map(String.init) ?? "–" }
        let rows = verdict.nodes.map { node -> String in
            let r = radius[node.name]
            let denies = node.denies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "<tr><td>\(esc(node.name))</td><td>\(node.height)</td><td>\(node.commits)</td><td>\(node.allows)</td><td>\(esc(denies))</td><td>\(ms(r?.afterExpiryMs))</td><td>\(ms(r?.afterCutoffMs))</td><td>\(ms(r?.afterRevokeCommitMs))</td></tr>"
        }
        return "<table class=\"nodes\"><tr><th>node</th><th>height</th><th>commits</th><th>allows</th><th>denies</th><th>ms past expiry</th><th>past cut-off</th><th>past revoke</th></tr>\(rows.joined())</table>"
    }

    var violationsTable: String {
        guard !violations.isEmpty else { return "<p class=\"no-violations\">No violation.</p>" }
        let rows = violations.prefix(500).map { v in
            "<tr class=\"violation-row\" data-rule=\"\(v.rule.rawValue)\"><td>\(v.rule.rawValue)</td><td>\(v.node.map(esc) ?? "–")</td><td>\(v.time.map { String(format: "%.2f s", Double($0) / 1_000) } ?? "–")</td><td>\(esc(v.detail))</td></tr>"
        }
        let table = { (rows: ArraySlice<String>) in "<table class=\"violations\"><tr><th>rule</th><th>node</th><th>at</th><th>what</th></tr>\(rows.joined())</table>" }
        let rest = rows.count > 12 ? "<details><summary>\(violations.count - 12) more</summary>\(table(rows.dropFirst(12)))</details>" : ""
        return "<h2>Violations (\(violations.count))</h2>\(table(rows.prefix(12)))\(rest)"
    }

    var faultsTable: String {
        let rows = faults.map { "<tr><td>\(String(format: "%.2f s", Double($0.time) / 1_000))</td><td>\($0.layer ?? "")</td><td>\(esc($0.detail))</td></tr>" }
        return "<h2>Faults</h2><table class=\"faults\"><tr><th>at</th><th>layer</th><th>fault</th></tr>\(rows.joined())</table>"
    }

    var legend: String {
        let kinds = Interval.Kind.allCasesInOrder.map { "<span><i style=\"background:\(Self.intervalColours[$0]!)\"></i>\($0.rawValue)</span>" }
        let ticks = ["allow": "#27ae60"].merging(Self.reasonColours) { a, _ in a }.sorted { $0.key < $1.key }
            .map { "<span><i style=\"background:\($0.value)\"></i>\($0.key)</span>" }
        return "<div class=\"legend\">\(kinds.joined())<span><i style=\"background:#f39c12;opacity:.35\"></i>blast-radius window</span><span><i style=\"background:#c0392b\"></i>violation</span></div><div class=\"legend\">probe answers: \(ticks.joined())</div>"
    }

    var axis: String {
        let step: UInt64 = durationMs > 120_000 ? 10_000 : durationMs > 40_000 ? 5_000 : 2_000
        return stride(from: UInt64(0), through: durationMs, by: Int(step)).map { t in
            "<line x1=\"\(x(t))\" y1=\"14\" x2=\"\(x(t))\" y2=\"100%\" stroke=\"#eee\"/><text x=\"\(x(t))\" y=\"11\" text-anchor=\"middle\" class=\"small\">\(t / 1_000) s</text>"
        }.joined()
    }

    var timelineSVG: String {
        let maxRate = max(1, lanes.flatMap(\.commitsPerSecond).max() ?? 1)
        var body = ""
        for (index, lane) in lanes.enumerated() {
            let top = 20 + Double(index) * Self.laneHeight
            body += "<g class=\"lane\" data-node=\"\(esc(lane.node))\">"
            body += "<rect x=\"\(Self.labelWidth)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(Self.laneHeight - 6)\" fill=\"#eafaf1\"/>"
            body += "<text x=\"4\" y=\"\(top + 14)\" font-weight=\"bold\">\(esc(lane.node))</text>"
            for (row, role) in lane.roles.enumerated() { body += "<text x=\"4\" y=\"\(top + 27 + Double(row) * 11)\" class=\"small role\" fill=\"#c0392b\">\(esc(role))</text>" }
            for interval in lane.intervals {
                let x0 = x(interval.start), x1 = max(x(interval.start) + 1, x(interval.end))
                body += "<rect class=\"interval \(interval.kind.rawValue)\" data-node=\"\(esc(lane.node))\" data-start=\"\(interval.start)\" data-end=\"\(interval.end)\" data-layer=\"\(interval.layer ?? "")\" data-label=\"\(esc(interval.label))\" x=\"\(x0)\" y=\"\(top + 2)\" width=\"\(x1 - x0)\" height=\"16\" fill=\"\(Self.intervalColours[interval.kind]!)\" opacity=\"0.8\"><title>\(esc(lane.node)) \(interval.kind.rawValue) \(esc(interval.label)) \(seconds(interval.start))–\(seconds(interval.end))\(interval.layer.map { " (\($0))" } ?? "")</title></rect>"
                body += "<text x=\"\(x0 + 3)\" y=\"\(top + 14)\" class=\"small\" fill=\"#fff\">\(esc(interval.label))\(interval.layer == "network" ? " · nft" : "")</text>"
            }
            for window in windows where window.node == lane.node {
                let x0 = x(window.start), x1 = max(x0 + 1, x(window.end))
                body += "<rect class=\"blast\" data-node=\"\(esc(lane.node))\" data-kind=\"\(window.kind.rawValue)\" data-start=\"\(window.start)\" data-end=\"\(window.end)\" x=\"\(x0)\" y=\"\(top + 18)\" width=\"\(x1 - x0)\" height=\"18\" fill=\"#f39c12\" opacity=\"0.35\"><title>\(esc(lane.node)) allowed \(window.end - window.start) ms after \(window.kind.rawValue)</title></rect>"
            }
            // Probe answers: one tick per pixel column and answer, the latest winning.
            var columns: [String: Tick] = [:]
            for tick in lane.ticks { columns["\(Int(x(tick.time)))/\(tick.allowed ? "allow" : tick.reason ?? "deny")"] = tick }
            for tick in columns.values.sorted(by: { $0.time < $1.time }) {
                let colour = tick.allowed ? "#27ae60" : Self.reasonColours[tick.reason ?? ""] ?? "#555"
                let y = tick.allowed ? top + 21 : top + 29
                body += "<line class=\"tick \(tick.allowed ? "allow" : "deny")\" data-reason=\"\(tick.reason ?? "")\" x1=\"\(x(tick.time))\" y1=\"\(y)\" x2=\"\(x(tick.time))\" y2=\"\(y + 7)\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>"
            }
            let points = lane.commitsPerSecond.enumerated().map { second, count in
                "\(x(UInt64(second) * 1_000 + 500)),\(top + Self.laneHeight - 8 - 18 * Double(count) / Double(maxRate))"
            }
            body += "<polyline class=\"commits\" points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#2471a3\" stroke-width=\"1.2\"><title>\(esc(lane.node)): heights committed per second (max \(lane.commitsPerSecond.max() ?? 0))</title></polyline>"
            for violation in violations where violation.node == lane.node {
                guard let time = violation.time else { continue }
                body += "<rect class=\"violation\" data-rule=\"\(violation.rule.rawValue)\" data-node=\"\(esc(lane.node))\" data-time=\"\(time)\" x=\"\(x(time) - 1.5)\" y=\"\(top)\" width=\"3\" height=\"\(Self.laneHeight - 6)\" fill=\"#c0392b\"><title>\(esc(violation.description))</title></rect>"
            }
            body += "</g>"
        }
        let chainTop = 20 + Double(lanes.count) * Self.laneHeight
        let chainViolations = violations.filter { $0.node == nil && $0.time != nil }
        if !chainViolations.isEmpty {
            body += "<g class=\"chain\"><text x=\"4\" y=\"\(chainTop + 12)\" font-weight=\"bold\">committed chain</text>"
            for violation in chainViolations {
                body += "<rect class=\"violation\" data-rule=\"\(violation.rule.rawValue)\" data-node=\"\" data-time=\"\(violation.time!)\" x=\"\(x(violation.time!) - 1.5)\" y=\"\(chainTop)\" width=\"3\" height=\"16\" fill=\"#c0392b\"><title>\(esc(violation.description))</title></rect>"
            }
            body += "</g>"
        }
        let height = 24 + Double(lanes.count) * Self.laneHeight + (chainViolations.isEmpty ? 0 : 22)
        let caption = "<text x=\"4\" y=\"\(height - 2)\" class=\"small\">top: faults · middle: probe answers (allow above, deny below) and blast-radius windows · bottom: heights committed per second (max \(maxRate))</text>"
        return "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.width)\" height=\"\(height + 8)\" data-duration=\"\(durationMs)\">\(axis)\(body)\(caption)</svg>"
    }

    var sessionsSVG: String {
        let shown = sessions.prefix(120)
        var body = ""
        for (index, session) in shown.enumerated() {
            let y = 20 + Double(index) * Self.sessionRow
            let expiredInRun = session.expiresAt <= Int64(durationMs) && (session.revokedAt.map { Int64($0) > session.expiresAt } ?? true)
            let end = min(session.revokedAt.map { Int64($0) } ?? Int64.max, session.expiresAt)
            body += "<g class=\"session\" data-label=\"\(esc(session.label))\" data-start=\"\(session.start)\" data-expires=\"\(session.expiresAt)\">"
            body += "<text x=\"4\" y=\"\(y + 9)\" class=\"small\">\(esc(session.label))</text>"
            body += "<rect class=\"life\" x=\"\(x(session.start))\" y=\"\(y + 2)\" width=\"\(max(1, x(end) - x(session.start)))\" height=\"8\" fill=\"#5dade2\"/>"
            if expiredInRun {
                body += "<path class=\"expiry\" data-time=\"\(session.expiresAt)\" d=\"M\(x(session.expiresAt) - 4) \(y + 2) l8 8 m0 -8 l-8 8\" stroke=\"#2c3e50\" stroke-width=\"1.5\"><title>\(esc(session.label)) expired at \(seconds(UInt64(max(0, session.expiresAt))))</title></path>"
            }
            if let height = session.revokedHeight, let at = session.revokedAt {
                body += "<g class=\"revocation\" data-height=\"\(height)\" data-time=\"\(at)\"><path d=\"M\(x(at)) \(y) l5 6 l-5 6 l-5 -6 z\" fill=\"#c0392b\"/><text x=\"\(x(at) + 7)\" y=\"\(y + 9)\" class=\"small\" fill=\"#c0392b\">revoked at height \(height)</text><title>\(esc(session.label)) revoked by the block at height \(height), committed at \(seconds(at))</title></g>"
            }
            body += "</g>"
        }
        let more = sessions.count > shown.count ? "<text x=\"4\" y=\"\(24 + Double(shown.count) * Self.sessionRow)\" class=\"small\">… and \(sessions.count - shown.count) more sessions</text>" : ""
        let height = 30 + Double(shown.count) * Self.sessionRow
        return "<svg class=\"sessions\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.width)\" height=\"\(height)\">\(axis)\(body)\(more)</svg>"
    }

    func seconds(_ ms: UInt64) -> String { String(format: "%.2f s", Double(ms) / 1_000) }
}

extension RunReport.Interval.Kind {
    static let allCasesInOrder: [Self] = [.down, .paused, .partitioned, .skewed, .degraded]
}

/// Text made safe for HTML content and attribute values.
func esc(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(character)
        }
    }
    return out
}
