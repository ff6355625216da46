#!/usr/bin/env python3
"""Misbehaves by exiting early with a failure status after one act."""
import json, sys
sys.stdin.readline(); sys.stdin.readline()
print(json.dumps({"type": "act", "msg_id": 1, "operation": "read", "resource": "docs/a", "amount": 1}), flush=True)
sys.stdin.readline()
sys.exit(3)
