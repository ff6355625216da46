#!/usr/bin/env python3
"""Hostile clients at the socket level against one node's client endpoint.

Starts a four-node cluster (`warrant-coordinator up`, loopback only), grants a session,
and measures an honest client's checks against n0 — one persistent connection, one check
at a time — first alone, then while hundreds of raw TCP connections attack the same
endpoint, then alone again:

  idle      connections that finish the SP handshake and then say nothing
  drip      the handshake and a valid request, one byte every 200 ms
  half      a frame header announcing 1 MiB, half of it, then silence
  oversize  a frame header announcing more than the node accepts, then bytes
  garbage   random bytes instead of a handshake, reconnecting at once
  nonsense  well-framed messages whose payload is no envelope, as fast as answered

Then a flood: more idle connections than the node's `max_client_connections` (`--cap`,
default 400): n0 must hold no more than the cap (its `warrant_connections` gauge),
count the rest as refused, keep answering the honest client, and let a new client in
once the flood ends.

It fails (exit 1) when n0 dies, an honest check goes unanswered or is wrong, the cluster
stops committing, n0's resident memory passes 512 MiB, or its memory or descriptors do
not come back once the attack ends (a leak: more than 64 MiB or 8 descriptors above where
they were before it). Latencies and peaks are reported, not judged: they depend on the
machine (the connect-and-close loops keep thousands of sockets closing at any instant).
`--json FILE` writes the figures.

  scripts/hostile-clients.py BIN_DIR [--connections N] [--seconds S] [--cap N] [--json FILE]
"""
import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import pynng  # noqa: E402
from warrant_client import wire  # noqa: E402
from warrant_client.keys import Key  # noqa: E402

REQ_HANDSHAKE = bytes([0, ord("S"), ord("P"), 0, 0, 0x30, 0, 0])  # SP over TCP, protocol REQ (48)


def fail(message):
    print(f"hostile-clients: FAIL: {message}", flush=True)
    raise SystemExit(1)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def scrape(url):
    """A node's metrics as {series: value}."""
    with urllib.request.urlopen(url, timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {name: float(value) for name, _, value in (line.rpartition(" ") for line in lines if line and not line.startswith("#"))}


def process_figures(pid):
    try:
        rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:")) // 1024
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return None, None


class Honest:
    """Checks, one at a time, over one persistent req0 connection; latencies in ms."""

    def __init__(self, address, session, key):
        self.socket = pynng.Req0(dial=address, recv_timeout=10_000, send_timeout=10_000)
        self.session, self.key = session, key
        self.latencies, self.failures, self.phase = {}, {}, None
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            phase = self.phase
            check = wire.seal("check", wire.check_body(self.key.public, "read", "files/report", 1, self.session), self.key)
            started = time.perf_counter()
            try:
                self.socket.send(check)
                kind, body, _ = wire.open_envelope(self.socket.recv())
                if kind != "check-answer" or body[0] is not True:
                    raise ValueError(f"{kind} {body}")
                self.latencies.setdefault(phase, []).append((time.perf_counter() - started) * 1000)
            except Exception as error:  # noqa: BLE001 — every failure is counted and reported
                self.failures.setdefault(phase, []).append(str(error))
            time.sleep(0.01)


class Attack:
    def __init__(self, host, port, limit, envelope):
        self.host, self.port, self.limit, self.envelope = host, port, limit, envelope
        self.stop = threading.Event()
        self.held, self.counts, self.lock = [], {}, threading.Lock()

    def count(self, kind, n=1):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + n

    def connect(self):
        s = socket.create_connection((self.host, self.port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return s

    def hold(self, s):
        with self.lock:
            self.held.append(s)

    def idle(self, n):
        for _ in range(n):
            if self.stop.is_set():
                return
            try:
                s = self.connect()
                s.sendall(REQ_HANDSHAKE)
                self.hold(s)
                self.count("idle")
            except OSError:
                self.count("refused")

    def half(self, n):
        for _ in range(n):
            try:
                s = self.connect()
                s.sendall(REQ_HANDSHAKE + struct.pack(">Q", 1 << 20) + os.urandom(1 << 19))
                self.hold(s)
                self.count("half")
            except OSError:
                self.count("refused")

    def drip(self, n):
        frame = REQ_HANDSHAKE + struct.pack(">Q", 4 + len(self.envelope)) + struct.pack(">I", 0x80000001) + self.envelope
        sockets = []
        for _ in range(n):
            try:
                sockets.append(self.connect())
                self.count("drip")
            except OSError:
                self.count("refused")
        for s in sockets:
            self.hold(s)
        position = 0
        while not self.stop.is_set() and position < len(frame):
            for s in sockets:
                try:
                    s.send(frame[position:position + 1])
                except OSError:
                    pass
            position += 1
            time.sleep(0.2)

    def oversize(self):
        while not self.stop.is_set():
            try:
                s = self.connect()
                s.sendall(REQ_HANDSHAKE + struct.pack(">Q", 4 * self.limit) + os.urandom(64 << 10))
                s.settimeout(1)
                try:
                    s.recv(16)
                except OSError:
                    pass
                s.close()
                self.count("oversize")
            except OSError:
                self.count("dropped")

    def garbage(self):
        while not self.stop.is_set():
            try:
                s = self.connect()
                s.sendall(os.urandom(random.randint(1, 4096)))
                s.close()
                self.count("garbage")
            except OSError:
                self.count("dropped")

    def nonsense(self, address):
        with pynng.Req0(dial=address, recv_timeout=5000, send_timeout=5000) as s:
            while not self.stop.is_set():
                try:
                    s.send(os.urandom(random.randint(1, 2048)))
                    kind, body, _ = wire.open_envelope(s.recv())
                    self.count("nonsense answered" if kind == "error" else f"nonsense {kind}")
                except Exception:  # noqa: BLE001
                    self.count("nonsense unanswered")

    def close(self):
        self.stop.set()
        for s in self.held:
            try:
                s.close()
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bin")
    parser.add_argument("--connections", type=int, default=300, help="connections held open during the attack")
    parser.add_argument("--seconds", type=int, default=20, help="length of the attack")
    parser.add_argument("--cap", type=int, default=400, help="the node's max_client_connections, which the flood exceeds by 100")
    parser.add_argument("--json")
    args = parser.parse_args()
    coordinator = os.path.join(args.bin, "warrant-coordinator")
    work = tempfile.mkdtemp(prefix="warrant-hostile-")
    base = random.randrange(20000, 32000, 100)
    topology = os.path.join(work, "hostile.toml")
    with open(topology, "w") as f:
        f.write(f'[cluster]\nname = "hostile"\nbase_port = {base}\nmax_client_connections = {args.cap}\n')
        for n in range(4):
            f.write(f'[[nodes]]\nname = "n{n}"\n')
        f.write('[[principals]]\nname = "alice"\nowns = ["files/*"]\n')
    cluster = os.path.join(work, "cluster")
    up = subprocess.Popen([coordinator, "up", topology, "--dir", cluster], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    attack = None
    honest = None
    try:
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(cluster, "cluster.json")):
            if time.time() > deadline or up.poll() is not None:
                fail("the cluster did not start")
            time.sleep(0.2)
        info = json.load(open(os.path.join(cluster, "cluster.json")))
        n0 = info["nodes"][0]
        keys = os.path.join(cluster, "keys")
        subprocess.run([coordinator, "keygen", "--out", keys, "--name", "reader"], check=True, capture_output=True)
        granted = subprocess.run([coordinator, "grant", "--dir", cluster, "--as", "alice", "--agent", "reader", "--ops", "read",
                                  "--resources", "files/*", "--ttl-ms", "600000", "--json"], check=True, capture_output=True, text=True)
        session = bytes.fromhex(json.loads(granted.stdout)["request"])
        reader = Key.load(os.path.join(keys, "reader.key"))
        host, port = n0["client"].removeprefix("tcp://").rsplit(":", 1)

        def height():
            with pynng.Req0(dial=n0["client"], recv_timeout=5000) as s:
                s.send(wire.seal("status-query", {}, reader))
                return wire.open_envelope(s.recv())[1][1]

        honest = Honest(n0["client"], session, reader)
        thread = threading.Thread(target=honest.run, daemon=True)
        samples = []

        def sample(phase, seconds):
            end = time.time() + seconds
            while time.time() < end:
                rss, fds = process_figures(n0["pid"])
                if rss is None:
                    fail(f"n0 (pid {n0['pid']}) died during the {phase} phase")
                samples.append({"phase": phase, "t": round(time.time(), 1), "rss_mib": rss, "fds": fds})
                time.sleep(1)

        honest.phase = "before"
        thread.start()
        sample("before", 8)
        start_height = height()
        attack = Attack(host, int(port), 8 << 20, wire.seal("status-query", {}, reader))
        honest.phase = "attack"
        workers = [threading.Thread(target=attack.idle, args=(args.connections // 2,), daemon=True),
                   threading.Thread(target=attack.half, args=(args.connections // 6,), daemon=True),
                   threading.Thread(target=attack.drip, args=(args.connections // 3,), daemon=True)]
        workers += [threading.Thread(target=attack.oversize, daemon=True) for _ in range(2)]
        workers += [threading.Thread(target=attack.garbage, daemon=True) for _ in range(2)]
        workers += [threading.Thread(target=attack.nonsense, args=(n0["client"],), daemon=True) for _ in range(2)]
        for w in workers:
            w.start()
        sample("attack", args.seconds)
        held = len(attack.held)
        attack_height = height()
        attack.close()
        honest.phase = "after"
        sample("after", 8)

        # The flood: the cap plus 100 idle connections; n0 holds at most the cap.
        before_flood = scrape(n0["metrics"])
        flood = Attack(host, int(port), 8 << 20, b"")
        honest.phase = "flood"
        flooding = threading.Thread(target=flood.idle, args=(args.cap + 100,), daemon=True)
        flooding.start()
        flooding.join(60)
        sample("flood", 3)
        during_flood = scrape(n0["metrics"])
        flood.close()
        honest.phase = "after flood"
        deadline = time.time() + 30
        flood_height = None
        while flood_height is None and time.time() < deadline:
            try:
                flood_height = height()
            except pynng.exceptions.NNGException:
                time.sleep(0.2)
        sample("after flood", 3)
        honest.stop.set()
        thread.join(15)
        end_height = height()
    finally:
        if attack:
            attack.close()
        up.terminate()
        try:
            up.wait(20)
        except subprocess.TimeoutExpired:
            up.kill()

    flood_held = during_flood.get('warrant_connections{endpoint="client"}')
    refused_series = 'warrant_connections_refused_total{endpoint="client"}'
    refused_in_attack = before_flood.get(refused_series, 0)
    flood_refused = during_flood.get(refused_series, 0) - refused_in_attack
    figures = {"connections_held": held, "attack_seconds": args.seconds, "attack_counts": attack.counts,
               "flood": {"cap": args.cap, "opened": flood.counts.get("idle", 0), "held_by_n0": flood_held,
                         "refused_by_n0": flood_refused, "new_client_after": flood_height is not None,
                         "refused_during_attack": refused_in_attack},
               "heights": {"before_attack": start_height, "after_attack": attack_height, "end": end_height}, "phases": {}}
    for phase in ("before", "attack", "after", "flood", "after flood"):
        lat = honest.latencies.get(phase, [])
        rows = [s for s in samples if s["phase"] == phase]
        figures["phases"][phase] = {
            "checks": len(lat), "failures": len(honest.failures.get(phase, [])),
            "p50_ms": round(percentile(lat, 50), 2) if lat else None, "p99_ms": round(percentile(lat, 99), 2) if lat else None,
            "max_ms": round(max(lat), 2) if lat else None,
            "rss_mib_max": max(s["rss_mib"] for s in rows), "fds_max": max(s["fds"] for s in rows),
            "rss_mib_last": rows[-1]["rss_mib"], "fds_last": rows[-1]["fds"]}
    figures["samples"] = samples
    for phase, row in figures["phases"].items():
        print(f"hostile-clients: {phase:11}  checks {row['checks']:5}  failures {row['failures']}  p50 {row['p50_ms']} ms  "
              f"p99 {row['p99_ms']} ms  max {row['max_ms']} ms  n0 RSS ≤ {row['rss_mib_max']} MiB (last {row['rss_mib_last']})  "
              f"fds ≤ {row['fds_max']} (last {row['fds_last']})")
    print(f"hostile-clients: held {held} connections; {json.dumps(attack.counts, sort_keys=True)}; "
          f"heights {start_height} → {attack_height} → {end_height}")
    print(f"hostile-clients: flood of {flood.counts.get('idle', 0)} idle connections against a cap of {args.cap}: "
          f"n0 held {flood_held}, refused {flood_refused:.0f} (during the attack before it: {refused_in_attack:.0f}, "
          f"closing connections counted until reaped); a new client got in afterwards: {flood_height is not None}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    problems = []
    for phase in ("before", "attack", "after", "flood", "after flood"):
        if honest.failures.get(phase):
            problems.append(f"{len(honest.failures[phase])} honest checks failed during {phase}: {honest.failures[phase][:2]}")
        if not honest.latencies.get(phase):
            problems.append(f"no honest check was answered during {phase}")
    if attack_height <= start_height or end_height <= attack_height:
        problems.append(f"the cluster stopped committing (heights {start_height}, {attack_height}, {end_height})")
    if flood_held is None or flood_held > args.cap:
        problems.append(f"during the flood n0 held {flood_held} client connections, above its cap of {args.cap}")
    if flood_refused < 1:
        problems.append(f"{args.cap + 100} connections against a cap of {args.cap}, and n0 refused none")
    if flood_height is None:
        problems.append("no new client got in within 30 s after the flood ended")
    peak = max(s["rss_mib"] for s in samples)
    if peak > 512:
        problems.append(f"n0's resident memory reached {peak} MiB")
    before = [s for s in samples if s["phase"] == "before"]
    settled = [s for s in samples if s["phase"] == "after"][-3:]
    if min(s["fds"] for s in settled) > max(s["fds"] for s in before) + 8:
        problems.append(f"n0's descriptors did not come back after the attack: {[s['fds'] for s in settled]} (before: {before[-1]['fds']})")
    if min(s["rss_mib"] for s in settled) > max(s["rss_mib"] for s in before) + 64:
        problems.append(f"n0's memory did not come back after the attack: {[s['rss_mib'] for s in settled]} MiB (before: {before[-1]['rss_mib']})")
    if problems:
        fail("; ".join(problems))
    print("hostile-clients: n0 kept answering honest checks, the cluster kept committing, its memory and descriptors came back "
          "after the attack, and it held no more connections than its cap")


if __name__ == "__main__":
    main()
