#!/usr/bin/env python3
"""An agent that probes the limits of its session and logs what it was told: over budget,
out of scope, after expiry, after a new session is revoked. Every probe is meant to be
refused; the checkers judge what the nodes did, and this program's log says what it
expected (`expected … got …`). Run by warrant-agent (docs/AGENTS.md)."""
from warrant_program import Agent, Stopped


def main():
    agent = Agent()
    session = agent.session
    results = []

    def probe(name, expected, answer):
        got = answer.get("code") or ("allowed" if answer.get("allowed") else answer.get("reason")) or answer["type"]
        ok = got in expected
        results.append(ok)
        agent.log(f"{name}: expected {'/'.join(expected)}, got {got}", "info" if ok else "error")

    try:
        # Within the session first: one act that must pass.
        probe("within", ["act_ok"], agent.act("read", "docs/report", 1))
        # Over budget (more than the whole budget in one act) and out of scope.
        probe("over budget", ["over_budget", "over_action_cap"], agent.act("read", "docs/report", session["budget"] + 1))
        probe("out of scope: resource", ["out_of_scope"], agent.act("read", "secrets/keys", 1))
        probe("out of scope: operation", ["out_of_scope"], agent.act("delete", "docs/report", 1))
        probe("check out of scope", ["out_of_scope"], agent.check("read", "secrets/keys", 1))
        # After expiry: this agent never renews (renew_before_ms = 0).
        agent.wait(max(0, (session["expires_at"] - agent.now_ms()) / 1000) + 0.5)
        probe("act after expiry", ["expired", "unknown_session"], agent.act("read", "docs/report", 1))
        probe("check after expiry", ["expired", "unknown_session"], agent.check("read", "docs/report", 1))
        # New sessions until the run's principal revokes one (renewing again when one
        # expires first): the acts after the revocation must be refused as revoked.
        while True:
            renewed = agent.renew()
            agent.log(f"renewed: {renewed['type']} {renewed.get('session', renewed.get('code', ''))[:8]}")
            answer = agent.act("read", "docs/report", 1)
            while answer["type"] == "act_ok" or answer.get("code") == "timeout":
                agent.wait(0.3)
                answer = agent.act("read", "docs/report", 1)
            if answer.get("code") == "revoked":
                probe("act after revocation", ["revoked"], answer)
                probe("check after revocation", ["revoked"], agent.check("read", "docs/report", 1))
                break
            agent.log(f"session ended without a revocation ({answer.get('code')}); renewing")
        agent.wait(3600)
    except Stopped:
        pass
    agent.log(f"{sum(results)} of {len(results)} probes answered as expected")


if __name__ == "__main__":
    main()
