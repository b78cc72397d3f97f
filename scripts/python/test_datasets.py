"""Datasets as a pyarrow user meets them: a hive-partitioned dataset written by
pyarrow.dataset.write_dataset into a directory a real node serves, read through pyarrow.flight
(GetFlightInfo of the dataset ticket, then DoGet of every endpoint, concatenated) and compared with
pyarrow.dataset.dataset(dir, partitioning="hive").to_table(...) of the same directory: same schema,
same rows in any order, with and without filters and projections."""
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.flight as flight
import pytest

from conftest import running_node

ROWS = 1200


@pytest.fixture(scope="module")
def hive(tmp_path_factory):
    """A dataset partitioned by year (int32) and city (a space, and a null), several files each."""
    root = tmp_path_factory.mktemp("datasets")
    rng = np.random.default_rng(12)
    table = pa.table({
        "id": pa.array(range(ROWS), pa.int64()),
        "v": pa.array(rng.random(ROWS)),
        "name": pa.array([f"n{i % 17}" if i % 11 else None for i in range(ROWS)]),
        "year": pa.array([2021 + i % 3 for i in range(ROWS)], pa.int32()),
        "city": pa.array([["b c", "x", None][i % 5 % 3] for i in range(ROWS)]),
    })
    data = root / "sales"
    ds.write_dataset(table, data, format="parquet", max_rows_per_file=70,
                     max_rows_per_group=70, partitioning=["year", "city"],
                     partitioning_flavor="hive")
    (data / "_SUCCESS").write_bytes(b"")  # ignored by both
    with running_node(root, tmp_path_factory) as location:
        yield location, data


def read_dataset(location, ticket):
    client = flight.connect(location)
    info = client.get_flight_info(flight.FlightDescriptor.for_command(json.dumps(ticket)))
    tables = [client.do_get(endpoint.ticket).read_all() for endpoint in info.endpoints]
    return info, pa.concat_tables(tables) if tables else info.schema.empty_table()


@pytest.mark.parametrize("columns,flt,expr", [
    (None, None, None),
    (["city", "v", "year", "id"], None, None),
    (None, "year = 2022", pc.field("year") == 2022),
    (["id", "year"], "year >= 2022 AND v > 0.5", (pc.field("year") >= 2022) & (pc.field("v") > 0.5)),
    (["id", "city", "name"], "city IS NULL OR city = 'b c'",
     pc.field("city").is_null() | (pc.field("city") == "b c")),
    (["id", "v"], "NOT (city = 'x') AND name IS NOT NULL",
     ~(pc.field("city") == "x") & pc.field("name").is_valid()),
])
def test_reads_as_pyarrow_dataset(hive, columns, flt, expr):
    location, data = hive
    ticket = {"path": data.as_uri() + "/"}
    if columns:
        ticket["columns"] = columns
    if flt:
        ticket["filter"] = flt
    info, got = read_dataset(location, ticket)
    expected = ds.dataset(data, partitioning="hive").to_table(columns=columns, filter=expr)
    assert got.schema.equals(expected.schema, check_metadata=False), (got.schema, expected.schema)
    assert info.schema.equals(expected.schema, check_metadata=False)
    key = "id"
    assert got.sort_by(key).equals(expected.sort_by(key))


def test_partition_filter_omits_files(hive):
    location, data = hive
    every, _ = read_dataset(location, {"path": data.as_uri() + "/"})
    pruned, got = read_dataset(location, {"path": data.as_uri() + "/", "filter": "year = 2023"})
    files = ds.dataset(data, partitioning="hive").files
    assert len(every.endpoints) == len(files)
    assert len(pruned.endpoints) == len([f for f in files if "/year=2023/" in f])
    assert set(got.column("year").to_pylist()) == {2023}


def test_glob(hive):
    location, data = hive
    info, got = read_dataset(location, {"path": data.as_uri() + "/*/city=x/*.parquet"})
    expected = ds.dataset(data, partitioning="hive").to_table(filter=pc.field("city") == "x")
    assert len(info.endpoints) == len([f for f in ds.dataset(data).files if "/city=x/" in f])
    # Below the glob's listing prefix both levels are partitions, as with the prefix.
    assert got.sort_by("id").equals(expected.sort_by("id"))


def test_dataset_ticket_is_refused_by_doget(hive):
    location, data = hive
    client = flight.connect(location)
    with pytest.raises(pa.ArrowInvalid) as raised:
        client.do_get(flight.Ticket(json.dumps({"path": data.as_uri() + "/"}))).read_all()
    assert "call GetFlightInfo and DoGet each endpoint's ticket" in str(raised.value)


@pytest.mark.parametrize("values", [
    ["007", "-3", "2147483647"],          # int32
    ["1", "2147483648"],                  # past int32: string
    ["+5", "6"],                          # a sign pyarrow does not take: string
    ["1%32", "__HIVE_DEFAULT_PARTITION__"],  # decoded before typing ("12"); null
    ["a%20b", "%C3%BC"],                  # URI-decoded strings
])
def test_partition_typing_matches_pyarrow(tmp_path_factory, values):
    import pyarrow.parquet as pq
    root = tmp_path_factory.mktemp("typing")
    for i, value in enumerate(values):
        (root / f"k={value}").mkdir()
        pq.write_table(pa.table({"i": [i]}), root / f"k={value}" / "f.parquet")
    with running_node(root, tmp_path_factory) as location:
        info, got = read_dataset(location, {"path": root.as_uri() + "/"})
    expected = ds.dataset(root, partitioning="hive").to_table()
    assert got.schema.equals(expected.schema, check_metadata=False), (got.schema, expected.schema)
    assert got.sort_by("i").equals(expected.sort_by("i"))
