"""A Warrant client written from docs/PROTOCOL.md alone (cbor2, PyNaCl, pynng).

    from warrant_client import Client, Key
    alice = Key.load("cluster/keys/alice.key")
    agent = Key.generate()
    with Client("tcp://127.0.0.1:27100") as node:
        session = node.grant(alice, agent.public, operations=["read"], resources=["files/*"], ttl_ms=60_000, budget=10)
        node.act(agent, session, sequence=1, operation="read", resource="files/a", amount=1)
"""
from .errors import ERRORS, Refused, Rejected, WarrantError, Timeout
from .keys import Key
from .client import Client, CommitStream, Result
from . import wire

__all__ = ["Client", "CommitStream", "Key", "Result", "WarrantError", "Rejected", "Refused", "Timeout", "ERRORS", "wire"]
