"""Secure mode end to end: a cluster from `scripts/local-cluster start --tls` (TLS nodes wanting a
token, a TLS Redis wanting a password), read through the istziio package and through the CLI, with
the environment cluster.env gives and with explicit arguments; refused without the CA or a token,
and an admin action refused with the read-only token."""
import os
import pathlib
import subprocess

import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

import istziio
from conftest import HOME, local_cluster

CLI = str(HOME / "scripts" / "istziio")


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    """A 2-node secure local cluster with one Parquet file under its data directory; yields its
    cluster.env plus "dir" and "path" (the file's file:// URI)."""
    with local_cluster(tmp_path_factory.mktemp("secure"), "--tls", "--nodes", "2") as settings:
        table = pa.table({"id": pa.array(range(5000), pa.int64()),
                          "name": pa.array([f"row {i}" for i in range(5000)])})
        path = pathlib.Path(settings["dir"]) / "data" / "secure.parquet"
        pq.write_table(table, path, row_group_size=1000)
        settings["path"] = path.as_uri()
        yield settings


def env_of(secure, **changes):
    """The process environment with the cluster's cluster.env applied, then ``changes``."""
    env = {**os.environ, **{k: v for k, v in secure.items() if k.startswith(("ISTZIIO_", "AWS_", "LOCAL_"))}}
    env.update(changes)
    return env


def read_token(secure):
    return pathlib.Path(secure["LOCAL_CLUSTER_READ_TOKEN_FILE"]).read_text().strip()


def test_the_cluster_is_secure(secure):
    assert secure["ISTZIIO_NODE"].startswith("grpc+tls://")
    assert secure["ISTZIIO_REDIS"].startswith("rediss://")
    for name in ("ISTZIIO_TOKEN_FILE", "ISTZIIO_REDIS_PASSWORD_FILE", "LOCAL_CLUSTER_READ_TOKEN_FILE"):
        assert os.stat(secure[name]).st_mode & 0o077 == 0, f"{name} is readable by others"


def test_the_package_reads_with_the_environment_and_with_arguments(secure, monkeypatch):
    expected = pq.read_table(secure["path"][len("file://"):])
    monkeypatch.setenv("ISTZIIO_TLS_CA", secure["ISTZIIO_TLS_CA"])
    monkeypatch.setenv("ISTZIIO_TOKEN_FILE", secure["ISTZIIO_TOKEN_FILE"])
    with istziio.connect(secure["ISTZIIO_NODE"]) as client:
        assert client.read_table(secure["path"]).equals(expected)
        assert client.last_stats[0]["node"].startswith("grpc+tls://")

    monkeypatch.delenv("ISTZIIO_TLS_CA")
    monkeypatch.delenv("ISTZIIO_TOKEN_FILE")
    ca = pathlib.Path(secure["ISTZIIO_TLS_CA"])
    for roots in (str(ca), ca.read_bytes()):
        with istziio.connect(secure["ISTZIIO_NODE"], tls_root_certs=roots, token=read_token(secure)) as client:
            assert client.read_table(secure["path"], columns=["id"]).column("id").equals(expected.column("id"))


def test_the_package_is_refused_without_a_token_or_the_ca(secure, monkeypatch):
    monkeypatch.delenv("ISTZIIO_TLS_CA", raising=False)
    monkeypatch.delenv("ISTZIIO_TOKEN_FILE", raising=False)
    ca = secure["ISTZIIO_TLS_CA"]
    with istziio.connect(secure["ISTZIIO_NODE"], tls_root_certs=ca) as client:
        with pytest.raises(istziio.UnauthenticatedError) as refused:
            client.read_table(secure["path"])
    assert "--token-file" in refused.value.message
    with istziio.connect(secure["ISTZIIO_NODE"], tls_root_certs=ca, token="not-a-token-of-this-cluster") as client:
        with pytest.raises(istziio.UnauthenticatedError):
            client.read_table(secure["path"])
    with istziio.connect(secure["ISTZIIO_NODE"], token=read_token(secure), call_timeout=5) as client:
        with pytest.raises(istziio.UnavailableError) as untrusted:
            client.read_table(secure["path"])
    assert "ssl" in untrusted.value.message.lower() or "handshake" in untrusted.value.message.lower()


def test_a_read_token_may_not_call_an_admin_action(secure):
    client = flight.FlightClient(secure["ISTZIIO_NODE"],
                                 tls_root_certs=pathlib.Path(secure["ISTZIIO_TLS_CA"]).read_bytes())
    options = flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + read_token(secure).encode())])
    stats = list(client.do_action(flight.Action("stats", b""), options))
    assert stats and b"hitRatio" in stats[0].body.to_pybytes()
    with pytest.raises(flight.FlightUnauthorizedError, match="admin"):
        list(client.do_action(flight.Action("evict", b""), options))
    client.close()


def test_the_cli_warms_through_the_nodes_with_their_node_token(secure):
    # The node asked forwards each owner its share; the nodes call each other with the node token.
    result = subprocess.run([CLI, "warm", secure["path"]], env=env_of(secure),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 copies on 2 node(s)" in result.stdout and "0 failed" in result.stdout, result.stdout


def test_the_cli_reads_with_cluster_env_and_is_refused_without_a_token(secure, tmp_path):
    out = tmp_path / "out.parquet"
    # Through the ring in Redis (rediss://, its password from ISTZIIO_REDIS_PASSWORD_FILE) ...
    result = subprocess.run([CLI, "get", secure["path"], "--out", str(out)], env=env_of(secure),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert pq.read_table(out).equals(pq.read_table(secure["path"][len("file://"):]))
    # ... and through a node, with the flags instead of the environment.
    result = subprocess.run([CLI, "info", "--node", secure["ISTZIIO_NODE"], "--tls-ca", secure["ISTZIIO_TLS_CA"],
                             "--token-file", secure["LOCAL_CLUSTER_READ_TOKEN_FILE"], secure["path"]],
                            env=env_of(secure, ISTZIIO_TLS_CA="", ISTZIIO_TOKEN_FILE=""),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "secure.parquet" in result.stdout

    result = subprocess.run([CLI, "get", "--node", secure["ISTZIIO_NODE"], secure["path"]],
                            env=env_of(secure, ISTZIIO_TOKEN_FILE=""), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 1
    assert "UNAUTHENTICATED" in result.stderr and "--token-file" in result.stderr, result.stderr
