"""Real istziio processes for the tests in this folder: one node on a generated sample dataset
(`node`), or a whole local cluster (`cluster`: Redis, S3Proxy and three nodes)."""
import contextlib
import os
import pathlib
import re
import shlex
import subprocess
import sys
import threading
import time

import pyarrow.fs as pafs
import pytest

HOME = pathlib.Path(__file__).resolve().parents[2]
# The tests and examples import this checkout's istziio package, not a copy installed in the venv.
sys.path.insert(0, str(HOME / "flight-client" / "python" / "src"))


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    """Two sample Parquet files written by `istziio gen-data`, in a fresh directory."""
    data = tmp_path_factory.mktemp("data")
    subprocess.run([str(HOME / "scripts" / "istziio"), "gen-data", "--out", str(data),
                    "--files", "2", "--rows", "50000", "--rows-per-group", "5000"],
                   check=True, stdout=subprocess.DEVNULL)
    return data


@pytest.fixture(scope="session")
def node(dataset, tmp_path_factory):
    """A node serving `dataset` under file://, on a free port; yields its location."""
    with running_node(dataset, tmp_path_factory) as location:
        yield location


@contextlib.contextmanager
def running_node(root, tmp_path_factory, *flags):
    """A node serving the directory `root` under file://, with a fresh cache and the extra command
    line `flags`, on a free port; yields its location and stops it on exit."""
    with node_process(root, tmp_path_factory, *flags) as (location, _):
        yield location


@contextlib.contextmanager
def node_process(root, tmp_path_factory, *flags):
    """running_node's node, yielding (location, its subprocess.Popen); scripts/istziio-node execs
    java, so the process's pid is the node JVM's."""
    log = tmp_path_factory.mktemp("node") / "node.log"
    cache = tmp_path_factory.mktemp("cache")
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(HOME / "scripts" / "istziio-node"), "--port", "0", "--metrics-port", "0", "--local-root", str(root),
             "--cache-dir", str(cache), "--cache-size", "256MiB", *flags],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"serving at (grpc\+(?:tcp|tls)://\S+)", log.read_text())
            if match:
                yield match.group(1), process
                break
            if process.poll() is not None:
                sys.stderr.write(log.read_text())
                pytest.fail("the node exited before it served")
            time.sleep(0.1)
        else:
            pytest.fail("the node did not start within 30 s:\n" + log.read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)


def within(seconds, call):
    """``call()``'s result, run on a daemon thread that must finish within ``seconds``: a test
    whose read could block for good (a frozen node) fails instead of hanging the session.
    Re-raises what ``call`` raised."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as e:  # handed to the test's thread
            outcome["error"] = e

    thread = threading.Thread(target=run, daemon=True, name="test-within")
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def read_cluster_env(path):
    """The variables a cluster.env written by scripts/local-cluster exports, as a dict."""
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """A local cluster started by `scripts/local-cluster start` in a fresh directory, stopped at the
    end of the session. Yields its cluster.env as a dict (ISTZIIO_REDIS, ISTZIIO_CLUSTER,
    ISTZIIO_NODE, ISTZIIO_S3_*, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, LOCAL_CLUSTER_NODES)
    plus "dir", the cluster's directory; files under dir/data are served to every node as
    file:///... paths, and bucket s3://data/ exists. Pass the dict to subprocesses as
    env={**os.environ, **cluster} (without "dir") so the CLI finds the cluster."""
    with local_cluster(tmp_path_factory.mktemp("cluster")) as settings:
        yield settings


@pytest.fixture(scope="module")
def s3(cluster):
    """pyarrow's S3 filesystem on the cluster's S3Proxy."""
    endpoint = cluster["ISTZIIO_S3_ENDPOINT"]
    return pafs.S3FileSystem(access_key=cluster["AWS_ACCESS_KEY_ID"],
                             secret_key=cluster["AWS_SECRET_ACCESS_KEY"],
                             endpoint_override=endpoint.split("://", 1)[1],
                             scheme=endpoint.split("://", 1)[0], region=cluster["ISTZIIO_S3_REGION"])


@contextlib.contextmanager
def local_cluster(directory, *flags):
    """`scripts/local-cluster start --dir directory *flags`, stopped on exit (also after a failed
    start); yields its cluster.env as a dict plus "dir"."""
    script = str(HOME / "scripts" / "local-cluster")
    try:
        started = subprocess.run([script, "start", "--dir", str(directory), *flags],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if started.returncode != 0:
            pytest.fail("scripts/local-cluster start failed:\n" + started.stdout)
        settings = read_cluster_env(pathlib.Path(directory) / "cluster.env")
        settings["dir"] = str(directory)
        yield settings
    finally:
        # Also after a failed start: stop is a no-op when nothing is left, and must run if a test
        # interrupted the session after the cluster came up.
        subprocess.run([script, "stop", "--dir", str(directory)], check=False,
                       stdout=subprocess.DEVNULL)
