#!/usr/bin/env python3
"""The soak's three parts (scripts/soak.sh runs them); standard library only.

  soak_report.py topology --minutes N --seed S   the soak's topology, on stdout
  soak_report.py sample RUN_DIR                  every 10 s, one JSON line per node process
                                                 of the run (RSS, descriptors, SQLite bytes)
                                                 until RUN_DIR/summary.json appears
  soak_report.py report OUT --verdict STATUS     the figures, judged, and OUT/soak.svg

The report fails (exit 1) when the run failed (a violation), when a node's resident memory
or descriptors kept growing after the warm-up (the highest reading of the last third of
the soak above the highest of the first third by more than 15 % + 8 MiB, or 8 descriptors),
or when throughput decayed (accepted requests per second in the last third below three
quarters of the first third's).
"""
import argparse
import json
import os
import random
import sys
import time
import urllib.request

FAULT_KINDS = ["partition", "kill", "pause", "skew", "delay", "drop"]


def topology(minutes, seed):
    duration = minutes * 60_000
    rnd = random.Random(seed)
    lines = [f"# A {minutes}-minute soak (scripts/soak.sh), seed {seed}: steady agents, one fault a minute.",
             "[cluster]", 'name = "soak"', "base_port = 29000", "",
             *[f'[[nodes]]\nname = "n{i}"' for i in range(4)], "",
             '[[principals]]\nname = "alice"\nowns = ["files/*", "shop/*"]', ""]
    for i in range(1, 4):
        lines.append(f'[[agents]]\nname = "reader-{i}"\nprincipal = "alice"\noperations = ["read"]\nresources = ["files/*"]\n'
                     f"ttl_ms = 20000\nrenew_before_ms = 5000\nact_interval_ms = 100\n")
    lines.append('[[agents]]\nname = "buyer"\nprincipal = "alice"\noperations = ["pay"]\nresources = ["shop/*"]\n'
                 "budget = 1000000\nmax_amount = 20\namount = 3\nttl_ms = 30000\nrenew_before_ms = 10000\nact_interval_ms = 150\n")
    lines.append('[[agents]]\nname = "greedy"\nprincipal = "alice"\nbehaviour = "greedy"\noperations = ["read"]\n'
                 'resources = ["files/g/*"]\nbudget = 50\nmax_amount = 3\nttl_ms = 15000\nrenew_before_ms = 4000\nact_interval_ms = 300\n')
    lines.append('[[agents]]\nname = "rogue"\nprincipal = "alice"\nbehaviour = "rogue"\noperations = ["read", "write"]\n'
                 'resources = ["files/*"]\nttl_ms = 8000\nact_interval_ms = 400\n')
    lines.append(f"[workload]\nduration_ms = {duration}\n")
    at = 60_000
    while at + 60_000 <= duration:
        kind = rnd.choice(FAULT_KINDS)
        victim = f"n{rnd.randrange(4)}"
        length = rnd.randrange(5_000, 15_001, 500)
        first, undo = {"partition": ("partition", "heal"), "kill": ("kill", "restart"), "pause": ("pause", "resume"),
                       "skew": ("skew", "skew"), "delay": ("delay", "heal"), "drop": ("drop", "heal")}[kind]
        extra = {"skew": f"ms = {rnd.choice([-1, 1]) * rnd.randrange(100, 400)}", "delay": f"ms = {rnd.randrange(20, 150)}",
                 "drop": f"per_mille = {rnd.randrange(100, 400)}"}.get(kind)
        lines.append(f'[[faults]]\nat_ms = {at}\nkind = "{first}"\nnodes = ["{victim}"]' + (f"\n{extra}" if extra else "") + "\n")
        undo_nodes = "" if undo == "heal" else f'\nnodes = ["{victim}"]'
        undo_extra = "\nms = 0" if kind == "skew" else ""
        lines.append(f'[[faults]]\nat_ms = {at + length}\nkind = "{undo}"{undo_nodes}{undo_extra}\n')
        if (at // 60_000) % 5 == 0:
            lines.append(f'[[faults]]\nat_ms = {at + 30_000}\nkind = "revoke"\nagent = "reader-{1 + (at // 300_000) % 3}"\n')
        at += 60_000
    return "\n".join(lines)


def node_processes(run_dir):
    """(node name, pid) of every warrant-node whose data directory is under run_dir."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if not args or not args[0].endswith(b"warrant-node"):
            continue
        words = [a.decode(errors="replace") for a in args]
        if "--data" in words and words[words.index("--data") + 1].startswith(run_dir) and "--id" in words:
            found.append((words[words.index("--id") + 1], int(pid), words[words.index("--data") + 1]))
    return found


def heap_in_use_mib(url):
    """The node's `warrant_heap_bytes{kind="in_use"}` in MiB, or None when unreadable."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            for line in response.read().decode().splitlines():
                if line.startswith('warrant_heap_bytes{kind="in_use"}'):
                    return round(float(line.rsplit(" ", 1)[1]) / 2**20, 2)
    except (OSError, ValueError):
        pass
    return None


def sample(run_dir):
    run_dir = os.path.abspath(run_dir)
    deadline = time.time() + 6 * 3600
    while time.time() < deadline and not os.path.exists(os.path.join(run_dir, "summary.json")):
        now = time.time()
        try:
            metrics = {n["name"]: n.get("metrics") for n in json.load(open(os.path.join(run_dir, "cluster.json")))["nodes"]}
        except (OSError, ValueError, KeyError):
            metrics = {}
        for name, pid, data in node_processes(run_dir):
            try:
                rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))
                fds = len(os.listdir(f"/proc/{pid}/fd"))
            except (OSError, StopIteration):
                continue
            db = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("node.sqlite"))
            heap = heap_in_use_mib(metrics[name]) if metrics.get(name) else None
            print(json.dumps({"t": round(now, 1), "node": name, "pid": pid, "rss_mib": round(rss / 1024, 1), "fds": fds,
                              "db_mib": round(db / 2**20, 2), "heap_mib": heap}), flush=True)
        time.sleep(10)


def thirds(values):
    n = len(values)
    return values[: max(1, n // 3)], values[-max(1, n // 3):]


def slope_per_minute(rows, key="rss_mib"):
    """Least-squares slope of `key` (resident memory, or heap in use), MiB per minute,
    over the samples of the process that lived longest in `rows` (a restart starts from a
    fresh heap); None when fewer than six samples have it."""
    by_pid = {}
    for r in rows:
        by_pid.setdefault(r["pid"], []).append(r)
    longest = [r for r in (max(by_pid.values(), key=len) if by_pid else []) if r.get(key) is not None]
    if len(longest) < 6:
        return None
    xs = [r["t"] / 60 for r in longest]
    ys = [r[key] for r in longest]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / spread, 3) if spread else None


def polyline(points, x, y, colour):
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="' + " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in points) + '"/>'


def panel(series, x0, y0, title, unit, width=440, height=230, dashed=None):
    left, top, w, h = 50, 28, width - 70, height - 62
    dashed = dashed or {}
    xs = [a for pts in series.values() for a, _ in pts] or [0, 1]
    ys = [b for pts in list(series.values()) + list(dashed.values()) for _, b in pts] or [0, 1]
    xmax, ymax = max(xs) or 1, (max(ys) or 1) * 1.1
    x = lambda a: x0 + left + a / xmax * w  # noqa: E731
    y = lambda b: y0 + top + h - b / ymax * h  # noqa: E731
    colours = ["#2e86c1", "#c0392b", "#27ae60", "#8e44ad", "#e67e22"]
    out = [f'<text x="{x0 + left}" y="{y0 + 18}" font-size="13" font-weight="bold">{title}</text>',
           f'<line x1="{x0 + left}" y1="{y0 + top + h}" x2="{x0 + left + w}" y2="{y0 + top + h}" stroke="#555"/>',
           f'<line x1="{x0 + left}" y1="{y0 + top}" x2="{x0 + left}" y2="{y0 + top + h}" stroke="#555"/>',
           f'<text x="{x0 + left - 6}" y="{y0 + top + 4}" font-size="10" text-anchor="end">{ymax:.0f}</text>',
           f'<text x="{x0 + left - 6}" y="{y0 + top + h}" font-size="10" text-anchor="end">0</text>',
           f'<text x="{x0 + left + w}" y="{y0 + top + h + 14}" font-size="10" text-anchor="end">{xmax:.0f} min</text>',
           f'<text x="{x0 + 12}" y="{y0 + top + h / 2}" font-size="10" transform="rotate(-90 {x0 + 12} {y0 + top + h / 2})" text-anchor="middle">{unit}</text>']
    for i, (name, pts) in enumerate(sorted(series.items())):
        colour = colours[i % len(colours)]
        out.append(polyline(pts, x, y, colour))
        if dashed.get(name):
            out.append(polyline(dashed[name], x, y, colour).replace("<polyline ", '<polyline stroke-dasharray="4 3" ', 1))
        out.append(f'<text x="{x0 + left + w + 4}" y="{y0 + top + 12 + 13 * i}" font-size="10" fill="{colour}">{name}</text>')
    return out


def report(out, verdict):
    run = os.path.join(out, "run")
    samples = [json.loads(line) for line in open(os.path.join(out, "samples.jsonl")) if line.strip()]
    events = [json.loads(line) for line in open(os.path.join(run, "history.jsonl"))]
    start = next(e for e in events if e["kind"] == "start")
    epoch = start.get("epochMs", start.get("epoch_ms", 0)) / 1000
    first_commit = {}
    for e in events:
        if e["kind"] == "commit" and e["height"] not in first_commit:
            first_commit[e["height"]] = (e["time"], len(e.get("accepted", [])))
    # Whole minutes of the workload; the stragglers after it do not count.
    duration = next(int(line.split("=")[1]) for line in open(os.path.join(out, "soak.toml")) if line.startswith("duration_ms"))
    minutes = max(1, duration // 60_000)
    per_minute = [{"minute": m + 1, "blocks": 0, "accepted": 0} for m in range(minutes)]
    for t, accepted in first_commit.values():
        if t < minutes * 60_000:
            per_minute[int(t // 60_000)]["blocks"] += 1
            per_minute[int(t // 60_000)]["accepted"] += accepted
    warm = max(1, minutes // 10)
    steady = per_minute[warm:] if minutes > warm else per_minute
    problems = []
    early, late = thirds([m["accepted"] / 60 for m in steady])
    rate_early, rate_late = sum(early) / len(early), sum(late) / len(late)
    if rate_late < 0.75 * rate_early:
        problems.append(f"throughput decayed: {rate_late:.1f} accepted requests/s in the last third, {rate_early:.1f} in the first")
    nodes = sorted({s["node"] for s in samples})
    figures = {"minutes": minutes, "warm_up_minutes": warm, "per_minute": per_minute, "nodes": {},
               "accepted_per_s": {"first_third": round(rate_early, 2), "last_third": round(rate_late, 2)}}
    for node in nodes:
        rows = [s for s in samples if s["node"] == node and s["t"] - epoch >= warm * 60]
        if len(rows) < 6:
            continue
        first, last = thirds(rows)
        rss_first, rss_last = max(r["rss_mib"] for r in first), max(r["rss_mib"] for r in last)
        fds_first, fds_last = max(r["fds"] for r in first), max(r["fds"] for r in last)
        third = max(1, len(rows) // 3)
        parts = (rows[:third], rows[third:-third], rows[-third:])
        slopes = [slope_per_minute(part) for part in parts]
        heap_slopes = [slope_per_minute(part, "heap_mib") for part in parts]
        figures["nodes"][node] = {"rss_mib_first_third": rss_first, "rss_mib_last_third": rss_last, "fds_first_third": fds_first,
                                  "fds_last_third": fds_last, "db_mib_end": rows[-1]["db_mib"], "restarts": len({r["pid"] for r in rows}) - 1,
                                  "rss_mib_per_minute_by_third": slopes, "heap_in_use_mib_per_minute_by_third": heap_slopes}
        if rss_last > rss_first * 1.15 + 8:
            problems.append(f"{node}'s resident memory grew: highest {rss_first} MiB in the first third, {rss_last} MiB in the last")
        if fds_last > fds_first + 8:
            problems.append(f"{node}'s descriptors grew: {fds_first} in the first third, {fds_last} in the last")
    summary = json.load(open(os.path.join(run, "summary.json")))
    violations = sum(c["violations"] for c in summary["checks"].values())
    figures["violations"] = violations
    figures["checks_ok"] = all(c["ok"] for c in summary["checks"].values())
    if verdict != 0 or not figures["checks_ok"]:
        problems.append(f"the run failed its checks ({violations} violations; exit {verdict})")

    print(f"soak: {minutes} minutes, warm-up {warm}; accepted requests/s {rate_early:.1f} (first third) → {rate_late:.1f} (last third); {violations} violations")
    print("minute  blocks/s  accepted/s")
    for m in per_minute:
        print(f"{m['minute']:6}  {m['blocks'] / 60:8.1f}  {m['accepted'] / 60:10.1f}")
    print("node  RSS MiB first→last third  RSS MiB/min by third  heap in use MiB/min by third  fds first→last  SQLite MiB at end  restarts")
    for node, f in figures["nodes"].items():
        slopes = " ".join("-" if v is None else f"{v:+.3f}" for v in f["rss_mib_per_minute_by_third"])
        heap = " ".join("-" if v is None else f"{v:+.3f}" for v in f["heap_in_use_mib_per_minute_by_third"])
        print(f"{node:4}  {f['rss_mib_first_third']:>8} → {f['rss_mib_last_third']:<8}  {slopes:>20}  {heap:>28}      "
              f"{f['fds_first_third']:>4} → {f['fds_last_third']:<4}  {f['db_mib_end']:>16}  {f['restarts']}")
    with open(os.path.join(out, "soak.json"), "w") as f:
        json.dump(figures, f, indent=2)

    series = lambda key: {n: [((s["t"] - epoch) / 60, s[key]) for s in samples if s["node"] == n and s.get(key) is not None] for n in nodes}  # noqa: E731
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="900" height="480" font-family="sans-serif">',
           '<rect width="900" height="480" fill="white"/>']
    svg += panel(series("rss_mib"), 0, 0, "Resident memory per node (dashed: heap in use)", "MiB", dashed=series("heap_mib"))
    svg += panel(series("fds"), 450, 0, "Open descriptors per node", "descriptors")
    svg += panel({"accepted/s": [(m["minute"] - 0.5, m["accepted"] / 60) for m in per_minute],
                  "blocks/s": [(m["minute"] - 0.5, m["blocks"] / 60) for m in per_minute]}, 0, 240, "Commits per second, by minute", "per second")
    svg += panel(series("db_mib"), 450, 240, "SQLite files per node (db + WAL)", "MiB")
    svg.append("</svg>")
    with open(os.path.join(out, "soak.svg"), "w") as f:
        f.write("\n".join(svg))
    print(f"soak: figures {out}/soak.json, plot {out}/soak.svg")
    if problems:
        print("soak: FAIL: " + "; ".join(problems))
        sys.exit(1)
    print("soak: memory and descriptors flat after the warm-up, no throughput decay, 0 violations")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("topology")
    t.add_argument("--minutes", type=int, required=True)
    t.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("sample")
    s.add_argument("run_dir")
    r = sub.add_parser("report")
    r.add_argument("out")
    r.add_argument("--verdict", type=int, default=0)
    args = parser.parse_args()
    if args.command == "topology":
        print(topology(args.minutes, args.seed))
    elif args.command == "sample":
        sample(args.run_dir)
    else:
        report(args.out, args.verdict)


if __name__ == "__main__":
    main()
