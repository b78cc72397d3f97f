"""Hot files spread over their owners in the Python package (istziio.spread): the bounded-load rule
with plain numbers, then against the local cluster (three nodes, two owners per path), counting
the requests each node served with the nodes' own stats."""
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

import istziio
from istziio import spread

HELD = 8  # reads of the hot file held open at once


# -- the rule, plain numbers ------------------------------------------------------------------------

def test_the_capacity_is_ceil_of_1_25_times_the_mean_with_this_read_plus_the_slack():
    assert spread.capacity(0, 3, False) == 2
    assert spread.capacity(2, 3, False) == 3
    assert spread.capacity(3, 3, False) == 3
    assert spread.capacity(11, 3, False) == 6
    assert spread.capacity(1, 3, True) == 1  # a path with a read in flight: no slack
    assert spread.capacity(3, 3, True) == 2
    with pytest.raises(ValueError):
        spread.capacity(0, 0, False)


def test_the_choice_matches_the_java_clients():
    assert spread.choose([0, 0], 0, 3, False) == 0  # idle: the primary
    assert spread.choose([2, 0], 2, 3, False) == 0  # two reads of other files do not move a cold file
    assert spread.choose([3, 0], 3, 3, False) == 1  # the primary at capacity 3: the replica
    assert spread.choose([1, 0], 1, 3, True) == 1  # a second read of a path in flight: the replica
    assert spread.choose([5, 5, 0], 10, 4, False) == 2
    assert spread.choose([9, 8], 14, 3, False) == 1  # every owner full: the least loaded
    assert spread.choose([8, 8], 14, 3, False) == 0  # a tie keeps ring order
    loads, chosen = [0, 0], []
    for read in range(HELD):
        owner = spread.choose(loads, sum(loads), 3, read > 0)
        loads[owner] += 1
        chosen.append(owner)
    assert chosen == [0, 1, 0, 1, 0, 1, 0, 1]  # as OwnerChoiceTest has it


def test_the_order_is_the_chosen_owner_then_the_rest_in_ring_order():
    load = spread.NodeLoad()
    assert load.order(["a", "b", "c"], "p", ["a", "b", "c"]) == ["a", "b", "c"]
    for _ in range(3):
        load.started("a", "other")
    assert load.order(["a", "b", "c"], "p", ["a", "b", "c"]) == ["b", "a", "c"]
    load.finished("a", "other")
    assert load.order(["a", "b", "c"], "p", ["a", "b", "c"]) == ["a", "b", "c"]
    assert load.in_flight("a") == 2 and load.in_flight("z") == 0
    load.started("a", "p")  # p is being read: the next read of p goes on to b
    assert load.order(["a", "b", "c"], "p", ["a", "b", "c"]) == ["b", "a", "c"]
    assert load.reading("p") == 1 and load.reading("other") == 2


# -- the cluster ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3(cluster):
    endpoint = cluster["ISTZIIO_S3_ENDPOINT"]
    return pafs.S3FileSystem(access_key=cluster["AWS_ACCESS_KEY_ID"],
                             secret_key=cluster["AWS_SECRET_ACCESS_KEY"],
                             endpoint_override=endpoint.split("://", 1)[1],
                             scheme=endpoint.split("://", 1)[0], region=cluster["ISTZIIO_S3_REGION"])


def put(s3, key, rows=4000):
    """A file of 20 row groups at s3://data/KEY (the node streams it in many batches)."""
    table = pa.table({"id": pa.array(range(rows), pa.int64())})
    pq.write_table(table, f"data/{key}", filesystem=s3, row_group_size=rows // 20)
    return f"s3://data/{key}", table


def served(client):
    """DoGets each node has received so far (its stats' doGets; GetFlightInfo not counted)."""
    return {m["location"]: client.node_stats(m["location"])["doGets"] for m in client.ring()["members"]}


def since(before, after):
    return {node: after[node] - before[node] for node in after}


def held_reads(client, path, expected):
    """HELD reads of `path` started one after another, each holding its stream open (its reading
    thread waits for room for its next batch) until all have started, so that each chooses its
    owner with the earlier ones in flight; then each is read to the end. The node of each."""
    readers = []
    for _ in range(HELD):
        reader = client.read_batches(path)
        readers.append((reader, [reader.read_next_batch()]))
    nodes = []
    for reader, batches in readers:
        batches.extend(reader)
        assert pa.Table.from_batches(batches, reader.schema).equals(expected)
        stats = client.last_stats
        assert stats[0]["failovers"] == 0
        nodes.append(stats[0]["node"])
    return nodes


def connect(cluster, **flags):
    # One file at a time and one batch ahead: a held reader keeps its stream open.
    return istziio.connect(cluster["ISTZIIO_NODE"].split(","), parallelism=1, buffer=1, **flags)


def test_a_hot_file_read_many_at_once_is_served_by_both_owners(cluster, s3):
    path, expected = put(s3, "spread/hot.parquet")
    with connect(cluster) as client:
        primary, replica = [loc.uri.decode() for loc in client.info(path).endpoints[0].locations]
        before = served(client)
        nodes = held_reads(client, path, expected)
        delta = since(before, served(client))
    assert nodes == [primary, replica] * (HELD // 2)  # from the second read on, the path is hot
    assert delta[primary] == 4 and delta[replica] == 4, delta
    assert sum(delta.values()) == HELD, delta


def test_without_spreading_every_read_goes_to_the_primary(cluster, s3):
    path, expected = put(s3, "spread/hot-off.parquet")
    with connect(cluster, spread=False) as client:
        primary = client.info(path).endpoints[0].locations[0].uri.decode()
        before = served(client)
        nodes = held_reads(client, path, expected)
        delta = since(before, served(client))
    assert nodes == [primary] * HELD
    assert delta[primary] == HELD, delta


def test_cold_files_read_one_at_a_time_stay_on_their_primary(cluster, s3):
    files = dict(put(s3, f"spread/cold-{i}.parquet", rows=1000) for i in range(12))
    with connect(cluster) as client:
        primaries = {p: client.info(p).endpoints[0].locations[0].uri.decode() for p in files}
        before = served(client)
        for path, expected in files.items():
            table, stats = client.read_table(path, with_stats=True)
            assert table.equals(expected)
            assert stats[0]["node"] == primaries[path]
        delta = since(before, served(client))
    expected_counts = {node: sum(1 for p in primaries.values() if p == node) for node in delta}
    assert delta == expected_counts
    assert len(set(primaries.values())) > 1, "twelve paths spread over more than one primary"
