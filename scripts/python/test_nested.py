"""Nested columns as a pyarrow user meets them: each selection read through a real node is compared
with pq.read_table(file, columns=[...]) on the same file (schema and values), and a file whose
footer says 0 rows while its row groups hold 6 is counted by its row groups.

pyarrow's read_table resolves a name that is not a top-level column as a dotted path into structs
and returns the field as a top-level column named after the last part ("s.t.b" gives "b"); it
refuses paths into lists and maps. The node does the same.
"""
import json
import struct

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

from conftest import running_node
from istziio_example import read

STRUCTS = pa.table({
    "id": pa.array([1, 2, 3, 4], pa.int64()),
    "s": pa.array([
        {"a": 1, "b": "x", "t": {"b": 1.5, "c": True}},
        {"a": 2, "b": None, "t": None},
        None,
        {"a": 4, "b": "w", "t": {"b": None, "c": False}},
    ], pa.struct([("a", pa.int64()), ("b", pa.string()),
                  ("t", pa.struct([("b", pa.float64()), ("c", pa.bool_())]))])),
    "s.a": pa.array([10, 20, 30, 40], pa.int64()),  # a top-level column whose name has a dot
})

LISTS = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "l": pa.array([[{"x": 1, "y": "p"}, {"x": 2, "y": None}], [], None],
                  pa.list_(pa.struct([("x", pa.int64()), ("y", pa.string())]))),
    "m": pa.array([[("k", 1), ("j", None)], [], None], pa.map_(pa.string(), pa.int64())),
    "deep": pa.array([{"m": [("a", [{"v": 1}])]}, None, {"m": []}],
                     pa.struct([("m", pa.map_(pa.string(), pa.list_(pa.struct([("v", pa.int32())]))))])),
})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("nested")
    pq.write_table(STRUCTS, root / "structs.parquet", row_group_size=2)
    pq.write_table(LISTS, root / "lists.parquet")
    pq.write_table(pa.table({"x": list(range(6))}), root / "rows.parquet", row_group_size=4)
    with_file_rows(root / "rows.parquet", root / "zero-rows.parquet", 6, 0)
    return root


@pytest.fixture(scope="module")
def location(files, tmp_path_factory):
    with running_node(files, tmp_path_factory) as node:
        yield node


def with_file_rows(source, target, rows, new_rows):
    """Copies a Parquet file with the footer's num_rows field (FileMetaData field 3, a zigzag
    varint in Thrift's compact protocol) changed from `rows` to `new_rows`, both below 64 so that
    each is one byte; the row groups keep their counts."""
    data = bytearray(source.read_bytes())
    (length,) = struct.unpack("<i", data[-8:-4])
    start = len(data) - 8 - length
    # field 3 (delta 1 after the schema, type i64 = 6), the value, then field 4's list header (0x19)
    pattern = bytes([0x16, rows * 2, 0x19])
    footer = bytes(data[start:len(data) - 8])
    assert footer.count(pattern) == 1, "num_rows not found once in the footer"
    data[start + footer.index(pattern) + 1] = new_rows * 2
    target.write_bytes(bytes(data))


def expected(path, columns):
    return pq.read_table(path, columns=columns)


def same(got, want):
    """Same fields (names, types, nullability) and the same values; schema metadata aside."""
    assert got.schema.remove_metadata() == want.schema.remove_metadata()
    assert [column.to_pylist() for column in got.columns] == \
        [column.to_pylist() for column in want.columns]


@pytest.mark.parametrize("columns", [
    ["s.b"],                    # a struct's field: comes back as a top-level column "b"
    ["s.t.b"],                  # two structs deep
    ["s.t"],                    # a struct inside a struct, whole
    ["s.b", "id", "s.t.c"],     # fields of one struct and a plain column, in the order asked
    ["s.t.c", "s.b"],           # two fields sharing a parent, order reversed
    ["s.a"],                    # the top-level column named "s.a", not field a of s
    [".s.a"],                   # a leading dot: always a path, so field a of s
    ["s[0]", "s[2].c"],         # fields by position
    ["s", "s.a"],
    ["s.b", "s.t.b"],           # two fields that both come back named "b"
])
def test_struct_selection_matches_read_table(location, files, columns):
    path = files / "structs.parquet"
    table, stats = read(location, path.as_uri(), columns=columns)
    same(table, expected(path, columns))
    info = flight.connect(location).get_flight_info(
        flight.FlightDescriptor.for_command(json.dumps({"path": path.as_uri(), "columns": columns})))
    assert info.schema.remove_metadata() == table.schema.remove_metadata()
    assert info.total_records == STRUCTS.num_rows
    assert stats["rows"] == STRUCTS.num_rows


def test_struct_fields_with_a_filter_on_a_top_level_column(location, files):
    path = files / "structs.parquet"
    table, stats = read(location, path.as_uri(), columns=["s.t.b", "s.b"], filter="id > 2")
    same(table, pq.read_table(path, columns=["s.t.b", "s.b"], filters=pc.field("id") > 2))
    assert table.num_rows == 2
    assert stats["rowGroupsSkipped"] == 1  # row groups of ids 1-2 and 3-4


@pytest.mark.parametrize("columns", [["l"], ["m"], ["deep"], ["deep.m"], ["id", "l", "m", "deep"]])
def test_lists_and_maps_whole_match_read_table(location, files, columns):
    path = files / "lists.parquet"
    table, _ = read(location, path.as_uri(), columns=columns)
    same(table, expected(path, columns))


@pytest.mark.parametrize("column, inside", [
    ("l.element.x", "l"), ("l.list.element.x", "l"), ("l.x", "l"), ("m.key", "m"),
    ("m.key_value.key", "m"), ("deep.m.key", "deep.m"),
])
def test_paths_into_lists_and_maps_are_refused_as_by_read_table(location, files, column, inside):
    path = files / "lists.parquet"
    with pytest.raises((pa.ArrowInvalid, pa.ArrowNotImplementedError)):
        expected(path, [column])
    kind = "map" if inside.endswith("m") else "list"
    with pytest.raises(pa.ArrowInvalid,  # INVALID_ARGUMENT
                       match=f'"{inside}" is a {kind}, whose values cannot be selected by name'):
        read(location, path.as_uri(), columns=[column])


def test_a_missing_field_names_the_struct_and_its_fields(location, files):
    path = files / "structs.parquet"
    with pytest.raises(pa.ArrowInvalid,
                       match=f'unknown column "s.t.z" in {path.as_uri()}: struct "s.t" has no field '
                             '"z"; its fields are: b, c'):
        read(location, path.as_uri(), columns=["s.t.z"])
    table, _ = read(location, path.as_uri(), columns=["s.a"])  # and the node keeps serving
    assert table.num_rows == STRUCTS.num_rows


def test_total_records_come_from_the_row_groups(location, files):
    path = files / "zero-rows.parquet"
    metadata = pq.read_metadata(path)
    assert metadata.num_rows == 0
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 2]
    info = flight.connect(location).get_flight_info(flight.FlightDescriptor.for_path(path.as_uri()))
    assert info.total_records == 6
    table, stats = read(location, path.as_uri())
    same(table, pq.read_table(path))
    assert table.num_rows == 6 and stats["rowsScanned"] == 6
