#!/usr/bin/env python3
"""The etcd half of scripts/bench-vs-etcd.sh: Warrant's grant, revoke and expiry measured
the etcd way, with maintained client libraries: aetcd (asyncio over etcd's gRPC API) for
the writes that are timed, etcd3gw (OpenStack's client for etcd's v3 JSON gateway) for the
serializable range reads that watch keys disappear member by member.

  grant   lease grant + put of a key bound to the lease, closed loop, CONCURRENCY in
          flight (processes x coroutines, clients spread over the members);
  revoke  lease revoke, one every 5 ms, timed until the key is gone on every member
          (serializable range reads, so each member answers from its own state; one
          read per member per poll);
  storm   SESSIONS leases expiring within one second (TTL in whole seconds, so each
          lease's expiry is its grant's answer time plus its TTL, spread over one second),
          then every member read for keys past their expiry: the worst overshoot.

Each key's name carries its expected expiry, so one range read per member finds every
key still there after its expiry. Writes JSON to --out and prints a line per phase.
"""
import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import sys
import threading
import time

import aetcd
import etcd3gw


def now_ms():
    return time.time() * 1000.0


def client(endpoint):
    host, port = endpoint.rsplit(":", 1)
    return etcd3gw.client(host=host, port=int(port), timeout=30)


def percentile(values, q):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100.0 * len(ordered)))]


def grant_worker(args):
    """One process: an asyncio loop with IN_FLIGHT coroutines, each granting a lease and
    putting a key bound to it, over aetcd (gRPC) clients spread over the members."""
    endpoints, in_flight, duration, worker, ttl, prefix = args
    return asyncio.run(grant_loop(endpoints, in_flight, duration, worker, ttl, prefix))


async def grant_loop(endpoints, in_flight, duration, worker, ttl, prefix):
    clients = [aetcd.Client(host=e.rsplit(":", 1)[0], port=int(e.rsplit(":", 1)[1]), timeout=30) for e in endpoints]
    latencies, errors = [], [0]
    deadline = time.time() + duration

    async def run(index):
        c = clients[(worker + index) % len(clients)]
        n = 0
        while time.time() < deadline:
            start = now_ms()
            try:
                lease = await c.lease(ttl)
                await c.put(("%s/%d-%d-%d" % (prefix, worker, index, n)).encode(), b"v", lease=lease)
            except Exception:
                errors[0] += 1
                continue
            latencies.append(now_ms() - start)
            n += 1

    await asyncio.gather(*(run(i) for i in range(in_flight)))
    for c in clients:
        await c.close()
    return latencies, errors[0]


def cpu_seconds(pid):
    """User + system CPU seconds of a process (/proc/PID/stat), 0 when it is gone."""
    try:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def grant_phase(endpoints, concurrency, duration, processes, server_pids):
    in_flight = max(1, concurrency // processes)
    started = time.time()
    servers_before = sum(cpu_seconds(p) for p in server_pids)
    clients_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with multiprocessing.Pool(processes) as pool:
        parts = pool.map(grant_worker, [(endpoints, in_flight, duration, w, 3600, "/bench") for w in range(processes)])
    elapsed = time.time() - started
    clients_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = sum(cpu_seconds(p) for p in server_pids) - servers_before
    latencies = [l for part in parts for l in part[0]]
    done = max(1, len(latencies))
    return {
        "grant_put_per_s": len(latencies) / duration,
        "in_flight": in_flight * processes,
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "max": max(latencies or [0])},
        "errors": sum(part[1] for part in parts),
        "elapsed_s": elapsed,
        # Where the machine's two cores went: etcd's members, and this load generator.
        "server_cpu_seconds_per_1000": servers / done * 1000 if server_pids else None,
        "client_cpu_seconds_per_1000": (clients_after.ru_utime + clients_after.ru_stime - clients_before.ru_utime
                                        - clients_before.ru_stime) / done * 1000,
    }


def keys_present(c, prefix):
    """Every key under `prefix` this member holds now (a serializable range read)."""
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    payload = {"key": base64.b64encode(prefix.encode()).decode(), "range_end": base64.b64encode(end.encode()).decode(),
               "keys_only": True, "serializable": True}
    return {base64.b64decode(kv["key"]).decode() for kv in c.post(c.get_url("/kv/range"), json=payload).get("kvs", [])}


def revoke_phase(endpoints, count):
    """`count` fresh leases with a key each, then revoked one every 5 ms; each revoke is
    timed until no member holds its key. One range read per member per poll finds them
    all, so the measurement does not slow down as revokes pile up."""
    c = client(endpoints[0])
    leases = []
    for i in range(count):
        lease = c.lease(ttl=3600)
        key = "/revoke/%06d" % i
        c.put(key, "v", lease=lease)
        leases.append((key, lease.id))
    readers = [client(e) for e in endpoints]
    sent, done = {}, {}
    lock = threading.Lock()

    def send():
        start = time.time()
        for index, (key, lease) in enumerate(leases):
            delay = start + index * 0.005 - time.time()
            if delay > 0:
                time.sleep(delay)
            with lock:
                sent[key] = now_ms()
            c.post(c.get_url("/kv/lease/revoke"), json={"ID": lease})

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.time() + count * 0.005 + 60
    while len(done) < count and time.time() < deadline:
        present = set()
        for reader in readers:
            present |= keys_present(reader, "/revoke/")
        t = now_ms()
        with lock:
            for key, at in sent.items():
                if key not in done and key not in present:
                    done[key] = t - at
        time.sleep(0.005)
    sender.join()
    values = list(done.values())
    return {"revokes": len(values), "revoke_to_gone_ms": {"p50": percentile(values, 50), "p99": percentile(values, 99), "max": max(values or [0])}}


def storm_worker(args):
    """One process: coroutines granting leases meant to end at target + i/count of a
    second. TTLs are whole seconds, so the expiry actually expected — the name each key
    carries — is the grant's answer time plus the rounded TTL."""
    return asyncio.run(storm_loop(*args))


async def storm_loop(endpoints, indices, target_ms, count, in_flight, worker):
    clients = [aetcd.Client(host=e.rsplit(":", 1)[0], port=int(e.rsplit(":", 1)[1]), timeout=30) for e in endpoints]
    granted = [0]

    async def run(slot):
        c = clients[(worker + slot) % len(clients)]
        for i in indices[slot::in_flight]:
            wanted = target_ms + i * 1000.0 / count
            ttl = max(1, int(round((wanted - now_ms()) / 1000.0)))
            lease = await c.lease(ttl)
            expiry = int(now_ms() + ttl * 1000)
            await c.put(("/storm/%013d/%d" % (expiry, i)).encode(), b"v", lease=lease)
            granted[0] += 1

    await asyncio.gather(*(run(slot) for slot in range(in_flight)))
    for c in clients:
        await c.close()
    return granted[0]


def storm_phase(endpoints, count, processes, concurrency, grant_rate):
    """`count` leases meant to expire within one second — granted at the grant phase's
    concurrency — then the worst overshoot."""
    lead_s = count / max(100.0, grant_rate * 0.7) + 15
    target = now_ms() + lead_s * 1000
    in_flight = max(1, concurrency // processes)
    started = time.time()
    with multiprocessing.Pool(processes) as pool:
        granted = sum(pool.map(storm_worker, [(endpoints, list(range(w, count, processes)), target, count, in_flight, w)
                                              for w in range(processes)]))
    granting_s = time.time() - started
    late = now_ms() > target - 2000
    readers = [client(e) for e in endpoints]
    worst = None
    remaining_at = {}
    # Sample until every key is gone everywhere (or two minutes past the target).
    while now_ms() < target + 120_000:
        still = 0
        for member, reader in enumerate(readers):
            t = now_ms()
            end = "/storm/%013d" % int(t)
            payload = {"key": base64.b64encode(b"/storm/").decode(), "range_end": base64.b64encode(end.encode()).decode(),
                       "keys_only": True, "serializable": True, "limit": 1}
            reply = reader.post(reader.get_url("/kv/range"), json=payload)
            # Keys sort by their expiry: the first one left is the worst overshoot; `count`
            # says how many are left in all.
            for kv in reply.get("kvs", []):
                key = base64.b64decode(kv["key"]).decode()
                expiry = int(key.split("/")[2])
                worst = max(worst if worst is not None else -1e18, t - expiry)
            still += int(reply.get("count", 0))
        if now_ms() > target + 2000:
            remaining_at[int((now_ms() - target) / 1000)] = still
            if still == 0:
                break
        time.sleep(0.05)
    return {"sessions": count, "granted": granted, "granting_s": granting_s, "planned_late": late,
            "overshoot_ms": worst if worst is not None else 0.0, "keys_left_by_second": remaining_at}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoints", required=True, help="host:port,… of the members' client URLs")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--revokes", type=int, default=1000)
    p.add_argument("--storm", type=int, default=100_000)
    p.add_argument("--processes", type=int, default=1, help="load generator processes (one asyncio loop each)")
    p.add_argument("--pids", default="", help="the members' process ids, to measure their CPU")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    endpoints = a.endpoints.split(",")
    grant = grant_phase(endpoints, a.concurrency, a.duration, a.processes, [int(p) for p in a.pids.split(",") if p])
    print("etcd grant+put: %.0f/s with %d in flight (p50 %.1f ms, p99 %.1f ms, %d errors); CPU per 1,000: etcd %s s, load generator %.2f s" % (
        grant["grant_put_per_s"], grant["in_flight"], grant["latency_ms"]["p50"], grant["latency_ms"]["p99"], grant["errors"],
        "%.2f" % grant["server_cpu_seconds_per_1000"] if grant["server_cpu_seconds_per_1000"] is not None else "?",
        grant["client_cpu_seconds_per_1000"]), flush=True)
    revoke = revoke_phase(endpoints, a.revokes)
    print("etcd revoke → gone on every member: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d revokes)" % (
        revoke["revoke_to_gone_ms"]["p50"], revoke["revoke_to_gone_ms"]["p99"], revoke["revoke_to_gone_ms"]["max"], revoke["revokes"]), flush=True)
    storm = storm_phase(endpoints, a.storm, a.processes, a.concurrency, grant["grant_put_per_s"]) if a.storm > 0 else None
    if storm:
        print("etcd expiry storm: %d leases, worst overshoot %.0f ms%s" % (
            storm["granted"], storm["overshoot_ms"], " (granting ran late: planned expiry already near)" if storm["planned_late"] else ""), flush=True)
    json.dump({"grant": grant, "revoke": revoke, "storm": storm}, open(a.out, "w"), indent=2, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
