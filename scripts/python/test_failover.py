"""Which failures move a Python read to another node (issue 11): a node that fails does; a store
(S3) that fails behind a healthy node does not, beyond one retry; and a node that just timed out
on GetFlightInfo is asked last by the calls that follow. Real nodes, with a stand-in Flight server
(pyarrow's FlightServerBase) where a node must count what it is asked or hold a call."""
import collections
import json
import socket
import threading

import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

import istziio
import istziio.client
from istziio.pool import FlightClientPool
from istziio.reader import read_endpoints
from istziio.stall import StallWatch
from conftest import running_node, within


class StandIn(flight.FlightServerBase):
    """A stand-in node on a free port that counts the calls it gets: GetFlightInfo is held until
    :attr:`release` is set (a node that does not answer in time), DoGet answers UNAVAILABLE."""

    def __init__(self):
        super().__init__("grpc+tcp://127.0.0.1:0")
        self.location = f"grpc+tcp://127.0.0.1:{self.port}"
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._calls = collections.Counter()

    def calls(self, name):
        with self._lock:
            return self._calls[name]

    def _count(self, name):
        with self._lock:
            self._calls[name] += 1

    def get_flight_info(self, context, descriptor):
        self._count("info")
        self.release.wait(60)
        raise flight.FlightUnavailableError("the stand-in was released")

    def do_get(self, context, ticket):
        self._count("do_get")
        raise flight.FlightUnavailableError("the stand-in serves nothing")

    def list_actions(self, context):
        return []


@pytest.fixture
def stand_in():
    server = StandIn()
    try:
        yield server
    finally:
        server.release.set()  # its held calls end, so shutdown does not wait on them
        server.shutdown()


def dead_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dead_s3_nodes(tmp_path, tmp_path_factory, monkeypatch):
    """Two nodes whose S3 endpoint is a closed port (every S3 call fails: the nodes are fine,
    their store is not); yields their locations."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    flags = ("--s3-endpoint", f"http://127.0.0.1:{dead_port()}", "--s3-path-style",
             "--s3-region", "us-east-1")
    with running_node(tmp_path, tmp_path_factory, *flags) as a, \
            running_node(tmp_path, tmp_path_factory, *flags) as b:
        yield a, b


PATH = "s3://data/store-down.parquet"
SCHEMA = pa.schema([("x", pa.int64())])


def do_gets(location):
    with istziio.connect(location) as client:
        return client.node_stats(location)["doGets"]


def read_endpoint(locations):
    """Reads one endpoint of PATH at ``locations`` (in this order, no choice by load)."""
    endpoint = flight.FlightEndpoint(json.dumps({"path": PATH}), locations)
    info = flight.FlightInfo(SCHEMA, flight.FlightDescriptor.for_path(PATH), [endpoint], -1, -1)
    pool = FlightClientPool()
    stalls = StallWatch(pool, 5.0)
    try:
        return list(read_endpoints(pool, stalls, info, locations[0], 1, 1, lambda stats: None))
    finally:
        stalls.close()
        pool.close()


def assert_names_the_store(error):
    assert error.code == "UNAVAILABLE"
    assert isinstance(error, istziio.UnavailableError)
    assert "S3" in str(error), str(error)
    assert "no owner" not in str(error), str(error)


def test_a_store_failure_is_retried_once_at_the_next_owner_not_at_every_owner(dead_s3_nodes, stand_in):
    a, b = dead_s3_nodes
    before = {a: do_gets(a), b: do_gets(b)}
    with pytest.raises(istziio.StoreUnavailableError) as raised:
        within(60, lambda: read_endpoint([a, b, stand_in.location]))
    assert_names_the_store(raised.value)
    assert do_gets(a) - before[a] == 1 and do_gets(b) - before[b] == 1, "each of two owners asked once"
    assert stand_in.calls("do_get") == 0, "the third owner is not asked"


def test_a_store_failure_at_the_only_owner_is_retried_there_once(dead_s3_nodes):
    a, _ = dead_s3_nodes
    before = do_gets(a)
    with pytest.raises(istziio.StoreUnavailableError) as raised:
        within(60, lambda: read_endpoint([a]))
    assert_names_the_store(raised.value)
    assert do_gets(a) - before == 2


def test_get_flight_info_retries_a_store_failure_once_not_at_every_node(dead_s3_nodes, stand_in):
    a, b = dead_s3_nodes
    with istziio.connect([a, b, stand_in.location], call_timeout=5.0) as client:
        with pytest.raises(istziio.StoreUnavailableError) as raised:
            within(60, lambda: client.read_table(PATH))
        assert_names_the_store(raised.value)
        assert stand_in.calls("info") == 0, "the third node is not asked"
        # the nodes are fine: the client still uses them
        assert client.ring()["members"]


def test_a_node_that_timed_out_is_asked_last_by_the_calls_that_follow(tmp_path, tmp_path_factory,
                                                                      stand_in, monkeypatch):
    """GetFlightInfo asks the client's nodes in turn; the stand-in holds it past call_timeout.
    The first call asks it first (the first seed), times out and gets its answer from the node;
    the calls after it, in turn, would ask the stand-in first every other time, but it is asked
    last while it is remembered (ASK_LAST_SECONDS, made long here so that no clock decides), and
    again in turn once forgotten."""
    pq.write_table(pa.table({"x": pa.array(range(10), pa.int64())}), tmp_path / "t.parquet")
    path = f"file://{tmp_path}/t.parquet"
    monkeypatch.setattr(istziio.client, "ASK_LAST_SECONDS", 3600.0)
    with running_node(tmp_path, tmp_path_factory) as node, \
            istziio.connect([stand_in.location, node], call_timeout=2.0) as client:
        with istziio.connect(node) as warm:  # the node's first GetFlightInfo loads its reader
            warm.info(path)
        assert within(60, lambda: client.info(path)).endpoints
        assert stand_in.calls("info") == 1
        for _ in range(4):
            assert within(60, lambda: client.info(path)).endpoints
        assert stand_in.calls("info") == 1, "the node that timed out was asked first again"

        monkeypatch.setattr(istziio.client, "ASK_LAST_SECONDS", 0.0)  # forgotten at once
        for _ in range(2):
            assert within(60, lambda: client.info(path)).endpoints
        assert stand_in.calls("info") == 2, "in turn again once forgotten"
