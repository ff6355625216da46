#!/usr/bin/env python3
"""Independent check of docs/SESSIONS.md's state hash, written from the document alone
(cbor2 and hashlib, no Swift code), against a golden ledger trace:
  - the genesis hash and the state hash before any block (`initialStateHash`);
  - the state hash after the trace's first step, a block holding one accepted grant
    (one session record and one nonce record in the live set).
Usage: scripts/check-state-hash.py Tests/Conformance/ledger-rules.json
"""
import hashlib
import json
import sys

import cbor2


def b2(data, size):
    return hashlib.blake2b(data, digest_size=size).digest()


def canonical(value):
    return cbor2.dumps(value, canonical=True)


def state_hash(genesis_hash, height, time_ms, ordinal, records):
    total = sum(int.from_bytes(b2(canonical(r), 64), "little") for r in records) % (1 << 512)
    return b2(canonical({0: genesis_hash, 1: height, 2: time_ms, 3: ordinal, 4: total.to_bytes(64, "little")}), 32)


def main(path):
    trace = json.load(open(path))
    g = trace["genesis"]
    principals = sorted(({0: p["name"], 1: bytes.fromhex(p["key"]), 2: p["owns"]} for p in g["principals"]), key=lambda p: p[1])
    genesis_hash = b2(canonical({0: principals, 1: g["maxDelegationDepth"], 2: g["pruneLimitPerBlock"],
                                 3: g["maxClockSkewMs"], 4: g["maxStalenessMs"]}), 32)
    problems = []
    initial = state_hash(genesis_hash, 0, 0, 0, [])
    if initial.hex() != trace["initialStateHash"]:
        problems.append(f"initial state hash {initial.hex()} != {trace['initialStateHash']}")

    step = trace["steps"][0]
    if step["expect"]["outcomes"] != ["ok"]:
        problems.append("the first step is not one accepted grant; nothing more to check")
    else:
        envelope_bytes = bytes.fromhex(step["requests"][0])
        envelope = cbor2.loads(envelope_bytes)
        grant = cbor2.loads(envelope[3])
        signer, scope = envelope[2], grant[2]
        session = {0: 1, 1: b2(envelope_bytes, 32), 2: signer, 3: signer, 4: grant[0], 5: grant[1], 6: scope[0], 7: scope[1],
                   9: grant[3], 10: grant[4], 11: grant[5], 15: 0, 16: step["height"], 17: 1, 18: [0, 0, 0, 0], 20: []}
        for key, field in ((8, scope.get(2)), (12, grant.get(6)), (13, grant.get(7)), (14, grant.get(8))):
            if field is not None:
                session[key] = field
        nonce = {0: 2, 1: signer, 2: grant[0], 3: grant[4]}
        after = state_hash(genesis_hash, step["height"], step["timeMs"], 1, [session, nonce])
        if after.hex() != step["expect"]["stateHash"]:
            problems.append(f"state hash after step 1 {after.hex()} != {step['expect']['stateHash']}")
    for problem in problems:
        print(f"FAIL {path}: {problem}")
    print(f"state hash: {2 - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Tests/Conformance/ledger-rules.json"))
