#!/usr/bin/env python3
"""Checks a run of misbehaving agent programs (Tests/Topologies/misbehaving-programs.toml):
every "# expect NAME: OUTCOME[,OUTCOME…]" line of the topology names program events the
agent's history must hold; the run must still pass every check, and the nodes must have
gone on committing while it happened.

    python3 scripts/check-programs.py TOPOLOGY RUN_DIR"""
import json
import os
import sys


def main(topology, run):
    expected = {}
    for line in open(topology):
        if line.startswith("# expect ") and ":" in line:
            name, outcomes = line[len("# expect "):].split(":", 1)
            expected[name.strip()] = {o.strip() for o in outcomes.split(",") if o.strip()}
    summary = json.load(open(os.path.join(run, "summary.json")))
    failures = []
    if summary["verdict"] != "pass":
        failures.append("the run failed: " + ", ".join(k for k, c in summary["checks"].items() if not c["ok"]))
    heights = [n["height"] for n in summary["nodes"]]
    if min(heights) < 10:
        failures.append(f"the nodes stalled: heights {heights}")
    for name, outcomes in sorted(expected.items()):
        events = [json.loads(l) for l in open(os.path.join(run, "agents", name, "history.jsonl"))]
        seen = {e["outcome"] for e in events if e["kind"] == "program"}
        missing = outcomes - seen
        if missing:
            failures.append(f"{name}: no program event {sorted(missing)} (saw {sorted(seen)})")
        else:
            print(f"check-programs: {name}: reported {', '.join(sorted(outcomes))}")
    for failure in failures:
        print(f"check-programs: FAILED — {failure}")
    if not failures:
        print(f"check-programs: every misbehaviour reported; verdict pass; heights {heights}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
