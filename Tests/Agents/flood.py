#!/usr/bin/env python3
"""Misbehaves by flooding: thousands of requests as fast as it can write them, without
waiting for answers. The agent must answer past its limit with `flood` and stay up."""
import json, sys
sys.stdin.readline(); sys.stdin.readline()
for i in range(3000):
    print(json.dumps({"type": "check", "msg_id": i, "operation": "read", "resource": "docs/a"}), flush=True)
for line in sys.stdin:
    if json.loads(line).get("type") == "stop":
        break
