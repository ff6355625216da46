#!/usr/bin/env python3
"""Misbehaves by never reading its input and never exiting: it writes thousands of bad
lines (each answered with an error it never reads), then ignores stop and SIGTERM. The
agent must notice it is not reading, not block on it, and kill it at the end."""
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for i in range(8000):
    print("not json %d" % i, flush=True)
    if i % 100 == 99:
        time.sleep(0.02)  # not a flood: every line is answered, and no answer is read
while True:
    time.sleep(1)
