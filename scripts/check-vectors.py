#!/usr/bin/env python3
"""Independent check of Warrant's wire test vectors, written without any Swift code.

Default mode (a wire.json file): for every valid vector, with the Python packages cbor2
and pynacl only,
  - the body and the envelope decode as CBOR and re-encode with
    cbor2.dumps(..., canonical=True) to the very same bytes (deterministic encoding);
  - they hold no floats, tags, null or text map keys;
  - the envelope is {0: version 1, 1: kind, 2: sender, 3: body, 4: signature} and agrees
    with the vector's public_key_hex, body_hex and signature_hex;
  - the seed yields the public key, and the signature verifies over
    domain ("warrant/v1/<kind>"), one zero byte, then the body.

--decoder BIN mode (any vector files): runs `BIN wire decode --hex HEX` for every vector;
valid ones must exit 0, invalid ones exit 1 naming the expected error code.

--signatures mode (ed25519.json): PyNaCl (libsodium's strict verification) must accept
exactly the Ed25519 edge cases marked accepted, and refuse the others.
"""
import argparse
import json
import subprocess
import sys

import cbor2
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey


def walk(value, where):
    """Yields problems: anything outside the protocol's CBOR subset."""
    if isinstance(value, bool) or isinstance(value, int) or isinstance(value, (bytes, str)):
        return
    if isinstance(value, float):
        yield f"{where}: float"
    elif isinstance(value, cbor2.CBORTag):
        yield f"{where}: tag {value.tag}"
    elif value is None or isinstance(value, cbor2.CBORSimpleValue):
        yield f"{where}: null or simple value"
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, int) and not isinstance(key, bool) and 0 <= key < 24):
                yield f"{where}: map key {key!r} is not a small unsigned integer"
            yield from walk(item, f"{where}.{key}")
    else:
        yield f"{where}: unexpected {type(value).__name__}"


def check_valid(vector):
    problems = []
    body = bytes.fromhex(vector["body_hex"])
    envelope = bytes.fromhex(vector["envelope_hex"])
    for label, data in (("body", body), ("envelope", envelope)):
        decoded = cbor2.loads(data)
        if cbor2.dumps(decoded, canonical=True) != data:
            problems.append(f"{label} does not re-encode canonically to the same bytes")
        problems += list(walk(decoded, label))
    env = cbor2.loads(envelope)
    if sorted(env.keys()) != [0, 1, 2, 3, 4]:
        problems.append(f"envelope keys {sorted(env.keys())} are not 0..4")
        return problems
    if env[0] != 1:
        problems.append(f"envelope version {env[0]} is not 1")
    if env[2].hex() != vector["public_key_hex"]:
        problems.append("envelope sender differs from public_key_hex")
    if env[3] != body:
        problems.append("envelope body differs from body_hex")
    if env[4].hex() != vector["signature_hex"]:
        problems.append("envelope signature differs from signature_hex")
    if vector["domain"] != "warrant/v1/" + vector["kind"]:
        problems.append(f"domain {vector['domain']!r} is not warrant/v1/<kind>")
    signer = SigningKey(bytes.fromhex(vector["seed_hex"]))
    if signer.verify_key.encode().hex() != vector["public_key_hex"]:
        problems.append("seed does not yield public_key_hex")
    message = vector["domain"].encode() + b"\x00" + body
    try:
        VerifyKey(env[2]).verify(message, env[4])
    except BadSignatureError:
        problems.append("signature does not verify over domain || 0x00 || body")
    if signer.sign(message).signature != env[4]:
        problems.append("signing again with the seed gives another signature")
    return problems


def run_decoder(binary, vector):
    proc = subprocess.run([binary, "wire", "decode", "--hex", vector["envelope_hex"]],
                          capture_output=True, text=True, timeout=60)
    if "error" in vector and "seed_hex" not in vector:
        if proc.returncode != 1:
            return [f"exit {proc.returncode}, expected 1 ({vector['error']})"]
        got = json.loads(proc.stdout)["error"]
        return [] if got == vector["error"] else [f"error {got}, expected {vector['error']}"]
    if proc.returncode != 0:
        return [f"exit {proc.returncode}: {proc.stderr.strip()}"]
    decoded = json.loads(proc.stdout)
    if decoded["kind"] != vector["kind"] or decoded["body"] != vector["fields"]:
        return ["decoded kind or fields differ from the vector"]
    return []


def check_signature(vector):
    """Yields a problem unless PyNaCl agrees with the vector's `accepted`."""
    try:
        VerifyKey(bytes.fromhex(vector["public_key_hex"])).verify(
            bytes.fromhex(vector["message_hex"]), bytes.fromhex(vector["signature_hex"]))
        accepted = True
    except (BadSignatureError, ValueError, TypeError):
        accepted = False
    except Exception:  # pynacl raises its own errors for keys libsodium refuses outright
        accepted = False
    if accepted != vector["accepted"]:
        yield f"PyNaCl {'accepts' if accepted else 'refuses'} it; the vector says accepted={vector['accepted']} ({vector['why']})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--decoder", help="path to warrant-coordinator: check its `wire decode` on every vector")
    parser.add_argument("--signatures", action="store_true", help="the files hold Ed25519 edge cases (ed25519.json)")
    args = parser.parse_args()
    passed = failed = 0
    for path in args.files:
        try:
            with open(path) as f:
                vectors = json.load(f)
        except (OSError, json.JSONDecodeError) as error:
            print(f"{path}: cannot read vectors: {error}", file=sys.stderr)
            return 2
        if not isinstance(vectors, list) or not vectors:
            print(f"{path}: expected a non-empty JSON array", file=sys.stderr)
            return 2
        for vector in vectors:
            if args.signatures:
                problems = list(check_signature(vector))
            else:
                problems = run_decoder(args.decoder, vector) if args.decoder else check_valid(vector)
            if problems:
                failed += 1
                for problem in problems:
                    print(f"FAIL {path} {vector['name']}: {problem}")
            else:
                passed += 1
    mode = "signatures" if args.signatures else ("decoder" if args.decoder else "vectors")
    print(f"{mode}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
