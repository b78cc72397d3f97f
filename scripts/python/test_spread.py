"""Hot files spread over their owners in the Python package (istziio.spread): the bounded-load rule
with plain numbers, then against the local cluster (three nodes, two owners per path), counting
the requests each node served with the nodes' own stats."""
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import istziio
from istziio import spread

HELD = 8  # reads of the hot file held open at once


# -- the rule, plain numbers (as OwnerChoiceTest has them) --------------------------------------

def test_the_capacity_is_ceil_of_1_25_times_the_mean_with_this_read():
    assert spread.capacity(0, 3) == 1
    assert spread.capacity(2, 3) == 2
    assert spread.capacity(3, 3) == 2
    assert spread.capacity(11, 3) == 5
    assert spread.capacity(63, 3) == 27  # a full window
    assert spread.capacity(1, 1) == 3
    with pytest.raises(ValueError):
        spread.capacity(0, 0)
    with pytest.raises(ValueError):
        spread.capacity(-1, 3)


def test_the_choice_matches_the_java_clients():
    assert spread.choose([50, 0], 63, 3, False) == 0  # not hot: the primary, however busy
    assert spread.choose([1, 0], 3, 3, True) == 0  # hot, the primary below capacity 2
    assert spread.choose([2, 0], 3, 3, True) == 1  # the primary at capacity 2: the replica
    assert spread.choose([27, 0, 0], 63, 3, True) == 1
    assert spread.choose([20, 20, 0], 63, 4, True) == 2
    assert spread.choose([33, 30], 63, 3, True) == 1  # every owner full: the fewest recent reads
    assert spread.choose([31, 31], 63, 3, True) == 0  # a tie keeps ring order
    with pytest.raises(ValueError):
        spread.choose([], 0, 3, True)


def read_once(load, owners, path):
    first = load.order(owners, path, ["a", "b", "c"])[0]
    load.finished(path)
    return first


def test_held_reads_of_one_file_alternate_between_its_owners():
    load = spread.NodeLoad()
    chosen = [load.order(["a", "b"], "p", ["a", "b", "c"])[0] for _ in range(HELD)]
    assert chosen == ["a", "b"] * (HELD // 2)
    assert load.reading("p") == HELD


def test_a_file_read_one_at_a_time_spreads_evenly_over_its_owners():
    load = spread.NodeLoad()
    chosen = []
    for read in range(200):
        chosen.append(read_once(load, ["a", "b"], "p"))
        assert abs(load.recent("a") - load.recent("b")) <= 2
    assert chosen[:spread.WINDOW] == ["a", "b"] * (spread.WINDOW // 2)
    # the reads that repeat the previous owner: where a read leaving the window left a tie, as in Java
    assert [i for i in range(1, 200) if chosen[i] == chosen[i - 1]] == [65, 130, 195]
    assert load.recent_reads() == spread.WINDOW


def test_files_read_once_each_stay_on_their_primary_however_busy_it_is():
    load = spread.NodeLoad()
    assert all(read_once(load, ["a", "b"], f"cold-{i}") == "a" for i in range(40))
    assert load.recent("a") == 40


def test_the_order_is_the_chosen_owner_then_the_rest_in_ring_order():
    load = spread.NodeLoad()
    assert read_once(load, ["a", "b", "c"], "p") == "a"  # cold: the primary
    read_once(load, ["a"], "other")
    read_once(load, ["a"], "other")
    # p is hot; a took all 3 reads, capacity ceil(1.25 * 4/3) = 2: b, then a and c in ring order
    assert load.order(["a", "b", "c"], "p", ["a", "b", "c"]) == ["b", "a", "c"]
    load.finished("p")
    assert load.order(["a", "b", "c"], "q", ["a", "b", "c"]) == ["a", "b", "c"]  # never read
    load.finished("q")
    assert load.order([], "p", ["a"]) == [] and load.recent_reads() == 5


def test_a_file_with_a_read_in_flight_is_hot_after_it_left_the_window():
    load = spread.NodeLoad()
    load.order(["a", "b"], "p", ["a", "b", "c"])  # held open
    for i in range(spread.WINDOW):
        read_once(load, ["a"], f"other-{i}")
    assert load.recent("a") == spread.WINDOW and load.hot("p")
    assert load.order(["a", "b"], "p", ["a", "b", "c"]) == ["b", "a"]
    load.finished("p")
    load.finished("p")
    assert load.reading("p") == 0 and load.hot("p")  # its second read is in the window
    for i in range(spread.WINDOW):
        read_once(load, ["a"], f"more-{i}")
    assert not load.hot("p")
    assert load.order(["a", "b"], "p", ["a", "b", "c"]) == ["a", "b"]  # cold again: the primary


def test_the_mean_counts_every_known_node_not_only_the_owners():
    load = spread.NodeLoad()
    for _ in range(3):
        read_once(load, ["a", "b"], "p")  # a, b, a
    assert load.order(["a", "b"], "p", ["a", "b", "c"]) == ["b", "a"]  # capacity 2 over 3 nodes
    load.finished("p")
    assert load.order(["a", "b"], "p", []) == ["a", "b"]  # over the 2 owners: capacity 4
    load.finished("p")


def test_reads_starting_together_are_chosen_one_at_a_time():
    load = spread.NodeLoad()
    go = threading.Barrier(8)
    chosen = []

    def start():
        go.wait()
        first = load.order(["a", "b"], "p", ["a", "b", "c"])[0]
        with lock:
            chosen.append(first)

    lock = threading.Lock()
    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(chosen) == ["a"] * 4 + ["b"] * 4


# The placement of ZipfSpreadSimulationTest's 20 paths (s3://data/spread/measured/NNNNN.parquet) on
# the ring n1, n2, n3 with two owners, primary first, as the Java ring computes it.
PLACEMENT = [("n1", "n3"), ("n1", "n2"), ("n2", "n1"), ("n3", "n1"), ("n2", "n3"), ("n3", "n2"),
             ("n1", "n2"), ("n3", "n2"), ("n3", "n2"), ("n3", "n1"), ("n1", "n3"), ("n3", "n1"),
             ("n1", "n2"), ("n3", "n2"), ("n3", "n1"), ("n2", "n1"), ("n1", "n3"), ("n2", "n3"),
             ("n3", "n1"), ("n3", "n1")]
_MASK = (1 << 64) - 1


def zipf_trace(seed, files=20, reads=1000, s=1.2):
    """ZipfSpreadSimulationTest's trace: SplitMix64 uniforms through the cumulative Zipf weights."""
    cumulative, total = [], 0.0
    for k in range(files):
        total += 1 / (k + 1) ** s
        cumulative.append(total)
    state, trace = seed, []
    for _ in range(reads):
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        z ^= z >> 31
        uniform = (z >> 11) * 2.0 ** -53
        k = 0
        while k < files - 1 and cumulative[k] <= uniform * total:
            k += 1
        trace.append(k)
    return trace


def test_a_zipf_trace_gives_the_java_clients_counts():
    trace = zipf_trace(42)
    counts = {}
    for on in (False, True):
        load, served = spread.NodeLoad(), {"n1": 0, "n2": 0, "n3": 0}
        for file in trace:
            owners, path = list(PLACEMENT[file]), f"{file:05d}"
            first = load.order(owners, path, ["n1", "n2", "n3"])[0] if on else owners[0]
            load.finished(path)
            served[first] += 1
        counts[on] = served
    print(f"Zipf 1.2, 1000 reads, 20 files, 3 nodes: off {counts[False]}, on {counts[True]}")
    assert counts[False] == {"n1": 596, "n2": 153, "n3": 251}  # as ZipfSpreadSimulationTest has it
    assert counts[True] == {"n1": 421, "n2": 222, "n3": 357}
    assert max(counts[True].values()) / (1000 / 3) <= 1.3


# -- the cluster ----------------------------------------------------------------------------------

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


def test_a_file_read_repeatedly_one_at_a_time_spreads_over_its_owners(cluster, s3):
    path, expected = put(s3, "spread/repeated.parquet")
    with connect(cluster) as client:
        primary, replica = [loc.uri.decode() for loc in client.info(path).endpoints[0].locations]
        before = served(client)
        nodes = []
        for _ in range(HELD):  # each read ends before the next starts
            table, stats = client.read_table(path, with_stats=True)
            assert table.equals(expected)
            nodes.append(stats[0]["node"])
        delta = since(before, served(client))
    # nothing in flight, but the file is in the window of recent requests from its first read on
    assert nodes == [primary, replica] * (HELD // 2)
    assert delta[primary] == 4 and delta[replica] == 4, delta


def test_cold_files_read_one_at_a_time_stay_on_their_primary(cluster, s3):
    files = dict(put(s3, f"spread/cold-{i}.parquet", rows=1000) for i in range(12))
    with connect(cluster) as client:
        primaries = {p: client.info(p).endpoints[0].locations[0].uri.decode() for p in files}
        before = served(client)
        for path, expected in files.items():  # each once: not in the window before its read
            table, stats = client.read_table(path, with_stats=True)
            assert table.equals(expected)
            assert stats[0]["node"] == primaries[path]
        delta = since(before, served(client))
    expected_counts = {node: sum(1 for p in primaries.values() if p == node) for node in delta}
    assert delta == expected_counts
    assert len(set(primaries.values())) > 1, "twelve paths spread over more than one primary"
