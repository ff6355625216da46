#!/usr/bin/env python3
"""Drives warrant-gateway with the Python MCP SDK (PyPI `mcp`), as an LLM host would, against
a real cluster (`warrant-coordinator up Topologies/mcp-gateway.toml`), and checks every
answer against the committed chain.

    python3 scripts/check-mcp-gateway.py BIN_DIR

The host lists the tools, then calls them within the session, over budget, over the
per-act cap, out of scope, with bad arguments, while the gateway's node is cut off, after
the session expired, and (through a second gateway, with a new session) after a
revocation, and (a third gateway) over Streamable HTTP. Then: no tool ran without an allow (the gateway's decision log against each
answer), every payment in the tool's ledger is an act the chain committed under a session
of this agent, and no session paid more than its budget."""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import socket

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(condition, what):
    print(f"  {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        failures.append(what)


class Cluster:
    def __init__(self, bin_dir, work):
        self.bin, self.dir = bin_dir, os.path.join(work, "cluster")
        self.up = subprocess.Popen([os.path.join(bin_dir, "warrant-coordinator"), "up", os.path.join(ROOT, "Topologies/mcp-gateway.toml"),
                                    "--dir", self.dir], stdout=open(os.path.join(work, "up.log"), "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while "ready:" not in open(os.path.join(work, "up.log")).read():
            if time.time() > deadline or self.up.poll() is not None:
                sys.exit("check-mcp-gateway: the cluster did not come up:\n" + open(os.path.join(work, "up.log")).read())
            time.sleep(0.2)

    def coordinator(self, *args):
        out = subprocess.run([os.path.join(self.bin, "warrant-coordinator"), *args, "--dir", self.dir], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"warrant-coordinator {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def sessions(self):
        return json.loads(self.coordinator("sessions", "--json"))["sessions"]

    def stop(self):
        self.up.terminate()
        self.up.wait(timeout=10)


def text(result):
    return result.content[0].text if result.content else ""


async def gateway(cluster, work, tools, decisions, *extra):
    params = StdioServerParameters(command=os.path.join(cluster.bin, "warrant-gateway"),
                                   args=["--dir", cluster.dir, "--agent", "assistant", "--tools", tools, "--decisions", decisions, *extra])
    return stdio_client(params)


async def call_until(call, session, tool, arguments, want, seconds):
    """Calls until the answer is an error starting with one of `want`, or time runs out."""
    deadline = time.time() + seconds
    while True:
        result = await call(session, tool, arguments)
        if (result.is_error and text(result).split(":")[0] in want) or time.time() > deadline:
            return result
        await asyncio.sleep(0.3)


async def main(bin_dir):
    work = tempfile.mkdtemp(prefix="warrant-mcp-")
    tools = os.path.join(work, "tools.toml")
    with open(os.path.join(ROOT, "gateway/tools.toml")) as f:
        config = f.read().replace('root = "files"', f'root = "{os.path.join(ROOT, "gateway/files")}"')
    with open(tools, "w") as f:
        f.write(config)
    ledger, decisions = os.path.join(work, "payments.jsonl"), os.path.join(work, "decisions.jsonl")
    cluster = Cluster(bin_dir, work)
    answers = []  # (tool, is_error, text)

    async def call(session, tool, arguments):
        result = await session.call_tool(tool, arguments)
        answers.append((tool, result.is_error, text(result)))
        return result

    try:
        print("check-mcp-gateway: session A, through node n3 only")
        async with await gateway(cluster, work, tools, decisions, "--node", "n3") as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                listed = {t.name: t for t in (await session.list_tools()).tools}
                check(set(listed) == {"read_file", "pay"}, f"lists the tools: {sorted(listed)}")
                check(listed["pay"].input_schema["required"] == ["payee", "amount"], "pay takes payee and amount")
                r = await call(session, "read_file", {"path": "public/report.txt"})
                check(not r.is_error and "Quarterly report" in text(r), "within the session: read_file runs")
                r = await call(session, "pay", {"payee": "bob", "amount": 30})
                check(not r.is_error and text(r).startswith("paid 30 to bob"), "within the session: pay 30 runs")
                r = await call(session, "pay", {"payee": "carol", "amount": 50})
                check(not r.is_error, "within the session: pay 50 runs (80 of 100)")
                r = await call(session, "pay", {"payee": "dave", "amount": 30})
                check(r.is_error and text(r).startswith("over_budget"), f"over budget: {text(r)[:60]}")
                r = await call(session, "pay", {"payee": "dave", "amount": 70})
                check(r.is_error and text(r).startswith("over_action_cap"), f"over the per-act cap: {text(r)[:60]}")
                r = await call(session, "read_file", {"path": "private/secret.txt"})
                check(r.is_error and text(r).startswith("out_of_scope") and "launch codes" not in text(r), f"out of scope: {text(r)[:60]}")
                r = await call(session, "read_file", {"path": "../../etc/passwd"})
                check(r.is_error and text(r).startswith("bad_arguments"), f"bad arguments: {text(r)[:60]}")
                cluster.coordinator("fault", "partition", "n0,n1,n2", "n3")
                r = await call_until(call, session, "read_file", {"path": "public/report.txt"}, {"stale"}, 15)
                check(r.is_error and text(r).startswith("stale"), f"its node cut off: read_file denied: {text(r)[:60]}")
                r = await call(session, "pay", {"payee": "erin", "amount": 5})
                check(r.is_error and text(r).split(":")[0] in ("timeout", "stale"), f"its node cut off: pay not run: {text(r)[:60]}")
                cluster.coordinator("fault", "heal")
                time.sleep(3)
                before_expiry = cluster.sessions()
                expires = max(s["expiresAt"] for s in before_expiry)
                time.sleep(max(0, expires / 1000 - time.time()) + 0.5)
                r = await call(session, "read_file", {"path": "public/report.txt"})
                check(r.is_error and text(r).split(":")[0] in ("expired", "unknown_session"), f"after expiry: read_file denied: {text(r)[:60]}")
                r = await call(session, "pay", {"payee": "bob", "amount": 1})
                check(r.is_error and text(r).split(":")[0] in ("expired", "unknown_session"), f"after expiry: pay denied: {text(r)[:60]}")

        print("check-mcp-gateway: session B, revoked")
        async with await gateway(cluster, work, tools, decisions) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                r = await call(session, "pay", {"payee": "frank", "amount": 10})
                check(not r.is_error, "a new session: pay 10 runs")
                live = [s for s in cluster.sessions() if not s["revoked"]]
                newest = max(live, key=lambda s: s["notBefore"])
                cluster.coordinator("revoke", "--as", "alice", "--session", newest["id"])
                before_revoke = cluster.sessions()
                r = await call_until(call, session, "pay", {"payee": "frank", "amount": 10}, {"revoked"}, 10)
                check(r.is_error and text(r).startswith("revoked"), f"after revocation: pay denied: {text(r)[:60]}")
                r = await call(session, "read_file", {"path": "public/report.txt"})
                check(r.is_error and text(r).startswith("revoked"), f"after revocation: read_file denied: {text(r)[:60]}")
                after = cluster.sessions()

        print("check-mcp-gateway: session C, over Streamable HTTP")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        served = subprocess.Popen([os.path.join(cluster.bin, "warrant-gateway"), "--dir", cluster.dir, "--agent", "assistant", "--tools", tools,
                                   "--decisions", decisions, "--http", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True)
        try:
            served.stderr.readline()  # "… MCP over Streamable HTTP at …": listening
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    check({t.name for t in (await session.list_tools()).tools} == {"read_file", "pay"}, "over HTTP: lists the tools")
                    r = await call(session, "pay", {"payee": "grace", "amount": 5})
                    check(not r.is_error, f"over HTTP: pay 5 runs: {text(r)[:40]}")
                    r = await call(session, "read_file", {"path": "private/secret.txt"})
                    check(r.is_error and text(r).startswith("out_of_scope"), f"over HTTP: out of scope: {text(r)[:40]}")
            after += cluster.sessions()
        finally:
            served.terminate()
            served.wait(timeout=10)

        print("check-mcp-gateway: against the committed chain")
        payments = [json.loads(l) for l in open(ledger)] if os.path.exists(ledger) else []
        logged = [json.loads(l) for l in open(decisions)]
        check(all(d["decision"] == "allow" for d in logged if d["ran"]), "no tool ran without an allow")
        check(sum(1 for d in logged if d["ran"] and d["tool"] == "pay") == len(payments), f"{len(payments)} payments, one per allowed pay")
        ok_answers = [a for a in answers if not a[1]]
        check(len(ok_answers) == sum(1 for d in logged if d["ran"]) and len(answers) == len(logged),
              f"{len(answers)} calls logged; {len(ok_answers)} tool results, as many as tools ran")
        committed = {s["id"]: s for s in before_expiry + before_revoke + after}
        for session_id in sorted({p["session"] for p in payments}):
            paid = sum(p["amount"] for p in payments if p["session"] == session_id)
            chain = committed.get(session_id)
            check(chain is not None and paid <= chain["spent"] <= chain["budget"],
                  f"session {session_id[:8]}: paid {paid}, committed spent {chain and chain['spent']}, budget {chain and chain['budget']}")
        check(sum(p["amount"] for p in payments) <= 100 * len({p["session"] for p in payments}), "no session paid beyond its budget")
    finally:
        cluster.stop()
    if failures:
        print(f"check-mcp-gateway: {len(failures)} failed (files in {work})")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("check-mcp-gateway: every answer agrees with the committed chain")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1])))
