"""A real local cluster for the client's tests: `warrant-coordinator up` on a topology of
four nodes (ports from WARRANT_TEST_PORT, default 23000), stopped after the session."""
import json
import os
import pathlib
import subprocess
import tempfile
import time

import pytest

from warrant_client import Client, Key

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(os.environ.get("WARRANT_BIN", ROOT / ".build" / "debug"))

TOPOLOGY = """
[cluster]
name = "python-client"
base_port = {port}

[[nodes]]
name = "n0"
[[nodes]]
name = "n1"
[[nodes]]
name = "n2"
[[nodes]]
name = "n3"

[[principals]]
name = "alice"
owns = ["files/*"]
"""


@pytest.fixture(scope="session")
def cluster():
    work = pathlib.Path(tempfile.mkdtemp(prefix="warrant-python-"))
    topology = work / "topology.toml"
    topology.write_text(TOPOLOGY.format(port=int(os.environ.get("WARRANT_TEST_PORT", "23000"))))
    up = subprocess.Popen([str(BIN / "warrant-coordinator"), "up", str(topology), "--dir", str(work / "cluster")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        file = work / "cluster" / "cluster.json"
        while not file.exists():
            if time.time() > deadline or up.poll() is not None:
                raise RuntimeError(f"the cluster did not come up (exit {up.poll()})")
            time.sleep(0.2)
        info = json.loads(file.read_text())
        keys = work / "cluster" / "keys"
        yield {
            "nodes": [(n["name"], n["client"], n["commits"], Key.load_public(keys / f"{n['name']}.pub")) for n in info["nodes"]],
            "alice": Key.load(keys / "alice.key"),
            "asker": Key.load(keys / "coordinator.key"),
        }
    finally:
        up.terminate()
        up.wait(timeout=30)


@pytest.fixture
def nodes(cluster):
    return [Client(address, node_key=key) for _, address, _, key in cluster["nodes"]]
