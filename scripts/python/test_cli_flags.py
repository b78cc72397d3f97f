"""CLI flags against the environment: a flag on the command line beats the variable cluster.env
exports."""
import json
import os
import subprocess

from conftest import HOME


def test_an_explicit_node_beats_istziio_redis_from_the_environment(node, dataset):
    path = sorted(dataset.glob("*.parquet"))[0]
    # A Redis nobody listens on: were it followed, the command would find no nodes and fail.
    env = {**os.environ, "ISTZIIO_REDIS": "redis://127.0.0.1:1"}
    result = subprocess.run([str(HOME / "scripts" / "istziio"), "info", "--node", node, path.as_uri()],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert path.name in result.stdout
