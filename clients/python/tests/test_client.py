"""The Python client against a real Warrant cluster: every call of the package, and the
typed exception of every reason code a client meets."""
import time

import pytest

from warrant_client import CommitStream, Key, Refused, Rejected, errors


def until(condition, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_grant_check_act_and_read_back(cluster, nodes):
    agent = Key.generate()
    session = nodes[0].grant(cluster["alice"], agent.public, ["read"], ["files/*"], ttl_ms=60_000, budget=10)
    assert until(lambda: all(n.check(cluster["asker"], agent.public, "read", "files/a", 1)["allowed"] for n in nodes))
    result = nodes[1].act(agent, session, sequence=1, operation="read", resource="files/a", amount=4)
    assert result.height > 0
    [info] = nodes[2].sessions(cluster["asker"], session_key=agent.public)
    assert info["id"] == session and info["budget"] == 10
    assert until(lambda: nodes[2].sessions(cluster["asker"], session_key=agent.public)[0]["spent"] == 4)


def test_rejections_raise_the_exception_of_their_reason(cluster, nodes):
    agent = Key.generate()
    session = nodes[0].grant(cluster["alice"], agent.public, ["read"], ["files/*"], ttl_ms=60_000, budget=10, max_amount=5)
    with pytest.raises(errors.OutOfScope):
        nodes[0].act(agent, session, 1, "delete", "files/a")
    with pytest.raises(errors.OverActionCap) as raised:
        nodes[0].act(agent, session, 2, "read", "files/a", amount=6)
    assert raised.value.height > 0 and isinstance(raised.value, Rejected)
    with pytest.raises(errors.NotOwner):
        nodes[0].grant(cluster["alice"], Key.generate().public, ["read"], ["mail/*"], ttl_ms=60_000, budget=1)
    with pytest.raises(errors.UnknownSession):
        nodes[0].act(agent, b"\x01" * 32, 1, "read", "files/a")


def test_revocation_cascades_and_revoke_all(cluster, nodes):
    parent, child = Key.generate(), Key.generate()
    session = nodes[0].grant(cluster["alice"], parent.public, ["read"], ["files/*"], ttl_ms=60_000, budget=10)
    sub = nodes[0].grant(parent, child.public, ["read"], ["files/a/*"], ttl_ms=30_000, budget=5, parent=session)
    nodes[0].revoke(cluster["alice"], session)
    with pytest.raises(errors.Revoked):
        nodes[1].act(child, sub, 1, "read", "files/a/1")
    assert until(lambda: all(n.check(cluster["asker"], child.public, "read", "files/a/1")["reason"] == "revoked" for n in nodes))
    other = Key.generate()
    earlier = nodes[0].grant(cluster["alice"], other.public, ["read"], ["files/*"], ttl_ms=60_000, budget=10)
    nodes[0].revoke_all(cluster["alice"])
    with pytest.raises(errors.Revoked):
        nodes[0].act(other, earlier, 1, "read", "files/x")


def test_refusals_before_ordering(cluster, nodes):
    with pytest.raises(errors.Malformed):
        nodes[0].order(b"not an envelope")
    agent = Key.generate()
    from warrant_client import wire
    envelope = bytearray(wire.seal("grant", wire.grant_body(1, agent.public, ["read"], ["files/*"], 0, 2**40, 1), cluster["alice"]))
    envelope[-1] ^= 1
    with pytest.raises(errors.BadSignature) as raised:
        nodes[0].order(bytes(envelope))
    assert isinstance(raised.value, Refused)
    assert nodes[0].status(cluster["asker"])["height"] > 0


def test_check_batch_answers_in_order(cluster, nodes):
    agent = Key.generate()
    nodes[0].grant(cluster["alice"], agent.public, ["read"], ["files/*"], ttl_ms=60_000, budget=10)
    assert until(lambda: nodes[0].check(cluster["asker"], agent.public, "read", "files/a")["allowed"])
    answers = nodes[0].check_batch(cluster["asker"], [(agent.public, "read", "files/a", 1), (agent.public, "write", "files/a", 1),
                                                     (Key.generate().public, "read", "files/a", 1)])
    assert [a["allowed"] or a["reason"] for a in answers] == [True, "out_of_scope", "unknown_session"]


def test_the_commit_stream_reports_a_grant(cluster, nodes):
    name, _, commits, key = cluster["nodes"][0]
    with CommitStream(commits, node_key=key) as stream:
        time.sleep(0.3)  # let the subscription reach the node before the grant commits
        session = nodes[0].grant(cluster["alice"], Key.generate().public, ["read"], ["files/*"], ttl_ms=60_000, budget=1)
        seen = []
        for _ in range(200):
            notice = stream.next()
            seen.append(notice["height"])
            if any(o["request"] == session and o["accepted"] for o in notice["outcomes"]):
                break
        else:
            pytest.fail(f"{name}'s commit stream never showed the grant (heights {seen[:5]}…)")
        assert seen == sorted(seen)


def test_status_of_every_node(cluster, nodes):
    for (name, _, _, _), node in zip(cluster["nodes"], nodes):
        status = node.status(cluster["asker"])
        assert status["node"] == name and status["fresh"] and status["clock_vouched"]
