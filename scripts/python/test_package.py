"""The Python package `istziio` (flight-client/python) against real nodes: the local cluster (Redis,
S3Proxy, three nodes) for routing, filters, projection, errors, datasets and the three engines; a
pair of nodes of its own, with static membership, for failover (one is killed)."""
import contextlib
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

import istziio
from istziio.reader import read_endpoints
from istziio.pool import FlightClientPool
from istziio.stall import StallWatch
from conftest import HOME, within

import example_duckdb
import example_pandas
import example_polars


# -- data in the cluster's S3 ---------------------------------------------------------------------

def sample_table(rows, seed=0):
    ids = pa.array(range(seed, seed + rows), pa.int64())
    return pa.table({
        "id": ids,
        "name": pa.array([None if i % 7 == 0 else f"n{i % 100}" for i in range(seed, seed + rows)]),
        "score": pc.multiply(pc.cast(ids, pa.float64()), 0.5),
    })


@pytest.fixture(scope="module")
def files(s3):
    """Eight files s3://data/pkg/f-0..7.parquet of 3,000 rows (row groups of 500); their tables."""
    tables = {}
    for i in range(8):
        table = sample_table(3000, seed=i * 3000)
        path = f"data/pkg/f-{i}.parquet"
        pq.write_table(table, path, filesystem=s3, row_group_size=500)
        tables["s3://" + path] = table
    return tables


@pytest.fixture(scope="module")
def client(cluster):
    with istziio.connect([cluster["ISTZIIO_NODE"].split(",")[0]]) as client:
        yield client


def locations(client):
    return [m["location"] for m in client.ring()["members"]]


# -- routing, projection, filters -----------------------------------------------------------------

def test_each_file_is_read_from_its_owner_and_no_doget_is_misrouted(client, files):
    nodes = locations(client)
    assert len(nodes) == 3
    misrouted_before = sum(client.node_stats(n)["misroutedDoGets"] for n in nodes)
    served = set()
    for path, expected in files.items():
        # The owner as every node names it, asked without the package.
        owners = {flight.connect(n).get_flight_info(flight.FlightDescriptor.for_path(path))
                  .endpoints[0].locations[0].uri.decode() for n in nodes}
        assert len(owners) == 1
        table, stats = client.read_table(path, with_stats=True)
        assert table.equals(expected)
        assert [s["node"] for s in stats] == list(owners)
        assert stats[0]["rows"] == expected.num_rows and stats[0]["failovers"] == 0
        assert client.last_stats == stats
        served |= owners
    assert len(served) > 1, "eight paths spread over more than one owner"
    assert sum(client.node_stats(n)["misroutedDoGets"] for n in nodes) == misrouted_before


def test_columns_come_in_the_order_asked(client, files):
    path, expected = next(iter(files.items()))
    table = client.read_table(path, columns=["score", "id"])
    assert table.equals(expected.select(["score", "id"]))


def test_a_string_filter_and_an_expression_give_the_rows_pyarrow_gives(client, files):
    path, expected = list(files.items())[1]
    want = expected.filter((pc.field("id") < 3500) & pc.field("name").is_valid()).select(["id", "name"])
    by_text = client.read_table(path, ["id", "name"], "id < 3500 AND name IS NOT NULL")
    by_expression = client.read_table(path, ["id", "name"],
                                      (pc.field("id") < 3500) & pc.field("name").is_valid())
    assert by_text.equals(want)
    assert by_expression.equals(want)
    assert 0 < want.num_rows < expected.num_rows


def test_read_batches_streams_the_same_rows(client, files):
    path, expected = list(files.items())[2]
    reader = client.read_batches(path, filter="score >= 3000")
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema == expected.schema
    assert reader.read_all().equals(expected.filter(pc.field("score") >= 3000))


def test_a_missing_object_raises_not_found_naming_it(client):
    with pytest.raises(istziio.NotFoundError) as raised:
        client.read_table("s3://data/pkg/no-such.parquet")
    assert raised.value.code == "NOT_FOUND"
    assert "s3://data/pkg/no-such.parquet" in str(raised.value)
    assert "gRPC" not in str(raised.value)
    assert isinstance(raised.value, FileNotFoundError)


def test_bad_requests_raise_invalid_request_with_the_nodes_message(client, files):
    path = next(iter(files))
    with pytest.raises(istziio.InvalidRequestError, match=r'unknown column "nope"'):
        client.read_table(path, columns=["nope"])
    with pytest.raises(istziio.InvalidRequestError, match=r"does not parse at position"):
        client.read_table(path, filter="id >")
    with pytest.raises(ValueError, match=r"cannot be sent as Substrait"):
        client.read_table(path, filter=pc.field("nope") > 1)
    with pytest.raises(TypeError, match=r"filter must be a string or a pyarrow.compute.Expression"):
        client.read_table(path, filter=42)
    with pytest.raises(TypeError, match=r"columns must be a list"):
        client.read_table(path, columns="id")
    # the node keeps serving
    assert client.read_table(path, columns=["id"]).num_rows == 3000


def test_connect_refuses_what_is_not_a_location():
    with pytest.raises(ValueError, match="not a node location"):
        istziio.connect(["127.0.0.1:8815"])
    with pytest.raises(ValueError, match="at least one"):
        istziio.connect([])


# -- many endpoints -------------------------------------------------------------------------------

def test_endpoints_are_read_in_parallel_each_file_in_order(client, files):
    """A FlightInfo of eight endpoints (what a dataset's GetFlightInfo answers), read three at a
    time with one batch buffered each: the batches arrive file after file, each file's in order."""
    infos = [client.info(path) for path in files]
    schema = infos[0].schema
    endpoints = [info.endpoints[0] for info in infos]
    combined = flight.FlightInfo(schema, flight.FlightDescriptor.for_path("many"), endpoints, -1, -1)
    pool = FlightClientPool()
    stalls = StallWatch(pool, 5.0)
    done = []
    try:
        batches = list(read_endpoints(pool, stalls, combined, "unused", parallelism=3, buffer=1,
                                      on_done=done.append))
    finally:
        stalls.close()
        pool.close()
    assert pa.Table.from_batches(batches, schema).equals(pa.concat_tables(files.values()))
    assert [s["path"] for s in done[0]] == list(files)


def test_dropping_a_reader_early_stops_its_streams(client, files):
    """pyarrow's close() keeps the batch iterator alive; releasing the reader ends it, which
    cancels the streams and ends the reading threads."""
    reader = client.read_batches(list(files)[3])
    first = reader.read_next_batch()
    assert first.num_rows > 0
    reader.close()
    del reader
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.startswith("istziio-read-"):
            thread.join(timeout=30)
            assert not thread.is_alive()


# -- datasets -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hive(s3):
    """s3://data/pkg/trips/year=Y/month=MM/part-0.parquet: 3 years x 7 months, 21 files; year and
    month are not in the files."""
    for year in (2023, 2024, 2025):
        for month in range(1, 8):
            pq.write_table(sample_table(200, seed=year * 100 + month * 1000),
                           f"data/pkg/trips/year={year}/month={month:02d}/part-0.parquet", filesystem=s3)
    return "s3://data/pkg/trips/"


def pyarrow_dataset(s3, prefix, filter=None):
    """What pyarrow.dataset reads straight from S3, the reference."""
    return ds.dataset(prefix[len("s3://"):], filesystem=s3, format="parquet",
                      partitioning="hive").to_table(filter=filter)


def in_order(table):
    return table.sort_by([("year", "ascending"), ("month", "ascending"), ("id", "ascending")])


def test_a_hive_table_reads_as_pyarrow_dataset_reads_it(client, s3, hive):
    table = client.read_table(hive)
    expected = pyarrow_dataset(s3, hive)
    assert table.num_rows == 21 * 200
    assert in_order(table).equals(in_order(expected))
    assert len(client.last_stats) == 21
    sizes = [json.loads(endpoint.app_metadata)["bytes"] for endpoint in client.info(hive).endpoints]
    assert len(sizes) == 21 and all(size > 0 for size in sizes), "each endpoint names its object's size"


def test_partition_filters_prune_files_before_any_download(client, s3, hive):
    info = client.info(hive, filter="year >= 2024 AND month < 4")
    assert len(info.endpoints) == 6, "only 2024's and 2025's months 1 to 3 are listed"
    table = client.read_table(hive, filter="year >= 2024 AND month < 4")
    expected = pyarrow_dataset(s3, hive, (pc.field("year") >= 2024) & (pc.field("month") < 4))
    assert in_order(table).equals(in_order(expected))


def test_an_expression_filter_over_the_files_columns_reads_every_file(client, s3, hive):
    table = client.read_table(hive, filter=pc.field("score") < 103700)
    expected = pyarrow_dataset(s3, hive, pc.field("score") < 103700)
    assert 0 < table.num_rows < expected.num_rows + 1
    assert in_order(table).equals(in_order(expected))


def test_an_expression_naming_a_partition_column_says_to_use_a_string(client, hive):
    with pytest.raises(ValueError, match=r"partition columns \['year'\].*filter-language string"):
        client.read_table(hive, filter=pc.field("year") >= 2024)


def test_a_filter_on_partition_and_file_columns_with_a_projection(client, s3, hive):
    table = client.read_table(hive, columns=["id", "month"], filter="month = 5 AND score < 103700")
    expected = pyarrow_dataset(s3, hive, (pc.field("month") == 5) & (pc.field("score") < 103700))
    assert table.column_names == ["id", "month"]
    assert 0 < table.num_rows < 3 * 200
    assert sorted(table["id"].to_pylist()) == sorted(expected["id"].to_pylist())


def test_the_cli_reads_the_same_table(cluster, s3, hive, tmp_path):
    out = tmp_path / "trips.parquet"
    env = {**os.environ, **{k: v for k, v in cluster.items() if k != "dir"}}
    result = subprocess.run([str(HOME / "scripts" / "istziio"), "get", hive, "--filter", "year = 2025",
                    "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    got = pq.read_table(out)
    expected = pyarrow_dataset(s3, hive, pc.field("year") == 2025)
    assert got.num_rows == expected.num_rows == 7 * 200
    assert sorted(got["id"].to_pylist()) == sorted(expected["id"].to_pylist())


# -- engines --------------------------------------------------------------------------------------

def test_pandas_example(client, files):
    path, expected = next(iter(files.items()))
    frame = example_pandas.main(client_location(client), path, "id < 100")
    assert frame.equals(expected.filter(pc.field("id") < 100).to_pandas())


def test_polars_example_eager_and_lazy(client, files):
    path, expected = list(files.items())[4]
    frame, head, count = example_polars.main(client_location(client), path)
    assert frame.to_arrow().equals(expected.cast(frame.to_arrow().schema))
    assert head["id"].to_list() == expected["id"].to_pylist()[:5]
    assert count == expected.num_rows


def test_polars_lazy_frame_filters_and_projects(client, files):
    import polars as pl
    path, expected = list(files.items())[5]
    lazy = client.scan_polars(path)
    got = lazy.filter(pl.col("id") % 2 == 0).select("score").collect()
    want = expected.filter(pc.equal(pc.bit_wise_and(expected["id"], 1), 0))["score"].to_pylist()
    assert got["score"].to_list() == want


def test_duckdb_example_streams_the_reader(client, files):
    path, expected = list(files.items())[6]
    rows = example_duckdb.main(client_location(client), path,
                               "SELECT count(*), sum(id), count(name) FROM t WHERE score < 10000")
    want = expected.filter(pc.field("score") < 10000)
    assert rows == [(want.num_rows, pc.sum(want["id"]).as_py(), pc.count(want["name"]).as_py())]


def test_duckdb_example_over_a_hive_table_prints_no_alignment_warnings(client, hive):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HOME / "flight-client" / "python" / "src"),
                                                         os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(HOME / "scripts" / "python" / "example_duckdb.py"),
                             client_location(client), hive], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "[(4200,)]" in result.stdout
    assert "poorly aligned" not in result.stderr, result.stderr[:500]


def client_location(client):
    return locations(client)[0]


# -- failover: two nodes of our own ---------------------------------------------------------------

def free_ports(count):
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


@contextlib.contextmanager
def node_pair(root, tmp_path):
    """Two nodes serving `root` as file:///..., each listing the other (static membership, two
    owners per path); yields {location: Popen}. A killed node stays in both rings."""
    ports = free_ports(2)
    location = {p: f"grpc+tcp://127.0.0.1:{p}" for p in ports}
    processes = {}
    try:
        for i, port in enumerate(ports):
            other = ports[1 - i]
            log = tmp_path / f"node-{port}.log"
            with open(log, "w") as out:
                processes[location[port]] = subprocess.Popen(
                    [str(HOME / "scripts" / "istziio-node"), "--id", f"n{port}", "--port", str(port), "--metrics-port", "0",
                     "--local-root", str(root), "--cache-dir", str(tmp_path / f"cache-{port}"),
                     "--cache-size", "512MiB", "--batch-bytes", "256KiB", "--replicas", "2",
                     "--members", f"n{other}={location[other]}"],
                    stdout=out, stderr=subprocess.STDOUT)
        for port in ports:
            log = tmp_path / f"node-{port}.log"
            deadline = time.time() + 60
            while "serving at" not in log.read_text():
                assert processes[location[port]].poll() is None, log.read_text()
                assert time.time() < deadline, "the node did not start within 60 s:\n" + log.read_text()
                time.sleep(0.1)
        yield processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            process.wait(timeout=30)


def test_a_dead_owner_is_skipped(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    tables = {}
    # Twelve paths, so that both nodes own some: with six, all landed on one node in about 3% of
    # runs (placement hashes the temporary directory's path and the nodes' ports).
    for i in range(12):
        tables[f"file://{root}/g-{i}.parquet"] = sample_table(1000, seed=i * 1000)
        pq.write_table(tables[f"file://{root}/g-{i}.parquet"], root / f"g-{i}.parquet")
    with node_pair(root, tmp_path) as nodes:
        dead, alive = list(nodes)
        with istziio.connect([dead, alive]) as client:
            primaries = {path: client.info(path).endpoints[0].locations[0].uri.decode() for path in tables}
            assert set(primaries.values()) == {dead, alive}, "both nodes own some of the twelve paths"
            nodes[dead].send_signal(signal.SIGKILL)
            nodes[dead].wait()
            for path, expected in tables.items():
                table, stats = client.read_table(path, with_stats=True)
                assert table.equals(expected)
                assert stats[0]["node"] == alive
                assert stats[0]["failovers"] == (1 if primaries[path] == dead else 0)


def test_a_stream_broken_mid_file_resumes_on_the_replica_after_the_rows_delivered(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    rows = 4_000_000  # 32 MB of random doubles: far more than the client's gRPC buffers hold
    expected = pa.table({"k": pa.array(range(rows), pa.int64()), "v": pc.random(rows)})
    pq.write_table(expected, root / "big.parquet", row_group_size=250_000)
    path = f"file://{root}/big.parquet"
    with node_pair(root, tmp_path) as nodes:
        with istziio.connect(list(nodes), parallelism=1, buffer=1) as client:
            owner = client.info(path).endpoints[0].locations[0].uri.decode()
            reader = client.read_batches(path)
            batches = [reader.read_next_batch()]
            nodes[owner].send_signal(signal.SIGKILL)  # the owner dies with the file half sent
            nodes[owner].wait()
            batches.extend(reader)
            got = pa.Table.from_batches(batches, reader.schema)
            stats = client.last_stats
    assert got.equals(expected)
    assert stats[0]["failovers"] == 1
    assert stats[0]["node"] != owner


@pytest.mark.parametrize("when", ["before the first batch", "mid-file"])
def test_a_frozen_owner_is_given_up_after_the_stall_timeout(tmp_path, when):
    """SIGSTOP keeps the owner's connections open while nothing answers: the read pings it after
    the stall timeout, gets no answer and goes on at the replica with every row once. Before the
    first batch, the DoGet itself waits (pyarrow's do_get returns once the schema came) and is
    watched the same way. Every step after the SIGSTOP is bounded: a read held for good fails the
    test instead of hanging it."""
    root = tmp_path / "data"
    root.mkdir()
    rows = 2_000_000 if when == "mid-file" else 10_000  # mid-file: far more than gRPC buffers hold
    expected = pa.table({"k": pa.array(range(rows), pa.int64()), "v": pc.random(rows)})
    pq.write_table(expected, root / "t.parquet", row_group_size=100_000)
    path = f"file://{root}/t.parquet"
    with node_pair(root, tmp_path) as nodes:
        # call_timeout: a cold node's first GetFlightInfo took over 3 s on a loaded machine
        with istziio.connect(list(nodes), parallelism=1, buffer=1, stall_timeout=1.0,
                             call_timeout=10.0) as client:
            owner = client.info(path).endpoints[0].locations[0].uri.decode()
            try:
                if when == "mid-file":
                    reader = client.read_batches(path)
                    batches = [reader.read_next_batch()]
                    nodes[owner].send_signal(signal.SIGSTOP)
                    batches.extend(within(60, lambda: list(reader)))
                    got = pa.Table.from_batches(batches, reader.schema)
                    stats = client.last_stats
                else:
                    nodes[owner].send_signal(signal.SIGSTOP)
                    got, stats = within(60, lambda: client.read_table(path, with_stats=True))
            finally:
                nodes[owner].send_signal(signal.SIGCONT)
    assert got.equals(expected)
    assert stats[0]["node"] != owner
    assert stats[0]["failovers"] == 1


def test_a_slow_owner_that_answers_pings_is_waited_for(tmp_path):
    """A node that sends nothing for longer than the stall timeout but answers a ping is slow, not
    frozen: the read stays with it. A stand-in node (pyarrow's FlightServerBase) holds its one
    stream for three stall timeouts and answers ListActions meanwhile."""
    release = threading.Event()
    table = pa.table({"x": pa.array(range(10), pa.int64())})

    class SlowNode(flight.FlightServerBase):
        def do_get(self, context, ticket):
            release.wait(30)
            return flight.RecordBatchStream(table)

        def list_actions(self, context):
            return []

    with SlowNode("grpc+tcp://127.0.0.1:0") as server:
        location = f"grpc+tcp://127.0.0.1:{server.port}"
        info = flight.FlightInfo(table.schema, flight.FlightDescriptor.for_path("x"),
                                 [flight.FlightEndpoint(json.dumps({"path": "s3://b/x.parquet"}),
                                                        [location])], -1, -1)
        pool = FlightClientPool()
        stalls = StallWatch(pool, 0.5)
        timer = threading.Timer(1.5, release.set)
        timer.start()
        try:
            done = []
            got = pa.Table.from_batches(list(read_endpoints(pool, stalls, info, location, 1, 1,
                                                            done.append)), table.schema)
        finally:
            timer.cancel()
            stalls.close()
            pool.close()
    assert got.equals(table)
    assert done[0][0]["failovers"] == 0
