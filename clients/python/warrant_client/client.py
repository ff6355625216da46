"""Talking to one node's client endpoint (req0) and commit stream (sub0)."""
import time
from dataclasses import dataclass

import pynng

from . import wire
from .errors import error_for
from .keys import Key


@dataclass
class Result:
    """An ordered request accepted: its id, the height and time of its block."""
    request: bytes
    height: int
    block_time_ms: int


def _now_ms():
    return int(time.time() * 1000)


class Client:
    """One node's client endpoint. Every answer is verified: signed, and — when
    `node_key` is given — signed by that node. Requests raise the exception of their
    reason code when rejected or refused (warrant_client.errors)."""

    def __init__(self, address, node_key=None, timeout_ms=20_000, max_message_bytes=8 << 20):
        self.address = address
        self.node_key = node_key
        self.timeout_ms = timeout_ms
        self.max_message_bytes = max_message_bytes
        self._nonce = _now_ms() << 8

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def next_nonce(self):
        """Clock-based, so successive runs do not reuse one (reuse is `replay`)."""
        self._nonce = max(self._nonce + 1, _now_ms() << 8)
        return self._nonce

    # -- raw exchange

    def exchange(self, envelope):
        """Sends envelope bytes; the answer as (kind name, body dict)."""
        with pynng.Req0(dial=self.address, recv_timeout=self.timeout_ms, send_timeout=self.timeout_ms,
                        recv_max_size=self.max_message_bytes) as socket:
            socket.send(envelope)
            kind, body, _ = wire.open_envelope(socket.recv(), sender=self.node_key)
            return kind, body

    def order(self, envelope):
        """Orders a grant, revoke, revoke-all or act: its Result once committed."""
        request = wire.digest(envelope)
        kind, body = self.exchange(envelope)
        if kind == "error":
            raise error_for(body[0], body.get(1, ""), request=request)
        if kind != "result":
            raise ValueError(f"expected a result, got a {kind}")
        outcome = body[0]
        if not outcome[1]:
            raise error_for(outcome.get(2, 0), f"rejected at height {body[1]}", height=body[1], request=request)
        return Result(request=request, height=body[1], block_time_ms=body[2])

    # -- requests the cluster orders

    def grant(self, signer, session_key, operations, resources, ttl_ms, budget, max_amount=None, max_uses=None,
              rate=None, parent=None, not_before_ms=None, nonce=None):
        """Grants a session (signed by a principal, or by the parent session's key when
        `parent` is given); returns the session id."""
        now = _now_ms()
        body = wire.grant_body(nonce if nonce is not None else self.next_nonce(), session_key, operations, resources,
                               not_before_ms if not_before_ms is not None else now, now + ttl_ms, budget,
                               max_amount=max_amount, max_uses=max_uses, rate=rate, parent=parent)
        return self.order(wire.seal("grant", body, signer)).request

    def revoke(self, signer, session, nonce=None):
        return self.order(wire.seal("revoke", {0: nonce if nonce is not None else self.next_nonce(), 1: session}, signer))

    def revoke_all(self, principal, nonce=None):
        return self.order(wire.seal("revoke-all", {0: nonce if nonce is not None else self.next_nonce()}, principal))

    def act(self, key, session, sequence, operation, resource, amount=0):
        return self.order(wire.seal("act", {0: session, 1: sequence, 2: operation, 3: resource, 4: amount}, key))

    # -- questions answered locally

    def check(self, asker, session_key, operation, resource, amount=0, session=None):
        """The node's local answer: a dict with allowed, reason (a name or None), height, …"""
        kind, body = self.exchange(wire.seal("check", wire.check_body(session_key, operation, resource, amount, session), asker))
        return self._check_answer(kind, body)

    def check_batch(self, asker, checks):
        """Many checks, answered in order; `checks` are (session_key, operation, resource, amount) tuples."""
        kind, body = self.exchange(wire.seal("check-batch", {0: [wire.check_body(*c) for c in checks]}, asker))
        if kind == "error":
            raise error_for(body[0], body.get(1, ""))
        return [self._check_answer("check-answer", answer) for answer in body[0]]

    def _check_answer(self, kind, body):
        if kind == "error":
            raise error_for(body[0], body.get(1, ""))
        if kind != "check-answer":
            raise ValueError(f"expected a check-answer, got a {kind}")
        return {"allowed": body[0], "reason": wire.REASONS.get(body[1]) if 1 in body else None, "height": body[2],
                "wall_clock_ms": body[3], "session": body.get(6), "remaining_budget": body.get(7),
                "remaining_uses": body.get(8), "time_left_ms": body.get(9), "since_quorum_ms": body.get(10)}

    def status(self, asker):
        kind, body = self.exchange(wire.seal("status-query", {}, asker))
        if kind != "node-status":
            raise ValueError(f"expected a node-status, got a {kind}")
        return {"node": body[0], "height": body[1], "round": body[2], "step": body[3], "state_hash": body[7],
                "sessions": body[8], "peers_seen": body[9], "fresh": body[12], "clock_vouched": body[15],
                "storage": body.get(17), "abstain_through": body.get(18)}

    def sessions(self, asker, session_key=None, principal=None):
        query = {}
        if session_key is not None:
            query[0] = session_key
        if principal is not None:
            query[1] = principal
        kind, body = self.exchange(wire.seal("session-query", query, asker))
        if kind != "session-list":
            raise ValueError(f"expected a session-list, got a {kind}")
        return [{"id": s[0], "principal": s[1], "session_key": s[2], "operations": s[3], "resources": s[4],
                 "not_before": s[5], "expires_at": s[6], "budget": s[7], "spent": s[8], "uses": s[9], "revoked": s[10],
                 "parent": s.get(11)} for s in body[0]]


class CommitStream:
    """A node's commit stream (sub0): one dict per applied block, in height order."""

    def __init__(self, address, node_key=None, timeout_ms=10_000):
        self.node_key = node_key
        self.socket = pynng.Sub0(dial=address, recv_timeout=timeout_ms)
        self.socket.subscribe(b"")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.socket.close()
        return False

    def next(self):
        kind, body, _ = wire.open_envelope(self.socket.recv(), sender=self.node_key)
        if kind != "commit-notice":
            raise ValueError(f"expected a commit-notice, got a {kind}")
        return {"height": body[0], "block": body[1], "time_ms": body[2], "state_hash": body[3],
                "outcomes": [{"request": o[0], "accepted": o[1], "reason": wire.REASONS.get(o[2]) if 2 in o else None} for o in body[4]]}


__all__ = ["Client", "CommitStream", "Result", "Key"]
