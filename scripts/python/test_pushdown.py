"""Predicate pushdown as a Python user meets it: pyarrow.flight against a real node.

Each result is checked against pyarrow's own evaluation of the same predicate on the same file.
"""
import base64
import datetime
import decimal

import pyarrow.compute as pc
import pytest
import pyarrow.parquet as pq
import pyarrow.substrait as substrait

from istziio_example import read


def expected(dataset, expression, columns):
    table = pq.read_table(dataset / "sample-000.parquet")
    return table.filter(expression).select(columns)


def uri(dataset):
    return (dataset / "sample-000.parquet").as_uri()


def test_filter_string(node, dataset):
    columns = ["id", "name", "unit price"]
    table, stats = read(node, uri(dataset), columns=columns,
                        filter="\"unit price\" >= 990.5 AND name IS NOT NULL OR id IN (1, 2, 3)")
    want = expected(dataset, ((pc.field("unit price") >= decimal.Decimal("990.50"))
                              & pc.field("name").is_valid()) | pc.field("id").isin([1, 2, 3]), columns)
    assert table.num_rows > 0
    assert table.sort_by("id").equals(want.sort_by("id"))
    assert stats["rows"] == want.num_rows


def test_filter_on_dates_and_timestamps(node, dataset):
    table, _ = read(node, uri(dataset), columns=["id"],
                    filter="ts < TIMESTAMP '2024-01-01 02:00:00' AND day >= DATE '1970-01-10'")
    start = datetime.datetime(2024, 1, 1, 2, tzinfo=datetime.timezone.utc)
    want = expected(dataset, (pc.field("ts") < start) & (pc.field("day") >= datetime.date(1970, 1, 10)),
                    ["id"])
    assert table.num_rows > 0
    assert table.sort_by("id").equals(want.sort_by("id"))


def test_substrait_expression_built_by_pyarrow(node, dataset):
    schema = pq.read_schema(dataset / "sample-000.parquet")  # the file's columns, in file order
    predicate = (pc.field("id") >= 1000) & (pc.field("id") < 1200) & (pc.field("small") > -400)
    blob = substrait.serialize_expressions([predicate], ["filter"], schema)
    table, stats = read(node, uri(dataset), columns=["id", "small"],
                        substrait=base64.b64encode(bytes(blob)).decode())
    want = expected(dataset, predicate, ["id", "small"])
    assert table.num_rows > 0
    assert table.sort_by("id").equals(want.sort_by("id"))
    assert stats["rowGroupsSkipped"] == -1  # the node cannot read another tool's expression


def test_bad_filter_is_a_clear_error(node, dataset):
    import pyarrow as pa
    with pytest.raises(pa.ArrowInvalid, match="filter does not parse at position 4"):  # INVALID_ARGUMENT
        read(node, uri(dataset), filter="id >")
