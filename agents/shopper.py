#!/usr/bin/env python3
"""An agent that works within its session: it buys items under `shop/*`, asks a node
before each purchase, and stops spending before its budget runs out. Run by warrant-agent
(`exec = ["python3", "agents/shopper.py"]`); its session comes from the topology."""
import random

from warrant_program import Agent, Stopped

CATALOGUE = ["shop/books/1", "shop/books/2", "shop/tea/green", "shop/tea/black", "shop/pens"]


def main():
    agent = Agent()
    rng = random.Random(agent.hello["agent"])
    spent = {}
    bought = refused = 0
    try:
        while True:
            session = agent.session
            sid = session["session"]
            left = session["budget"] - spent.get(sid, 0)
            price = rng.randint(1, min(session.get("max_amount") or 20, 20))
            if price > left or agent.now_ms() >= session["expires_at"] - 300:
                agent.wait(0.3)  # nothing affordable or the session is ending: wait for a renewal
                continue
            item = rng.choice(CATALOGUE)
            answer = agent.check("buy", item, price)
            if answer["type"] == "check_ok" and answer["allowed"]:
                result = agent.act("buy", item, price)
                if result["type"] == "act_ok":
                    spent[sid] = spent.get(sid, 0) + price
                    bought += 1
                else:
                    refused += 1
                    agent.log(f"buy {item} for {price} refused: {result['code']}")
            agent.wait(0.25)
    except Stopped:
        pass
    agent.log(f"bought {bought} items, {refused} refused; spent {sum(spent.values())} over {len(spent)} sessions")


if __name__ == "__main__":
    main()
