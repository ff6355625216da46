#!/usr/bin/env python3
"""End-to-end test of Warrant with real processes on loopback.

Starts a 4-node cluster with `warrant-coordinator up`, then, speaking the wire protocol
from Python through clients/python (warrant_client: cbor2, pynacl, pynng — no Swift
code), checks that:
  - a grant commits, an act under it is accepted, `check` allows on every node;
  - after a revoke every node denies, and a further act is rejected as revoked;
  - garbage bytes, an oversize message, a bad signature and a replayed sequence number
    get typed answers, resubmitting the same bytes returns the original result, and the
    node keeps serving;
  - control commands with values out of range (a clock offset of 2^63 - 1 ms, a jitter of
    2^64 - 1 ms) get a typed error and the node keeps serving; the CLI refuses them first;
    a nonce far in the future is refused, not obeyed (it would lock the coordinator out);
  - the largest check-batch gets an answer within the message limit; one more check is
    refused too_large;
  - under a burst of requests, a node's commit stream delivers heights in order;
  - `check` exits 0 on allow and 1 on deny;
  - every node serves Prometheus metrics (cluster.json names the URL) that count what
    happened: requests by kind and outcome, checks by answer and reason, invalid
    messages, verify and SQLite time, commit latency, staleness and clock offset;
  - the fault scripts refuse unknown nodes and absent clusters; with one node killed by
    scripts/kill.sh the other three keep committing; a restart that fails (its port taken)
    is reported as a failure; restarted by scripts/restart.sh, it catches up to the same
    state hash; a control command signed before that restart is refused as a replay;
  - SIGKILL of the coordinator leaves no node process behind.
Every wait is bounded. Usage: scripts/e2e.py [BUILD_DIR] (default .build/debug).
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import cbor2
import pynng

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from warrant_client import Key, wire  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else ".build/debug"
COORDINATOR = os.path.join(BUILD, "warrant-coordinator")
KINDS = wire.KINDS
REASONS = wire.REASONS
MAX_MESSAGE = 65536
passed = 0


def ok(what):
    global passed
    passed += 1
    print(f"  ok  {what}", flush=True)


def fail(what):
    print(f"  FAIL  {what}", flush=True)
    raise SystemExit(1)


def wait(what, condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    fail(f"{what} (waited {seconds} s)")


def coordinator(*args, check=True):
    run = subprocess.run([COORDINATOR, *args], capture_output=True, text=True, timeout=60)
    if check and run.returncode != 0:
        fail(f"warrant-coordinator {' '.join(args)} exited {run.returncode}: {run.stdout}{run.stderr}")
    return run


secret_key = Key.load
seal = wire.seal


def ask(address, data, timeout_ms=15000):
    """Raw bytes to an endpoint; the answer, verified, as (kind, body)."""
    with pynng.Req0(dial=address, recv_timeout=timeout_ms, send_timeout=timeout_ms, recv_max_size=0) as socket:
        socket.send(data)
        kind, body, _ = wire.open_envelope(socket.recv())
    return kind, body


def main():
    work = tempfile.mkdtemp(prefix="warrant-e2e-")
    base = random.randrange(20000, 32000, 100)  # below the kernel's ephemeral range
    topology = os.path.join(work, "e2e.toml")
    with open(topology, "w") as f:
        f.write(f"""[cluster]
name = "e2e"
base_port = {base}
heartbeat_interval_ms = 300
max_message_bytes = {MAX_MESSAGE}
request_timeout_ms = 8000
""")
        for n in range(4):
            f.write(f'[[nodes]]\nname = "n{n}"\n')
        f.write('[[principals]]\nname = "alice"\nowns = ["files/*"]\n')
    cluster = os.path.join(work, "cluster")
    up = subprocess.Popen([COORDINATOR, "up", topology, "--dir", cluster], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        print(f"e2e: cluster in {cluster}, ports from {base}", flush=True)
        wait("cluster.json written", lambda: os.path.exists(os.path.join(cluster, "cluster.json")), 60)
        info = json.load(open(os.path.join(cluster, "cluster.json")))
        nodes = {n["name"]: n for n in info["nodes"]}

        def statuses():
            run = coordinator("status", "--dir", cluster, "--json", check=False)
            return {row["node"]: row.get("status") for row in json.loads(run.stdout)} if run.stdout.strip() else {}

        wait("every node reports a height above 1", lambda: all(s and s["height"] > 1 for s in statuses().values()), 60)
        ok("4 warrant-node processes commit; status answers on every node")

        keys = os.path.join(cluster, "keys")
        coordinator("keygen", "--out", keys, "--name", "reader")
        reader = secret_key(os.path.join(keys, "reader.key"))
        granted = json.loads(coordinator("grant", "--dir", cluster, "--as", "alice", "--agent", "reader", "--ops", "read",
                                         "--resources", "files/*", "--ttl-ms", "120000", "--budget", "100", "--json").stdout)
        session = bytes.fromhex(granted["request"])
        ok(f"grant committed at height {granted['height']}")

        def act(sequence, node="n1", signature_flip=False, resource="files/a"):
            data = seal("act", {0: session, 1: sequence, 2: "read", 3: resource, 4: 1}, reader)
            if signature_flip:
                data = data[:-1] + bytes([data[-1] ^ 1])
            return data, ask(nodes[node]["client"], data)

        first, (kind, body) = act(1)
        if kind != "result" or not body[0][1]:
            fail(f"act under the session: {kind} {body}")
        ok(f"act accepted at height {body[1]} (sent from Python: the protocol is implementable from its docs)")

        checks = json.loads(coordinator("check", "--dir", cluster, "--agent", "reader", "--op", "read", "--resource", "files/a",
                                        "--json").stdout)
        if not all(row["answer"]["allowed"] for row in checks):
            fail(f"check before revoke: {checks}")
        ok("check allows on every node")

        # Typed errors at the client endpoint, and the node keeps serving.
        kind, body = ask(nodes["n2"]["client"], b"\xff\x00garbage")
        if kind != "error" or body[0] != 17:
            fail(f"garbage bytes: {kind} {body}")
        ok("garbage bytes: error malformed")
        kind, body = ask(nodes["n2"]["client"], b"\xa0" + b"\x00" * (MAX_MESSAGE + 10))
        if kind != "error" or body[0] != 18:
            fail(f"oversize message: {kind} {body}")
        ok("oversize message: error too_large")
        _, (kind, body) = act(2, node="n2", signature_flip=True)
        if kind != "error" or body[0] != 14:
            fail(f"bad signature: {kind} {body}")
        ok("bad signature: error bad_signature")
        _, (kind, body) = act(1, node="n2", resource="files/b")
        if kind != "result" or body[0][1] or REASONS.get(body[0].get(2)) != "replay":
            fail(f"replayed sequence number: {kind} {body}")
        ok("a different act reusing sequence 1: rejected replay")
        kind, body = ask(nodes["n3"]["client"], first)
        if kind != "result" or not body[0][1]:
            fail(f"resubmitted bytes: {kind} {body}")
        ok("the same act bytes again, to another node: the original result")

        coordinator("revoke", "--dir", cluster, "--as", "alice", "--session", session.hex()[:10])
        denied = coordinator("check", "--dir", cluster, "--agent", "reader", "--op", "read", "--resource", "files/a", "--json",
                             check=False)
        if denied.returncode != 1:
            fail(f"check after revoke should exit 1 (deny somewhere), exited {denied.returncode}: {denied.stderr}")
        checks = json.loads(denied.stdout)
        reasons = {row["node"]: row["answer"].get("reason") for row in checks}
        if any(row["answer"]["allowed"] for row in checks):
            fail(f"check after revoke: {reasons}")
        ok(f"after revoke (by a 10-digit id prefix) every node denies: {sorted(set(reasons.values()))}; check exits 1")
        _, (kind, body) = act(3, node="n0")
        if kind != "result" or body[0][1] or REASONS.get(body[0].get(2)) != "revoked":
            fail(f"act after revoke: {kind} {body}")
        ok("act after revoke: rejected revoked")

        # Every node serves Prometheus text; what happened above shows in it.
        def scrape(node):
            import urllib.request
            with urllib.request.urlopen(nodes[node]["metrics"], timeout=10) as response:
                if response.status != 200 or not response.headers["Content-Type"].startswith("text/plain"):
                    fail(f"{node} metrics: HTTP {response.status} {response.headers['Content-Type']}")
                values = {}
                for line in response.read().decode().splitlines():
                    if line and not line.startswith("#"):
                        name, _, value = line.rpartition(" ")
                        values[name] = float(value)
                return values

        def value(metrics, name, **labels):
            wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
            return metrics.get(wanted, 0.0)

        scraped = {node: scrape(node) for node in sorted(nodes)}
        m1, m2 = scraped["n1"], scraped["n2"]
        height = statuses()["n2"]["height"]
        expectations = [
            ("every node's height", all(value(m, "warrant_height") >= 1 for m in scraped.values())),
            ("height", value(m2, "warrant_height") >= height - 1),
            ("commits", value(m2, "warrant_commits_total") >= height - 1),
            ("accepted grants", value(m2, "warrant_requests_total", kind="grant", outcome="accepted") >= 1),
            ("acts rejected as revoked", value(m2, "warrant_requests_total", kind="act", outcome="revoked") >= 1),
            ("allowed checks", value(m2, "warrant_checks_total", answer="allow", reason="none") >= 1),
            ("checks denied as revoked", value(m2, "warrant_checks_total", answer="deny", reason="revoked") >= 1),
            ("garbage", value(m2, "warrant_invalid_messages_total", source="client", reason="malformed") >= 1),
            ("bad signature", value(m2, "warrant_invalid_messages_total", source="client", reason="bad_signature") >= 1),
            ("oversize", value(m2, "warrant_invalid_messages_total", source="client", reason="too_large") >= 1),
            ("prevotes in", value(m2, "warrant_peer_messages_total", kind="prevote", direction="in") >= 1),
            ("verify time", value(m2, "warrant_signature_verify_seconds_total") > 0),
            ("SQLite block commit time", value(m2, "warrant_sqlite_commit_seconds_total", kind="block") > 0),
            ("commit latency histogram", value(m1, "warrant_commit_latency_seconds_count") >= 1),
            ("staleness", "warrant_since_quorum_seconds" in m2 and "warrant_fresh" in m2),
            ("clock offset", "warrant_clock_offset_seconds" in m2 and value(m2, "warrant_clock_vouched") == 1),
            ("links", value(m2, "warrant_link_messages_total", peer="n0", counter="received") >= 1),
            ("round", "warrant_round" in m2),
        ]
        missing = [what for what, holds in expectations if not holds]
        if missing:
            fail(f"metrics of n1/n2 lack or contradict: {missing}")
        ok(f"GET /metrics on every node: {len(m2)} series; height, requests by kind and outcome, checks by answer and reason, invalid messages, verify and SQLite time, latency, staleness, clock")

        # Control values out of range: a typed error, and the node keeps serving.
        coordinator_key = secret_key(info["coordinator_key"])

        def control(node, command, nonce=None):
            nonce = nonce if nonce is not None else int(time.time() * 1000)
            return ask(nodes[node]["control"], seal("control", {0: nonce, 1: command}, coordinator_key))

        for node, command, what in [("n1", {0: 3, 7: 2**63 - 1}, "a clock offset of 2^63 - 1 ms"),
                                    ("n2", {0: 1, 1: "n0", 2: 2, 3: False, 4: 0, 5: 0, 6: 2**64 - 1}, "a jitter of 2^64 - 1 ms")]:
            kind, body = control(node, command)
            if kind != "error" or body[0] != 17:
                fail(f"control with {what}: {kind} {body}")
            ok(f"control with {what}: error malformed ({body[1][:70]}…)")
        kind, body = control("n1", {0: 0}, nonce=2**62)
        if kind != "control-answer" or body[0]:
            fail(f"a nonce far in the future: {kind} {body}")
        ok("a control nonce far ahead of the node's clock is refused, not obeyed")
        refused = coordinator("fault", "skew", "--dir", cluster, "n1", "--ms", str(2**63 - 1), check=False)
        if refused.returncode == 0 or "--ms" not in refused.stderr:
            fail(f"fault skew --ms 2^63-1 should be refused by the CLI: {refused.returncode} {refused.stderr}")
        coordinator("fault", "heal", "--dir", cluster)  # the coordinator's own nonces still work
        wait("n1 and n2 still answer and commit", lambda: all(statuses().get(n) for n in ("n1", "n2")), 20)
        ok("the CLI refuses out-of-range values; n1 and n2 keep serving and obey the next command")

        # The largest batch fits; one more check is refused.
        def batch(count):
            checks = [{0: reader.public, 1: "read", 2: "files/a", 3: 0}] * count
            data = seal("check-batch", {0: checks}, reader)
            with pynng.Req0(dial=nodes["n0"]["client"], recv_timeout=15000, send_timeout=15000, recv_max_size=0) as socket:
                socket.send(data)
                raw = socket.recv()
            envelope = cbor2.loads(raw)
            return envelope[1], cbor2.loads(envelope[3]), len(raw)

        most = (MAX_MESSAGE - 256) // 160
        kind, body, size = batch(most)
        if kind != KINDS["check-batch-answer"] or len(body[0]) != most or size > MAX_MESSAGE:
            fail(f"a batch of {most}: kind {kind}, {size} bytes")
        kind, body, _ = batch(most + 1)
        if kind != KINDS["error"] or body[0] != 18:
            fail(f"a batch of {most + 1}: {kind} {body}")
        ok(f"a batch of {most} checks (the bound at {MAX_MESSAGE} bytes) is answered in {size} bytes; {most + 1} get too_large")

        # A burst of grants: the commit stream delivers heights in order.
        alice = secret_key(os.path.join(keys, "alice.key"))
        heights = []
        with pynng.Sub0(dial=nodes["n0"]["commits"], recv_timeout=500, recv_max_size=0) as sub:
            sub.subscribe(b"")
            time.sleep(0.5)
            import threading
            def burst(offset):
                for i in range(40):
                    grant = {0: 10_000 + offset * 100 + i, 1: reader.public, 2: {0: ["read"], 1: ["files/*"]},
                             3: int(time.time() * 1000), 4: int(time.time() * 1000) + 60000, 5: 1}
                    try:
                        ask(nodes[f"n{(offset + i) % 4}"]["client"], seal("grant", grant, alice), timeout_ms=10000)
                    except pynng.exceptions.Timeout:
                        pass
            threads = [threading.Thread(target=burst, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            deadline = time.time() + 40
            while (any(t.is_alive() for t in threads) or len(heights) < 5) and time.time() < deadline:
                try:
                    envelope = cbor2.loads(sub.recv())
                    heights.append(cbor2.loads(envelope[3])[0])
                except pynng.exceptions.Timeout:
                    pass
            for t in threads:
                t.join(timeout=30)
        if len(heights) < 5 or heights != sorted(heights) or len(set(heights)) != len(heights):
            fail(f"commit stream under load: heights {heights}")
        ok(f"320 grants from 8 clients: the commit stream delivered {len(heights)} notices in height order")

        # The fault scripts refuse bad targets and a cluster that is not running.
        env = dict(os.environ, WARRANT_BIN=BUILD)
        def script(name, *args):
            return subprocess.run([os.path.join(os.path.dirname(__file__), name), "--dir", cluster, *args],
                                  capture_output=True, text=True, timeout=60, env=env)
        bad = script("kill.sh", "n9")
        if bad.returncode == 0 or "n9" not in bad.stderr:
            fail(f"kill.sh n9: exit {bad.returncode}: {bad.stderr}")
        gone = subprocess.run([os.path.join(os.path.dirname(__file__), "heal.sh"), "--dir", os.path.join(work, "nothing")],
                              capture_output=True, text=True, timeout=60, env=env)
        if gone.returncode == 0 or "running" not in gone.stderr:
            fail(f"heal.sh on no cluster: exit {gone.returncode}: {gone.stderr}")
        ok("fault scripts refuse an unknown node and a cluster that is not running, naming them")

        # Kill one node; the other three keep committing.
        killed = script("kill.sh", "n3")
        if killed.returncode != 0:
            fail(f"kill.sh n3: {killed.stdout}{killed.stderr}")
        before = statuses()
        start = max(s["height"] for s in before.values() if s)
        wait("three nodes commit 5 more heights without n3",
             lambda: all(s and s["height"] >= start + 5 for name, s in statuses().items() if name != "n3"), 30)
        ok("n3 killed with SIGKILL (scripts/kill.sh); n0, n1, n2 keep committing")
        # A control command signed now and held back: after n3's restart it is a replay
        # even though n3's database never saw its nonce.
        held_back = seal("control", {0: int(time.time() * 1000), 1: {0: 0}}, coordinator_key)

        # A restart that fails — n3's client port taken meanwhile — is reported as one.
        import socket as sockets
        host, port = nodes["n3"]["client"].rsplit(":", 1)
        squatter = sockets.socket()
        squatter.setsockopt(sockets.SOL_SOCKET, sockets.SO_REUSEADDR, 1)
        squatter.bind((host.replace("tcp://", ""), int(port)))
        squatter.listen()
        try:
            failed_restart = script("restart.sh", "n3")
        finally:
            squatter.close()
        if failed_restart.returncode == 0 or "address_in_use" not in failed_restart.stderr + failed_restart.stdout:
            fail(f"restart.sh n3 with its port taken should fail naming it: {failed_restart.returncode} {failed_restart.stdout}{failed_restart.stderr}")
        ok("a restart whose node dies at once (its port taken) fails, naming address_in_use")

        restarted_run = script("restart.sh", "n3")
        if restarted_run.returncode != 0:
            fail(f"restart.sh n3: {restarted_run.stdout}{restarted_run.stderr}")

        def caught_up():
            s = statuses()
            return s.get("n3") and s.get("n0") and s["n3"]["height"] >= s["n0"]["height"] - 1 and s["n3"]["height"]

        height = wait("n3 catches up after restart", caught_up, 60)

        def state_at(node, h):
            db = sqlite3.connect(f"file:{nodes[node]['data']}/node.sqlite?mode=ro", uri=True, timeout=10)
            row = db.execute("SELECT state_hash FROM applied WHERE height = ?", (h,)).fetchone()
            db.close()
            return row[0] if row else None

        same = state_at("n3", height - 1) == state_at("n0", height - 1) and state_at("n0", height - 1) is not None
        if not same:
            fail(f"state hash at height {height - 1}: n3 {state_at('n3', height - 1)} n0 {state_at('n0', height - 1)}")
        ok(f"n3 restarted from its database (scripts/restart.sh) caught up: same state hash at height {height - 1}")

        kind, body = ask(nodes["n3"]["control"], held_back)
        if kind != "control-answer" or body[0] or "started" not in body[1]:
            fail(f"a control command signed before n3's restart was not refused as a replay: {kind} {body}")
        kind, body = control("n3", {0: 0})
        if kind != "control-answer" or not body[0]:
            fail(f"a fresh control command after n3's restart: {kind} {body}")
        ok("a control command signed before n3's restart is refused as a replay; a fresh one is obeyed")
    finally:
        pids = []
        try:
            pids = [n["pid"] for n in json.load(open(os.path.join(cluster, "cluster.json")))["nodes"]]  # incl. the restarted n3
        except (OSError, ValueError):
            pass
        up.send_signal(signal.SIGKILL)
        up.wait(timeout=10)

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        try:
            return open(f"/proc/{pid}/stat").read().split()[2] != "Z"
        except OSError:
            return False

    wait("no node outlives the coordinator's SIGKILL", lambda: not any(alive(p) for p in pids), 10)
    ok("coordinator killed with SIGKILL: no warrant-node process is left")
    print(f"e2e: {passed} passed, 0 failed", flush=True)


if __name__ == "__main__":
    main()
