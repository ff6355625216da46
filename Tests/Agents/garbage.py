#!/usr/bin/env python3
"""Misbehaves by writing garbage between valid requests: non-JSON, JSON that is not an
object, unknown types, missing and wrong fields. Each must get an error and change nothing."""
import json, sys, time
sys.stdin.readline(); sys.stdin.readline()  # hello, session
lines = ["hello there", "[1, 2, 3]", "{\"type\": \"sudo\", \"msg_id\": 1}", "{\"type\": \"act\", \"operation\": \"read\"}",
         "{\"type\": \"act\", \"msg_id\": 2, \"operation\": \"read\", \"resource\": \"docs/a\", \"amount\": -5}", "{", "\x00\x01\x02"]
for i in range(3):
    for line in lines:
        print(line, flush=True)
    print(json.dumps({"type": "act", "msg_id": 100 + i, "operation": "read", "resource": "docs/a", "amount": 1}), flush=True)
    time.sleep(0.5)
for line in sys.stdin:
    if json.loads(line).get("type") == "stop":
        break
