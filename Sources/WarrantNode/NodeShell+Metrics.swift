import CMalloc
import WarrantCrypto
import WarrantStorage
import WarrantTransport

/// What is read rather than counted, refreshed at each scrape of `GET /metrics`.
extension NodeShell {
    func scrapeMetrics() {
        let time = readings
        metrics.round.record(Int64(replica.core.round))
        metrics.height.record(Int64(replica.ledger.height))
        metrics.set("warrant_fresh", time.sinceQuorumMs.map { $0 <= replica.ledger.parameters.maxStalenessMs } ?? false ? 1 : 0)
        metrics.set("warrant_since_quorum_seconds", time.sinceQuorumMs.map { Double($0) / 1_000 } ?? .nan)
        metrics.set("warrant_clock_offset_seconds", time.clockOffsetMs.map { Double($0) / 1_000 } ?? .nan)
        metrics.set("warrant_clock_vouched", time.clockVouched ? 1 : 0)
        metrics.set("warrant_paused", paused ? 1 : 0)
        metrics.set("warrant_storage_halted", halted == nil ? 0 : 1)
        metrics.set("warrant_abstaining_through", Double(replica.core.abstainThrough >= replica.core.height ? replica.core.abstainThrough : 0))
        for (peer, link) in links {
            let c = link.counters
            for (what, total) in [("sent", c.sent), ("received", c.received), ("dropped_inbound", c.droppedInbound),
                                  ("dropped_outbound", c.droppedOutbound), ("delayed", c.delayed), ("send_failures", c.sendFailures)] {
                grow("warrant_link_messages_total", [("peer", peer), ("counter", what)], to: Double(total))
            }
        }
        for (endpoint, open, refused) in [("client", client.connections, client.connectionsRefused),
                                          ("commits", commits.connections, commits.connectionsRefused)] {
            metrics.set("warrant_connections", Double(open), [("endpoint", endpoint)])
            grow("warrant_connections_refused_total", [("endpoint", endpoint)], to: Double(refused))
        }
        // The allocator's view, beside the resident size the kernel reports: memory in
        // use that keeps growing is a leak; free memory the allocator keeps is not.
        let heap = mallinfo2()
        metrics.set("warrant_heap_bytes", Double(heap.uordblks + heap.hblkhd), [("kind", "in_use")])
        metrics.set("warrant_heap_bytes", Double(heap.fordblks), [("kind", "free")])
        let verify = VerifyStats.totals
        grow("warrant_signature_verifications_total", [], to: Double(verify.count))
        grow("warrant_signature_verify_seconds_total", [], to: verify.seconds)
        let store = database.timings.withLock { $0 }
        for (kind, tally) in [("block", store.blockCommits), ("record", store.recordSaves)] {
            grow("warrant_sqlite_commits_total", [("kind", kind)], to: Double(tally.count))
            grow("warrant_sqlite_commit_seconds_total", [("kind", kind)], to: tally.seconds)
        }
    }

    /// A counter that mirrors a total kept elsewhere: it grows by what the total grew
    /// since the last scrape (whole units; seconds in microseconds' worth of precision).
    func grow(_ name: String, _ labels: [(String, String)], to total: Double) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let before = scraped[key] ?? 0
        guard total > before else { return }
        scraped[key] = total
        metrics.add(name, labels, total - before)
    }
}
