"""Conformance: every kind of Parquet file pyarrow writes comes back through a node exactly as
`pyarrow.parquet.read_table` reads the same file.

The files are generated here, into a temporary directory served by two nodes: one with the memory
tier (the first read decodes the file and is served from that decode, the second is a hit on the
cached batches) and one with `--memory-size 0` (every read scanned from the disk copy). For each
file: GetFlightInfo's schema, `total_records` and `total_bytes` against the footer, the whole file
through both nodes, then each top-level column alone. Types are compared exactly (schema equality,
field names, nullability and metadata included), after the documented widening of view and
decimal32/64 types (`sent`); float columns bit for bit (NaN, -0.0); dictionary columns
by type and decoded values, since a stream may cut its dictionaries differently from the file's row
groups. A brotli file, which the bundled engine cannot decode, must be refused UNIMPLEMENTED naming
the codec by both GetFlightInfo and DoGet, and the node must keep serving.

Left out: types pyarrow cannot write to Parquet (month_day_nano_interval, unions, run-end encoded),
and files pyarrow cannot read back (a null fixed-size list; duplicate column names).
"""
import decimal
import json

import numpy as np
import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

from conftest import running_node

ROWS = 20  # rows of each small file; written in row groups of 7, so three of them


def cycle(values, n=ROWS):
    return [values[i % len(values)] for i in range(n)]


def ints(kind):
    bits = kind.bit_width
    low, high = (0, 2**bits - 1) if pa.types.is_unsigned_integer(kind) else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return pa.array(cycle([low, high, 0, 1, None, high - 1, 7]), kind)


FLOATS = [0.0, -0.0, 1.5, float("nan"), float("inf"), float("-inf"), None, 1.1, -3.25e10, 5e-324]


def floats(kind):
    if kind == pa.float16():
        values = [None if v is None else np.float16(v) for v in FLOATS[:-2]] + [np.float16(6e-8)]
        return pa.array(cycle(values), kind)
    if kind == pa.float32():
        return pa.array(cycle(FLOATS[:-1] + [1e-45]), kind)
    return pa.array(cycle(FLOATS), kind)


def decimals(kind):
    digits = kind.precision - kind.scale
    big = decimal.Decimal("9" * digits + "." + "9" * kind.scale) if kind.scale else decimal.Decimal("9" * digits)
    tiny = decimal.Decimal(1).scaleb(-kind.scale)
    return pa.array(cycle([big, big.copy_negate(), decimal.Decimal(0), tiny, None, tiny.copy_negate()]), kind)


TEXT = ["", "a", "héllo wörld", "日本語テキスト", None, "x" * 1000, "with\x00nul", "a"]
BYTES = [b"", b"\x00\xff", b"abc", None, bytes(range(256)), b"abc"]


def timestamps(unit, tz):
    # Instants every unit can hold: before 1970, at 0, a DST change in New York, a fraction of a second.
    base = [-86_400 * 365 * 20, 0, 1_710_054_000, 1_700_000_000, None, 253_402_300_799 // 100]
    scale = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    values = [None if v is None else v * scale + (scale // 3 if i % 2 else 0) for i, v in enumerate(base)]
    return pa.array(cycle(values), pa.timestamp(unit, tz))


def times(kind):
    scale = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
    return pa.array(cycle([0, None, 86_399 * scale + (scale - 1), 12 * 3600 * scale + scale // 7]), kind)


def durations(unit):
    return pa.array(cycle([0, -1, 2**62, -(2**62), None, 86_400]), pa.duration(unit))


def with_id(column, extra=None):
    columns = {"id": pa.array(range(len(column)), pa.int64()), "v": column}
    columns.update(extra or {})
    return pa.table(columns)


MAP3 = pa.map_(pa.string(), pa.map_(pa.string(), pa.map_(pa.string(), pa.int32())))


def map3():
    inner = [("x", 1), ("y", None)]
    middle = [("m", inner), ("n", [])]
    return pa.array(cycle([[("a", middle), ("b", None)], None, [], [("c", [("o", None)])]]), MAP3)


def struct_list_map():
    kind = pa.struct([("name", pa.string()),
                      ("tags", pa.list_(pa.map_(pa.int32(), pa.list_(pa.struct([("k", pa.string())])))))])
    value = {"name": "n", "tags": [[(1, [{"k": "a"}, None]), (2, None)], None, []]}
    return pa.array(cycle([value, None, {"name": None, "tags": None}, {"name": "m", "tags": []}]), kind)


def lists():
    return pa.array(cycle([[1, 2, None], [], None, [2**31 - 1]]), pa.list_(pa.int32()))


# name -> (table, pq.write_table keywords). Each is one file and its own test ids.
TYPES = {
    **{f"int-{t}": ints(getattr(pa, t)()) for t in
       ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]},
    **{f"float-{t}": floats(getattr(pa, t)()) for t in ["float16", "float32", "float64"]},
    "decimal32-9-2": decimals(pa.decimal32(9, 2)),
    "decimal64-18-3": decimals(pa.decimal64(18, 3)),
    "decimal128-5-2": decimals(pa.decimal128(5, 2)),  # stored as INT32
    "decimal128-18-6": decimals(pa.decimal128(18, 6)),  # INT64
    "decimal128-38-10": decimals(pa.decimal128(38, 10)),  # FIXED_LEN_BYTE_ARRAY
    "decimal128-20-0": decimals(pa.decimal128(20, 0)),
    "decimal256-76-30": decimals(pa.decimal256(76, 30)),
    "bool": pa.array(cycle([True, False, None, True]), pa.bool_()),
    "string": pa.array(cycle(TEXT), pa.string()),
    "large-string": pa.array(cycle(TEXT), pa.large_string()),
    "string-view": pa.array(cycle(TEXT), pa.string_view()),
    "binary": pa.array(cycle(BYTES), pa.binary()),
    "large-binary": pa.array(cycle(BYTES), pa.large_binary()),
    "binary-view": pa.array(cycle(BYTES), pa.binary_view()),
    "fixed-size-binary": pa.array(cycle([b"0123456789abcdef", None, bytes(16)]), pa.binary(16)),
    "uuid": pa.array(cycle([b"0123456789abcdef", None, bytes(16)]), pa.uuid()),
    "json": pa.array(cycle(['{"a": 1}', None, "[]"]), pa.json_()),
    "date32": pa.array(cycle([0, -719_162, 2_932_896, None, 19_000]), pa.date32()),
    "date64": pa.array(cycle([0, -86_400_000 * 365, None, 19_000 * 86_400_000]), pa.date64()),
    **{f"time32-{u}": times(pa.time32(u)) for u in ["s", "ms"]},
    **{f"time64-{u}": times(pa.time64(u)) for u in ["us", "ns"]},
    **{f"timestamp-{u}-{(tz or 'naive').replace('/', '_').replace(':', '')}": timestamps(u, tz)
       for u in ["s", "ms", "us", "ns"] for tz in [None, "UTC", "America/New_York", "+05:30"]},
    **{f"duration-{u}": durations(u) for u in ["s", "ms", "us", "ns"]},
    "null": pa.nulls(ROWS),
    "list": lists(),
    "large-list": pa.array(cycle([["a", None], [], None, ["b" * 50]]), pa.large_list(pa.string())),
    # No null list: pyarrow 25 writes one but cannot read it back ("Expected all lists to be of size=3").
    "fixed-size-list": pa.array(cycle([[1.0, None, 3.0], [0.0, -0.0, 2.5]]), pa.list_(pa.float64(), 3)),
    "list-view": pa.array(cycle([[1, 2], [], None, [3]]), pa.list_view(pa.int32())),
    "large-list-view": pa.array(cycle([[1, 2], [], None, [3]]), pa.large_list_view(pa.int32())),
    "list-of-lists": pa.array(cycle([[[1], [], None], None, [[2, None]]]), pa.list_(pa.list_(pa.int64()))),
    "struct": pa.array(cycle([{"a": 1, "b": "x"}, None, {"a": None, "b": None}, {"a": -5, "b": ""}]),
                       pa.struct([("a", pa.int32()), ("b", pa.string())])),
    "struct-of-struct": pa.array(
        cycle([{"s": {"x": 1.5, "y": ["p", None]}}, {"s": None}, None, {"s": {"x": None, "y": []}}]),
        pa.struct([("s", pa.struct([("x", pa.float64()), ("y", pa.list_(pa.string()))]))])),
    "list-of-structs": pa.array(cycle([[{"a": 1, "b": "x"}, None], None, []]),
                                pa.list_(pa.struct([("a", pa.int32()), ("b", pa.string())]))),
    "map": pa.array(cycle([[("a", 1), ("b", None)], None, [], [("c", 3)]]), pa.map_(pa.string(), pa.int32())),
    "map-nested-three-deep": map3(),
    "struct-list-map-list-struct": struct_list_map(),
}

DICTIONARY = {
    "dict-string": pa.array(cycle(["a", "b", None, "a", "c"])).dictionary_encode(),
    "dict-int8-string": pa.DictionaryArray.from_arrays(pa.array(cycle([0, 1, None, 1]), pa.int8()),
                                                       pa.array(["lo", "hi"])),
    "dict-large-string": pa.array(cycle(["a", "b", None]), pa.large_string()).dictionary_encode(),
    "dict-binary": pa.array(cycle([b"a", b"\x00", None]), pa.binary()).dictionary_encode(),
    "dict-int64": pa.array(cycle([5, 6, None, 5]), pa.int64()).dictionary_encode(),
    "dict-in-struct": pa.StructArray.from_arrays([pa.array(cycle(["a", "b", None, "a"])).dictionary_encode()], ["d"]),
    "dict-in-list": pa.array(cycle([["p", None], [], None, ["q", "p"]]), pa.list_(pa.dictionary(pa.int32(), pa.string()))),
}


def files():
    """Every generated file: name -> (table, write keywords)."""
    out = {}
    for name, column in TYPES.items():
        out[f"type-{name}"] = (with_id(column), {"row_group_size": 7})
    out["type-int96-timestamp"] = (with_id(timestamps("ns", None)),
                                   {"row_group_size": 7, "use_deprecated_int96_timestamps": True})
    out["type-int96-timestamp-utc"] = (with_id(timestamps("ns", "UTC")),
                                       {"row_group_size": 7, "use_deprecated_int96_timestamps": True})
    out["type-not-null-fields"] = (pa.table(
        [pa.array(range(ROWS), pa.int64()), pa.array(cycle(["a", "b"])),
         pa.array(cycle([{"a": 1, "b": None}]), pa.struct([pa.field("a", pa.int32(), nullable=False),
                                                           pa.field("b", pa.string())]))],
        schema=pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("s", pa.string(), nullable=False),
                          pa.field("st", pa.struct([pa.field("a", pa.int32(), nullable=False),
                                                    pa.field("b", pa.string())]), nullable=False)])),
        {"row_group_size": 7})
    out["all-null-columns"] = (pa.table({
        "id": pa.array(range(ROWS), pa.int64()),
        "n": pa.nulls(ROWS), "i": pa.nulls(ROWS, pa.int64()), "s": pa.nulls(ROWS, pa.string()),
        "f": pa.nulls(ROWS, pa.float64()), "l": pa.nulls(ROWS, pa.list_(pa.int32())),
        "st": pa.nulls(ROWS, pa.struct([("a", pa.int32())])), "d": pa.nulls(ROWS, pa.string()).dictionary_encode(),
    }), {"row_group_size": 7})
    for name, column in DICTIONARY.items():
        out[name] = (with_id(column), {"row_group_size": 7})
    # The recipe: two row groups holding different dictionaries.
    out["dict-two-row-groups"] = (pa.table({"tag": pa.array(["x", "y", "z", "x"]).dictionary_encode()}),
                                  {"row_group_size": 2})

    mixed = wide_table(2_000)
    for codec in ["none", "snappy", "gzip", "zstd", "lz4"]:
        out[f"codec-{codec}"] = (mixed, {"compression": codec, "row_group_size": 1_000})
    out["codec-gzip-level-9"] = (mixed, {"compression": "gzip", "compression_level": 9})
    out["codec-zstd-level-19"] = (mixed, {"compression": "zstd", "compression_level": 19})
    out["codec-per-column"] = (mixed, {"compression": {"i32": "zstd", "i64": "gzip", "f64": "snappy",
                                                       "s": "lz4", "b": "none", "ts": "zstd", "l": "gzip"}})

    out["encoding-dictionary"] = (mixed, {"use_dictionary": True})
    out["encoding-plain"] = (mixed, {"use_dictionary": False})
    out["encoding-dictionary-fallback"] = (mixed, {"use_dictionary": True, "dictionary_pagesize_limit": 256,
                                                   "data_page_size": 512})
    out["encoding-delta"] = (mixed, {"use_dictionary": False, "column_encoding": {
        "i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "s": "DELTA_LENGTH_BYTE_ARRAY",
        "ts": "DELTA_BINARY_PACKED"}})
    out["encoding-delta-byte-array"] = (mixed, {"use_dictionary": False, "column_encoding": {"s": "DELTA_BYTE_ARRAY"}})
    out["encoding-byte-stream-split"] = (mixed, {"use_dictionary": False, "column_encoding": {
        "f64": "BYTE_STREAM_SPLIT", "i32": "BYTE_STREAM_SPLIT", "i64": "BYTE_STREAM_SPLIT"}})
    out["encoding-rle-bool"] = (mixed, {"use_dictionary": False, "column_encoding": {"b": "RLE"}})

    for version in ["1.0", "2.0"]:
        for codec in ["none", "zstd"]:
            out[f"pages-v{version[0]}-{codec}"] = (mixed, {"data_page_version": version, "compression": codec,
                                                           "data_page_size": 1024, "row_group_size": 1_500})
        out[f"pages-v{version[0]}-max-rows-per-page"] = (mixed, {"data_page_version": version, "max_rows_per_page": 3})

    out["stats-none"] = (mixed, {"write_statistics": False})
    out["stats-some-columns"] = (mixed, {"write_statistics": ["i32", "s"]})
    out["stats-with-page-index"] = (mixed, {"write_page_index": True, "data_page_size": 1024})
    out["stats-none-with-page-index"] = (mixed, {"write_statistics": False, "write_page_index": True})
    out["page-checksums"] = (mixed, {"write_page_checksum": True})
    out["sorting-columns"] = (mixed.sort_by("i64"), {"sorting_columns": [pq.SortingColumn(1)]})

    for version in ["1.0", "2.4", "2.6"]:
        out[f"format-{version}"] = (mixed, {"version": version})
    out["no-arrow-schema"] = (legacy_table(), {"store_schema": False, "row_group_size": 7})
    out["no-arrow-schema-int96"] = (legacy_table(), {"store_schema": False, "use_deprecated_int96_timestamps": True})
    out["non-compliant-nested"] = (with_id(TYPES["list-of-structs"]), {"use_compliant_nested_type": False})
    out["many-row-groups"] = (mixed, {"row_group_size": 17})
    out["column-names"] = (pa.table({"a.b": [1, 2], "with space": ["x", None], "日本語": [1.5, None],
                                     'quote"d': [True, False], "": [3, 4]}), {})
    # Field ids, field metadata and the file's own key-value metadata, which pyarrow hands back.
    out["metadata"] = (pa.table([pa.array([1, 2], pa.int32()), pa.array(["x", None])], schema=pa.schema(
        [pa.field("a", pa.int32(), metadata={"PARQUET:field_id": "7"}), pa.field("b", pa.string(), metadata={"k": "v"})],
        metadata={"owner": "conformance"})), {})
    out["many-columns"] = (pa.table({f"c{i:03}": pa.array(range(i, i + 10), pa.int32()) for i in range(64)}), {})
    # Values larger than gRPC's default 4 MiB message: a batch cannot be cut below one row.
    out["large-values"] = (pa.table({"id": [0, 1, 2], "blob": [b"\x01" * (6 << 20), None, b"\x02" * (5 << 20)]}), {})

    out["empty"] = (mixed.slice(0, 0), {})
    out["zero-row-groups"] = (mixed.slice(0, 0), {"zero_row_groups": True})
    out["one-million-row-group"] = (None, {"row_group_size": 1_000_000})
    return out


def wide_table(n):
    """A few columns of the common kinds, with nulls, for the codec, encoding and page cases."""
    rng = np.random.default_rng(7)
    mask = rng.random(n) < 0.1
    return pa.table({
        "i32": pa.array(rng.integers(-1000, 1000, n, dtype=np.int32), mask=mask),
        "i64": pa.array(np.arange(n, dtype=np.int64) * 1_000_003),
        "f64": pa.array(rng.standard_normal(n), mask=mask[::-1].copy()),
        "s": pa.array([None if m else f"name-{i % 37}" for i, m in enumerate(mask)]),
        "b": pa.array(rng.random(n) < 0.5),
        "ts": pa.array(np.arange(n, dtype=np.int64) * 1_000_000_007, pa.timestamp("us", "UTC")),
        "l": pa.array([None if i % 11 == 0 else list(range(i % 4)) for i in range(n)], pa.list_(pa.int16())),
    })


def legacy_table():
    """Types whose Parquet form differs from their Arrow form, for files without the stored Arrow schema."""
    return pa.table({
        "u32": ints(pa.uint32()), "u64": ints(pa.uint64()), "i8": ints(pa.int8()),
        "ts-s": timestamps("s", "Europe/Paris"), "ts-ns": timestamps("ns", None),
        "ls": pa.array(cycle(TEXT), pa.large_string()), "d64": TYPES["date64"],
        "t32": times(pa.time32("s")), "dur": durations("ms"), "f16": floats(pa.float16()),
        "dict": pa.array(cycle(["a", "b", None])).dictionary_encode(),
    })


def million_rows():
    n = 1_000_000
    return pa.table({
        "id": pa.array(np.arange(n, dtype=np.int64)),
        "x": pa.array(np.arange(n, dtype=np.float64) / 7),
        "small": pa.array((np.arange(n) % 251).astype(np.int32), mask=np.arange(n) % 97 == 0),
    })


FILES = files()
BROTLI = "codec-brotli"


def columns_of(name):
    table = FILES[name][0]
    return ["id", "x", "small"] if table is None else table.column_names


@pytest.fixture(scope="session")
def conformance_dir(tmp_path_factory):
    """Every file of FILES (and the brotli one), written by pyarrow into a fresh directory."""
    root = tmp_path_factory.mktemp("conformance")
    for name, (table, options) in FILES.items():
        options = dict(options)
        table = million_rows() if table is None else table
        if options.pop("zero_row_groups", False):
            pq.ParquetWriter(root / f"{name}.parquet", table.schema).close()
        else:
            pq.write_table(table, root / f"{name}.parquet", **options)
    pq.write_table(wide_table(100), root / f"{BROTLI}.parquet", compression="brotli")
    return root


@pytest.fixture(scope="session")
def memory_node(conformance_dir, tmp_path_factory):
    """A node over the conformance files with its memory tier on (the default size)."""
    with running_node(conformance_dir, tmp_path_factory) as location:
        yield location


@pytest.fixture(scope="session")
def disk_node(conformance_dir, tmp_path_factory):
    """A node over the conformance files with no memory tier: every read is a scan of the disk copy."""
    with running_node(conformance_dir, tmp_path_factory, "--memory-size", "0") as location:
        yield location


def ticket(path, columns=None):
    body = {"path": path.as_uri()}
    if columns is not None:
        body["columns"] = columns
    return json.dumps(body).encode()


def flight_info(node, path, columns=None):
    return flight.connect(node).get_flight_info(flight.FlightDescriptor.for_command(ticket(path, columns)))


def do_get(node, path, columns=None):
    """DoGet of the ticket at `node` itself; returns (table, the last message's app metadata)."""
    reader = flight.connect(node).do_get(flight.Ticket(ticket(path, columns)))
    batches, stats = [], None
    while True:
        try:
            chunk = reader.read_chunk()
        except StopIteration:
            break
        if chunk.data is not None:
            batches.append(chunk.data)
        if chunk.app_metadata is not None:
            stats = json.loads(chunk.app_metadata.to_pybytes())
    return pa.Table.from_batches(batches, schema=reader.schema), stats


def float_bits(column):
    """A float column as its bit patterns, so NaN equals NaN and -0.0 differs from 0.0."""
    width = {pa.float16(): pa.int16(), pa.float32(): pa.int32(), pa.float64(): pa.int64()}[column.type]
    return pa.chunked_array([chunk.view(width) for chunk in column.chunks], width)


def decoded(kind):
    """`kind` with every dictionary type, at any depth, replaced by its value type."""
    if pa.types.is_dictionary(kind):
        return decoded(kind.value_type)
    if pa.types.is_struct(kind):
        return pa.struct([field.with_type(decoded(field.type)) for field in kind])
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(decoded(kind.value_type)))
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(decoded(kind.value_type)))
    return kind


def sent(kind):
    """The type a node sends for a column pyarrow reads as `kind` (README, "Types on the wire"):
    view types as their plain forms, decimal32 and decimal64 widened to decimal128 (Arrow Java has
    neither, and the node's Arrow Dataset reader does not restore views from the stored schema)."""
    if pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_binary_view(kind):
        return pa.binary()
    if pa.types.is_list_view(kind) or pa.types.is_large_list_view(kind):
        return pa.list_(kind.value_field.with_type(sent(kind.value_type)))
    if pa.types.is_decimal32(kind) or pa.types.is_decimal64(kind):
        return pa.decimal128(kind.precision, kind.scale)
    return kind


def as_sent(table):
    """`table` with each column converted to the type a node sends for it (through Python values:
    pyarrow 25's cast from list_view to list makes invalid offsets)."""
    schema = pa.schema([field.with_type(sent(field.type)) for field in table.schema], metadata=table.schema.metadata)
    if schema == table.schema:
        return table
    columns = [column if field.type == column.type
               else pa.chunked_array([pa.array(chunk.to_pylist(), field.type) for chunk in column.chunks], field.type)
               for field, column in zip(schema, table.columns)]
    return pa.Table.from_arrays(columns, schema=schema)


def assert_same_schema(got, want, what):
    """Equal types, names and nullability, and the same schema and top-level field metadata (field
    ids, the file's key-value metadata). Map entries' names are not compared: pyarrow 25 names a
    map's entries after the column, where Arrow's canonical name is "entries"."""
    assert got.equals(want, check_metadata=False), f"{what}: schema differs\n--- node:\n{got}\n--- pyarrow:\n{want}"
    assert (got.metadata or {}) == (want.metadata or {}), f"{what}: schema metadata {got.metadata}, pyarrow {want.metadata}"
    for g, w in zip(got, want):
        assert (g.metadata or {}) == (w.metadata or {}), f"{what}: field {w.name} metadata {g.metadata}, pyarrow {w.metadata}"


def assert_same_table(got, want, what):
    try:
        got.validate(full=True)
    except pa.ArrowException as error:
        pytest.fail(f"{what}: the node sent invalid Arrow data: {error}")
    assert_same_schema(got.schema, want.schema, what)
    assert got.num_rows == want.num_rows, f"{what}: {got.num_rows} rows, pyarrow reads {want.num_rows}"
    for name, g, w in zip(want.column_names, got.columns, want.columns):
        plain = decoded(w.type)
        if plain != w.type:
            # The dictionary types must be kept (the schemas are equal); the values are compared
            # decoded, since a stream may cut its dictionaries differently from the file's row groups.
            g, w = g.cast(plain), w.cast(plain)
        if pa.types.is_floating(w.type):
            g, w = float_bits(g), float_bits(w)
        assert g.equals(w), (f"{what}: column {name!r} differs\n--- node:\n{g.to_pylist()[:40]}\n"
                             f"--- pyarrow:\n{w.to_pylist()[:40]}")


def leaves(kind):
    """Parquet leaf columns an Arrow type is stored as."""
    if isinstance(kind, pa.ExtensionType):
        return leaves(kind.storage_type)
    if pa.types.is_dictionary(kind) or kind.num_fields == 0:
        return 1
    return sum(leaves(kind.field(i).type) for i in range(kind.num_fields))


def expected_bytes(metadata, columns):
    """Uncompressed bytes of the top-level `columns` over all row groups, as the footer gives them."""
    owner = [field.name for field in metadata.schema.to_arrow_schema() for _ in range(leaves(field.type))]
    return sum(metadata.row_group(group).column(i).total_uncompressed_size
               for group in range(metadata.num_row_groups)
               for i in range(metadata.num_columns) if owner[i] in columns)


def assert_flight_info(node, path, columns, want):
    info = flight_info(node, path, columns)
    what = f"GetFlightInfo {path.name} {columns or 'all columns'}"
    assert_same_schema(info.schema, want.schema, what)
    metadata = pq.ParquetFile(path).metadata
    rows = sum(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    assert info.total_records == rows == want.num_rows, what
    assert info.total_bytes == expected_bytes(metadata, columns or want.column_names), what
    assert json.loads(info.endpoints[0].ticket.ticket) == json.loads(ticket(path, columns)), what


@pytest.mark.parametrize("name", list(FILES))
def test_whole_file(name, conformance_dir, memory_node, disk_node):
    """The whole file, from the memory tier (its first read, then a hit) and from the disk tier."""
    path = conformance_dir / f"{name}.parquet"
    want = as_sent(pq.read_table(path))
    assert_flight_info(memory_node, path, None, want)
    assert_flight_info(disk_node, path, None, want)
    by_path = flight.connect(memory_node).get_flight_info(flight.FlightDescriptor.for_path(path.as_uri()))
    assert_same_schema(by_path.schema, want.schema, f"GetFlightInfo of a path descriptor for {name}")
    assert by_path.total_records == want.num_rows
    for node, read in [(memory_node, "first read"), (memory_node, "second read"), (disk_node, "disk tier")]:
        got, stats = do_get(node, path)
        assert_same_table(got, want, f"{name} ({read})")
        assert stats["rows"] == want.num_rows


@pytest.mark.parametrize("name,column", [(name, column) for name in FILES for column in columns_of(name)])
def test_one_column(name, column, conformance_dir, memory_node, disk_node):
    """Each top-level column alone, against pyarrow's read of that column: from the memory tier's
    cached batches (test_whole_file read the file first) and from the disk tier's scanner."""
    path = conformance_dir / f"{name}.parquet"
    want = as_sent(pq.read_table(path, columns=[column]))
    for node, tier in [(memory_node, "memory"), (disk_node, "disk")]:
        assert_flight_info(node, path, [column], want)
        got, _ = do_get(node, path, [column])
        assert_same_table(got, want, f"{name} column {column} ({tier} tier)")


def assert_names_brotli(error, path):
    message = str(error.value)
    assert "brotli" in message.lower(), message
    assert path.name in message, message
    for leak in ["/objects/", "Exception", "io.istziio", "org.apache", "incident"]:
        assert leak not in message, message


def test_brotli_is_unimplemented(conformance_dir, memory_node, disk_node):
    """The bundled engine has no brotli codec: a clean UNIMPLEMENTED naming it, before and at DoGet."""
    path = conformance_dir / f"{BROTLI}.parquet"
    for node in [memory_node, disk_node]:
        with pytest.raises(pa.ArrowNotImplementedError) as error:  # Flight's UNIMPLEMENTED
            flight_info(node, path)
        assert_names_brotli(error, path)
        with pytest.raises(pa.ArrowNotImplementedError) as error:
            do_get(node, path)
        assert_names_brotli(error, path)
        with pytest.raises(pa.ArrowNotImplementedError) as error:
            do_get(node, path, ["i32"])
        assert_names_brotli(error, path)
        # The node keeps serving.
        path_ok = conformance_dir / "codec-zstd.parquet"
        assert_same_table(do_get(node, path_ok)[0], pq.read_table(path_ok), "after brotli")
