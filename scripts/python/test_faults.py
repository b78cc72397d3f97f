"""The fault suite (issue 11): real processes of a local cluster of its own (Redis, S3Proxy, three
nodes: `scripts/local-cluster start`), a trace replayed through it by `istziio replay` in the
background, and one fault per test while the replay runs:

1. `kill -9` of a node;
2. SIGSTOP of a node for longer than the client's stall timeout, then SIGCONT;
3. a restart of redis-server (same port; it comes back empty: the cluster runs it without
   persistence, so the nodes must re-register);
4. a restart of S3Proxy (same port, same objects) while the replay still has misses to make.

Each asserts 0 failed reads, that the replay finished within its normal time plus the stall bound,
that the ring views say what they should (a killed node absent, then back after its restart), and
that the cluster serves afterwards. Faults are injected on conditions, not on timers: once the nodes
have served part of the replay, and recovery is awaited on the nodes' ring views.

    .venv/bin/python -m pytest -q scripts/python/test_faults.py     (after mvn -DskipTests package)
"""
import json
import os
import re
import signal
import socket
import subprocess
import time

import pyarrow.flight as flight
import pytest

from conftest import HOME, read_cluster_env

SCRIPT = str(HOME / "scripts" / "local-cluster")
ISTZIIO = str(HOME / "scripts" / "istziio")
NODES = ("n1", "n2", "n3")
# IstziioClient.DEFAULT_STALL_TIMEOUT, which the replay's client uses, plus the deadline of the
# ping that then tells a frozen node from a slow one (NodeProbe.MAX_DEADLINE): the longest a read
# waits on a frozen node.
STALL_S = 5.0 + 2.0
# The cluster's --liveness-timeout (the default): how long a dead node stays in the ring.
LIVENESS_S = 3.0
# Files per test: each test reads its own, so each has misses to make (an S3 restart during a
# replay of hits alone would prove nothing).
FILES = 80
# The trace: 400 requests, one every 25 ms (10 s), Zipf 0.6 over FILES files, so misses go on to
# the end. On a loaded 2-core machine a fault-free replay of it ends within ~2 s of its last
# arrival (JIT warm-up of five JVMs): its normal time is the trace's span plus NORMAL_SLACK_S, which
# allows four times that, so a busy CI machine cannot fail a replay that lost nothing.
REQUESTS, GAP_MS = 400, 25
NORMAL_SLACK_S = 8.0
# Replayed requests the nodes must have served before a fault is injected.
BEFORE_FAULT = 60


class Cluster:
    def __init__(self, directory):
        self.dir = directory
        self.env = read_cluster_env(directory / "cluster.env")
        self.locations = dict(m.split("=", 1) for m in self.env["LOCAL_CLUSTER_NODES"].split(","))
        self.last_served = {}

    def cli_env(self):
        return {**os.environ, **self.env}

    def run(self, *args, timeout=120):
        done = subprocess.run([SCRIPT, *args, "--dir", str(self.dir)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)
        assert done.returncode == 0, f"local-cluster {' '.join(args)} failed:\n{done.stdout}"
        return done.stdout

    def pids(self):
        return dict((name, int(pid)) for name, pid in
                    (line.split() for line in self.run("pids").splitlines() if line.strip()))

    def action(self, node, name, timeout=2.0):
        """The JSON answer of a node's action, or None if it does not answer within timeout."""
        try:
            with flight.connect(self.locations[node]) as client:
                options = flight.FlightCallOptions(timeout=timeout)
                results = list(client.do_action(flight.Action(name, b""), options))
                return json.loads(results[0].body.to_pybytes())
        except (flight.FlightError, OSError):
            return None

    def redis(self, *command):
        """One Redis command's integer reply, over a plain socket (no redis-cli needed)."""
        port = int(self.env["ISTZIIO_REDIS"].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(("*%d\r\n" % len(command) + "".join(
                "$%d\r\n%s\r\n" % (len(c.encode()), c) for c in command)).encode())
            reply = connection.makefile("rb").readline().decode().strip()
        assert reply.startswith(":"), reply
        return int(reply[1:])

    def ring(self, node):
        """The ids in a node's ring view, or None if it does not answer."""
        state = self.action(node, "ring")
        return None if state is None else sorted(m["id"] for m in state["members"])

    def served(self):
        """DoGets the nodes have served (each is a memory-tier hit or miss); a node that does not
        answer (frozen, killed) counts with its last answer."""
        for node in NODES:
            stats = self.action(node, "stats", timeout=0.5)
            if stats is not None:
                self.last_served[node] = stats["memory"]["hits"] + stats["memory"]["misses"]
        return sum(self.last_served.values())

    def await_rings(self, expected, nodes=NODES, timeout=30.0):
        """Waits until every one of `nodes` answers a ring view of exactly `expected`."""
        deadline = time.monotonic() + timeout
        while True:
            views = {node: self.ring(node) for node in nodes}
            if all(view == sorted(expected) for view in views.values()):
                return time.monotonic()
            if time.monotonic() > deadline:
                pytest.fail(f"ring views after {timeout} s: {views}; expected {sorted(expected)}")
            time.sleep(0.1)

    def heal(self):
        """Whatever a failed test left down is started again, a stopped process continued."""
        running = self.pids()
        for name, pid in running.items():
            os.kill(pid, signal.SIGCONT)
        for name in ("redis", "s3proxy", *NODES):
            if name not in running:
                self.run("restart", name)
        self.await_rings(NODES)


@pytest.fixture(scope="module")
def fault_cluster(tmp_path_factory):
    """A cluster of its own (a fault must not hit the session's), with 4 x FILES tiny files in its S3."""
    directory = tmp_path_factory.mktemp("faults")
    try:
        started = subprocess.run([SCRIPT, "start", "--dir", str(directory)], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        if started.returncode != 0:
            pytest.fail("scripts/local-cluster start failed:\n" + started.stdout)
        cluster = Cluster(directory)
        subprocess.run([ISTZIIO, "gen-data", "--shape", "tiny", "--files", str(4 * FILES),
                        "--out", "s3://data/faults/", "--manifest", str(directory / "manifest.json"),
                        "--s3-endpoint", cluster.env["ISTZIIO_S3_ENDPOINT"], "--s3-path-style"],
                       check=True, stdout=subprocess.DEVNULL, env=cluster.cli_env())
        cluster.paths = [e["path"] for e in json.loads((directory / "manifest.json").read_text())]
        yield cluster
    finally:
        subprocess.run([SCRIPT, "stop", "--dir", str(directory)], check=False, stdout=subprocess.DEVNULL)


@pytest.fixture
def cluster(fault_cluster):
    fault_cluster.heal()
    return fault_cluster


class Replay:
    """`istziio replay` of a generated trace over the test's own FILES files, in the background."""

    def __init__(self, cluster, work, part):
        self.cluster = cluster
        self.work = work
        self.paths = cluster.paths[part * FILES:(part + 1) * FILES]
        manifest = work / "manifest.json"
        manifest.write_text(json.dumps([{"index": i, "path": p} for i, p in enumerate(self.paths)]))
        trace = work / "trace.csv"
        subprocess.run([ISTZIIO, "gen-trace", "--out", str(trace), "--files", str(FILES),
                        "--requests", str(REQUESTS), "--zipf", "0.6", "--gap-ms", str(GAP_MS),
                        "--no-poisson", "--seed", str(part + 1)], check=True, stdout=subprocess.DEVNULL)
        self.span_s = int(trace.read_text().strip().splitlines()[-1].split(",")[0]) / 1000
        self.records_file = work / "replay.json"
        self.log = work / "replay.log"
        self.served_before = cluster.served()
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [ISTZIIO, "replay", str(trace), "--manifest", str(manifest), "--out",
                 str(self.records_file), "--no-progress"],
                stdout=out, stderr=subprocess.STDOUT, env=cluster.cli_env())

    def served(self):
        return self.cluster.served() - self.served_before

    def await_served(self, count, timeout=60.0):
        """Waits until the nodes served `count` of this replay's requests; returns how many they had."""
        deadline = time.monotonic() + timeout
        while True:
            served = self.served()
            if served >= count:
                return served
            assert self.process.poll() is None, "the replay ended early:\n" + self.log.read_text()
            assert time.monotonic() < deadline, f"only {served} requests served in {timeout} s"
            time.sleep(0.05)

    def finish(self):
        """Waits for the replay; returns (the report's duration in s, the per-request records)."""
        try:
            self.process.wait(timeout=self.span_s + 90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the replay did not finish:\n" + self.log.read_text())
        report = self.log.read_text()
        print(report)
        summary = re.search(r"(\d+) requests, (\d+) failed, in ([\d.]+) s", report)
        assert summary, "no report from the replay:\n" + report
        records = json.loads(self.records_file.read_text())
        errors = [f"#{r['sequence']} {r['path']}: {r['error']}" for r in records if r["error"]]
        assert int(summary.group(2)) == 0 and not errors, \
            f"{summary.group(2)} failed reads:\n" + "\n".join(errors[:30])
        assert len(records) == REQUESTS and all(r["rows"] == 64 for r in records)
        duration = float(summary.group(3))
        bound = self.span_s + NORMAL_SLACK_S + STALL_S
        assert duration <= bound, f"the replay took {duration} s, over {bound} s:\n{report}"
        assert self.process.returncode == 0, report
        return duration, records


def assert_serves(cluster, paths):
    """Every path can be read from each of its owners, and through the routing client."""
    import istziio
    with istziio.connect(list(cluster.locations.values())) as client:
        table = client.read_table(list(paths))
    assert table.num_rows == 64 * len(paths)


def test_kill_9_node(cluster, tmp_path):
    replay = Replay(cluster, tmp_path, 0)
    replay.await_served(BEFORE_FAULT)
    os.kill(cluster.pids()["n2"], signal.SIGKILL)
    killed = time.monotonic()
    dropped = cluster.await_rings(["n1", "n3"], nodes=["n1", "n3"])
    print(f"n2 left the survivors' ring views {dropped - killed:.1f} s after kill -9")
    assert cluster.ring("n2") is None
    duration, records = replay.finish()
    assert any(r["servedBy"] == "n2" for r in records), "n2 served none of the replay"
    assert_serves(cluster, replay.paths)
    # The node comes back with its disk cache, and every view takes it in again.
    cluster.run("restart", "n2")
    cluster.await_rings(NODES)
    assert_serves(cluster, replay.paths)


def test_sigstop_node(cluster, tmp_path):
    replay = Replay(cluster, tmp_path, 1)
    replay.await_served(BEFORE_FAULT)
    pid = cluster.pids()["n3"]
    os.kill(pid, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        dropped = cluster.await_rings(["n1", "n2"], nodes=["n1", "n2"])
        print(f"n3 left the others' ring views {dropped - stopped:.1f} s after SIGSTOP")
        # Frozen longer than the stall timeout, so that the streams it had stall and are resumed
        # elsewhere (the fault is a duration); the replay must make progress meanwhile.
        at = replay.served()
        while time.monotonic() - stopped < STALL_S + 1:
            time.sleep(0.1)
        assert replay.served() > at, "no request was served while n3 was frozen"
    finally:
        os.kill(pid, signal.SIGCONT)
    print(f"n3 continued after {time.monotonic() - stopped:.1f} s")
    cluster.await_rings(NODES)
    duration, records = replay.finish()
    slow = max(r["totalNanos"] for r in records) / 1e9
    print(f"slowest request {slow:.1f} s")
    assert slow <= STALL_S + NORMAL_SLACK_S, f"a request took {slow:.1f} s"
    assert_serves(cluster, replay.paths)


def test_redis_restart(cluster, tmp_path):
    replay = Replay(cluster, tmp_path, 2)
    replay.await_served(BEFORE_FAULT)
    epoch_before = cluster.action("n1", "ring")["epoch"]
    cluster.run("restart", "redis")  # same port; comes back empty (no persistence)
    # The nodes register again in the empty Redis; meanwhile every view keeps its members.
    deadline = time.monotonic() + 30
    while cluster.redis("HLEN", "istziio:{local}:members") < len(NODES):
        assert time.monotonic() < deadline, "the nodes did not register again in the new Redis"
        time.sleep(0.1)
    cluster.await_rings(NODES)
    at = replay.served()
    duration, records = replay.finish()
    assert len([r for r in records if r["sequence"] >= at]) > 0, "the replay ended before Redis came back"
    for node in NODES:
        state = cluster.action(node, "ring")
        assert state["source"] == "redis" and state["reachable"], state
        assert state["epoch"] >= epoch_before, (epoch_before, state)
    assert_serves(cluster, replay.paths)


def test_s3_restart(cluster, tmp_path):
    replay = Replay(cluster, tmp_path, 3)
    replay.await_served(BEFORE_FAULT)
    at = replay.served()
    cluster.run("restart", "s3proxy")  # same port; its objects are files under the cluster dir
    duration, records = replay.finish()
    # The restart must have fallen among misses, or it proved nothing.
    misses_after = [r for r in records if r["sequence"] >= at and r["cache"] == "miss"]
    assert misses_after, "no miss after the S3 restart began"
    print(f"{len(misses_after)} misses after the restart began")
    assert_serves(cluster, replay.paths)
