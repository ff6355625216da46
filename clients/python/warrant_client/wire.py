"""The envelope and the message bodies of docs/PROTOCOL.md: canonical CBOR maps keyed by
small integers, signed with Ed25519 over `warrant/v1/<kind> || 0x00 || body`."""
import hashlib

import cbor2
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

VERSION = 1
KINDS = {
    "grant": 1, "revoke": 2, "revoke-all": 3, "act": 4, "check": 5, "check-batch": 6, "check-answer": 7,
    "check-batch-answer": 8, "result": 9, "error": 10, "proposal": 11, "prevote": 12, "precommit": 13,
    "certificate": 14, "block": 15, "evidence": 16, "commit-notice": 17, "control": 18, "control-answer": 19,
    "block-request": 20, "committed-blocks": 21, "status-query": 22, "node-status": 23, "session-query": 24,
    "session-list": 25, "clock-probe": 26, "clock-reading": 27,
}
KIND_NAMES = {number: name for name, number in KINDS.items()}
REASONS = {
    1: "expired", 2: "not_yet_valid", 3: "revoked", 4: "out_of_scope", 5: "not_owner", 6: "over_budget",
    7: "over_action_cap", 8: "uses_exhausted", 9: "rate_limited", 10: "depth_exceeded", 11: "exceeds_parent",
    12: "replay", 13: "unknown_session", 14: "bad_signature", 15: "stale", 16: "clock_skew", 17: "malformed",
    18: "too_large", 19: "timeout", 20: "unavailable",
}


def encode(value):
    """Canonical CBOR (RFC 8949 §4.2.1): shortest forms, sorted integer keys."""
    return cbor2.dumps(value, canonical=True)


def digest(data):
    """BLAKE2b-256: request ids, session ids, block hashes."""
    return hashlib.blake2b(data, digest_size=32).digest()


def seal(kind, body, key):
    """The envelope bytes of `body` (a dict keyed by integers, absent fields left out)."""
    body_bytes = encode(body)
    signature = key.sign(b"warrant/v1/" + kind.encode() + b"\x00" + body_bytes)
    return encode({0: VERSION, 1: KINDS[kind], 2: key.public, 3: body_bytes, 4: signature})


def open_envelope(data, sender=None):
    """(kind name, body dict, sender key) of a validly signed envelope; raises ValueError
    for anything else, or for an answer not signed by `sender` when one is expected."""
    envelope = cbor2.loads(data)
    if not isinstance(envelope, dict) or envelope.get(0) != VERSION:
        raise ValueError("not a version-1 envelope")
    kind = KIND_NAMES.get(envelope.get(1))
    body_bytes, signer, signature = envelope.get(3), envelope.get(2), envelope.get(4)
    if kind is None or not isinstance(body_bytes, bytes) or not isinstance(signer, bytes) or not isinstance(signature, bytes):
        raise ValueError("malformed envelope")
    try:
        VerifyKey(signer).verify(b"warrant/v1/" + kind.encode() + b"\x00" + body_bytes, signature)
    except (BadSignatureError, ValueError) as error:
        raise ValueError(f"the answer's signature does not verify: {error}") from error
    if sender is not None and signer != sender:
        raise ValueError(f"the answer is signed by {signer.hex()[:8]}, not by the node's key {sender.hex()[:8]}")
    return kind, cbor2.loads(body_bytes), signer


def grant_body(nonce, session_key, operations, resources, not_before, expires_at, budget,
               max_amount=None, max_uses=None, rate=None, parent=None):
    scope = {0: sorted(set(operations)), 1: sorted(set(resources))}
    if max_amount is not None:
        scope[2] = max_amount
    body = {0: nonce, 1: session_key, 2: scope, 3: not_before, 4: expires_at, 5: budget}
    if max_uses is not None:
        body[6] = max_uses
    if rate is not None:
        body[7] = {0: rate[0], 1: rate[1]}
    if parent is not None:
        body[8] = parent
    return body


def check_body(session_key, operation, resource, amount=0, session=None):
    body = {0: session_key, 1: operation, 2: resource, 3: amount}
    if session is not None:
        body[4] = session
    return body
