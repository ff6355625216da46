"""The agent side of warrant-agent's JSON-lines protocol (docs/AGENTS.md), standard
library only. A program reads the agent's messages on stdin and writes requests on
stdout, one JSON object per line; it never sees a key.

    from warrant_program import Agent
    agent = Agent()                      # waits for hello and the first session
    reply = agent.act("read", "files/a", amount=1)
    if reply["type"] == "act_ok": ...    # else reply["code"] is the reason: over_budget, expired, …
"""
import json
import sys
import time


class Stopped(Exception):
    """The agent said stop (the run is over), or closed our input."""


class Agent:
    def __init__(self):
        self.hello = None
        self.session = None          # the latest `session` message
        self.next_id = 1
        while self.hello is None or self.session is None:
            self._take(self._read())

    # Requests: each returns the agent's answer (a dict with "type" act_ok/check_ok/… or "error").
    def act(self, operation, resource, amount=0):
        return self.request("act", operation=operation, resource=resource, amount=amount)

    def check(self, operation, resource, amount=0):
        return self.request("check", operation=operation, resource=resource, amount=amount)

    def delegate(self, to, operations, resources, budget, ttl_ms):
        return self.request("delegate", to=to, operations=operations, resources=resources, budget=budget, ttl_ms=ttl_ms)

    def renew(self):
        return self.request("renew")

    def log(self, text, level="info"):
        self._write({"type": "log", "level": level, "text": text})

    def request(self, kind, **fields):
        msg_id = self.next_id
        self.next_id += 1
        self._write({"type": kind, "msg_id": msg_id, **fields})
        while True:
            message = self._read()
            if message.get("in_reply_to") == msg_id:
                return message
            self._take(message)

    def wait(self, seconds):
        """Sleeps, keeping up with session messages that arrive meanwhile."""
        import select
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sys.stdin], [], [], left)
            if ready:
                self._take(self._read())

    def _take(self, message):
        kind = message.get("type")
        if kind == "hello":
            self.hello = message
        elif kind == "session":
            self.session = message
        elif kind == "stop":
            raise Stopped()

    def _read(self):
        line = sys.stdin.readline()
        if not line:
            raise Stopped()
        return json.loads(line)

    @staticmethod
    def _write(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    @staticmethod
    def now_ms():
        return int(time.time() * 1000)
