"""Starts a real istziio node on a generated sample dataset for the tests in this folder."""
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

HOME = pathlib.Path(__file__).resolve().parents[2]


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
    log = tmp_path_factory.mktemp("node") / "node.log"
    cache = tmp_path_factory.mktemp("cache")
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(HOME / "scripts" / "istziio-node"), "--port", "0", "--local-root", str(dataset),
             "--cache-dir", str(cache), "--cache-size", "256MiB"],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"serving at (grpc\+tcp://\S+)", log.read_text())
            if match:
                yield match.group(1)
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
