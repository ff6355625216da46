#!/usr/bin/env python3
"""Renders a run's report.html in headless Chromium and checks what is drawn against the
run's own history.jsonl and summary.json, computed here independently (blocks decoded
with cbor2 as docs/PROTOCOL.md describes them).

    python3 scripts/check-report.py RUN_DIR [--violations] [--screenshot FILE]

Always: one lane per node; every partition drawn on every node's lane from the fault to
the heal; every committed revocation marked at its height; an expiry mark for every
session that expired during the run (and no other); the verdict table as summary.json
says. With --violations: the run failed, and every violation that names a node and a
moment is drawn on that node's lane. Exits non-zero with the first mismatch."""
import hashlib
import html.parser
import json
import os
import shutil
import subprocess
import sys

import cbor2

GRANT, REVOKE = 1, 2


def fail(message):
    print(f"check-report: FAILED — {message}")
    sys.exit(1)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    fail("no chromium on PATH (scripts/bootstrap.sh installs Debian's chromium)")


def render(path, screenshot):
    """The DOM as Chromium built it, and a screenshot (a failed render fails the check)."""
    browser = chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1240,1500"]
    url = "file://" + os.path.abspath(path)
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    if dom.returncode != 0 or "<svg" not in dom.stdout:
        fail(f"chromium could not render {path}: {dom.stderr[-400:]}")
    shot = subprocess.run([browser, *flags, f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120)
    if shot.returncode != 0 or not os.path.exists(screenshot):
        fail(f"chromium made no screenshot of {path}: {shot.stderr[-400:]}")
    with open(screenshot, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail(f"{screenshot} is not a PNG")
    return dom.stdout


class Marks(html.parser.HTMLParser):
    """Every element with a class, as (tag, classes, attributes, enclosing lane)."""

    def __init__(self):
        super().__init__()
        self.marks, self.lane, self.depth = [], None, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "g" and "lane" in classes:
            self.lane = attributes.get("data-node")
        if tag == "g":
            self.depth.append("lane" if "lane" in classes else "g")
        if classes:
            self.marks.append((tag, classes, attributes, self.lane))

    def handle_endtag(self, tag):
        if tag == "g" and self.depth and self.depth.pop() == "lane":
            self.lane = None


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    run, violations_expected = args[0], "--violations" in args
    screenshot = args[args.index("--screenshot") + 1] if "--screenshot" in args else os.path.join(run, "report.png")
    events = [json.loads(line) for line in open(os.path.join(run, "history.jsonl"))]
    summary = json.load(open(os.path.join(run, "summary.json")))
    parser = Marks()
    parser.feed(render(os.path.join(run, "report.html"), screenshot))
    marks = parser.marks

    def having(cls, tag=None):
        return [(t, c, a, lane) for (t, c, a, lane) in marks if cls in c and (tag is None or t == tag)]

    # One lane per node.
    nodes = [n["name"] for n in summary["nodes"]]
    lanes = [a["data-node"] for (_, _, a, _) in having("lane", "g")]
    if lanes != nodes:
        fail(f"lanes {lanes}, but the run's nodes are {nodes}")

    # Every partition, on every node's lane, from the fault to the next heal.
    faults = [e for e in events if e["kind"] == "fault"]
    partitions = 0
    for index, fault in enumerate(faults):
        if not fault.get("detail", "").startswith("partition "):
            continue
        heal = next((f["time"] for f in faults[index + 1:] if f.get("detail") == "heal"), None)
        for node in nodes:
            drawn = [a for (_, _, a, _) in having("partitioned") if a["data-node"] == node and int(a["data-start"]) == fault["time"]]
            if not drawn:
                fail(f"{fault['detail']} at {fault['time']} ms is not drawn on {node}'s lane")
            if heal is not None and int(drawn[0]["data-end"]) != heal:
                fail(f"{node}'s partition ends at {drawn[0]['data-end']} ms in the picture, at the heal ({heal} ms) in the history")
            if fault.get("layer") and drawn[0].get("data-layer") != fault["layer"]:
                fail(f"{node}'s partition is drawn as layer {drawn[0].get('data-layer')!r}, recorded as {fault['layer']!r}")
        partitions += 1

    # The committed chain: grants (with expiry) and revocations, from the blocks themselves.
    epoch = next(e["epochMs"] for e in events if e["kind"] == "start")
    end = max(e["time"] for e in events)
    accepted, first_commit = set(), {}
    for e in events:
        if e["kind"] == "commit":
            accepted.update(e.get("accepted") or [])
            first_commit.setdefault(e["height"], e["time"])
            first_commit[e["height"]] = min(first_commit[e["height"]], e["time"])
    grants, revoked_at = {}, {}
    blocks = {e["block"]: e for e in events if e["kind"] == "block"}
    for block_event in sorted(blocks.values(), key=lambda e: e["height"]):
        block = cbor2.loads(bytes.fromhex(block_event["bytes"]))
        for envelope_bytes in block[6]:
            request = hashlib.blake2b(envelope_bytes, digest_size=32).hexdigest()
            if request not in accepted:
                continue
            envelope = cbor2.loads(envelope_bytes)
            body = cbor2.loads(envelope[3])
            if envelope[1] == GRANT:
                grants[request] = body[4] - epoch
            elif envelope[1] == REVOKE:
                revoked_at.setdefault(body[1].hex(), block_event["height"])
    revocation_heights = set(revoked_at.values())
    drawn_heights = {int(a["data-height"]) for (_, _, a, _) in having("revocation", "g")}
    if not revocation_heights <= drawn_heights:
        fail(f"revocations committed at heights {sorted(revocation_heights)}, marked at {sorted(drawn_heights)}")
    expired = sorted(t for s, t in grants.items() if t <= end and (s not in revoked_at or first_commit[revoked_at[s]] > t))
    marked = sorted(int(a["data-time"]) for (_, _, a, _) in having("expiry"))
    if expired != marked:
        fail(f"sessions expired at {expired} ms, expiry marks at {marked} ms")

    # The verdict table.
    table = [a for (_, _, a, _) in having("verdict", "table")]
    if not table or table[0]["data-verdict"] != summary["verdict"]:
        fail(f"the verdict table says {table[0]['data-verdict'] if table else 'nothing'}, summary.json {summary['verdict']}")
    for (_, classes, a, _) in having("check", "tr"):
        ok = summary["checks"][a["data-check"]]["ok"]
        if ("ok" in classes) != ok:
            fail(f"check {a['data-check']} drawn as {'ok' if 'ok' in classes else 'failed'}, summary.json says ok={ok}")

    drawn_violations = having("violation", "rect")
    if violations_expected:
        if summary["verdict"] != "fail":
            fail("a run with a violation was expected")
        broken = {name for name, c in summary["checks"].items() if not c["ok"]}
        rows = {a["data-rule"] for (_, _, a, _) in having("violation-row", "tr")}
        if not broken <= rows:
            fail(f"broken checks {sorted(broken)}, violation rows for {sorted(rows)}")
        if not drawn_violations:
            fail("the run failed, but no violation is drawn on any lane")
        for (_, _, a, lane) in drawn_violations:
            if (lane or "") != a["data-node"] or not (0 <= int(a["data-time"]) <= end):
                fail(f"violation mark for {a['data-node']} at {a['data-time']} ms drawn on lane {lane}")
    elif drawn_violations:
        fail(f"{len(drawn_violations)} violations drawn for a run that {summary['verdict']}ed")

    print(f"check-report: {run}: {len(lanes)} lanes, {partitions} partitions, {len(drawn_heights)} revocation marks, "
          f"{len(marked)} expiry marks, {len(drawn_violations)} violation marks, verdict {summary['verdict']} — as recorded "
          f"(screenshot {screenshot})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
