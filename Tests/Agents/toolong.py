#!/usr/bin/env python3
"""Misbehaves by writing a line far past the limit, then a valid act."""
import json, sys
sys.stdin.readline(); sys.stdin.readline()
print("x" * 200000, flush=True)
print(json.dumps({"type": "act", "msg_id": 1, "operation": "read", "resource": "docs/a", "amount": 1}), flush=True)
for line in sys.stdin:
    if json.loads(line).get("type") == "stop":
        break
