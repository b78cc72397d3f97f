"""Files a node cannot serve, as a pyarrow.flight user meets them: each failure has the status of
its cause and a short message naming the object, from GetFlightInfo and DoGet alike, decided before
any batch is sent where the footer shows it; and the node serves the next file.

Status rule: what the node's Parquet reader lacks (a codec, encryption, a type) is UNIMPLEMENTED
(pyarrow raises ArrowNotImplementedError); a damaged object is INVALID_ARGUMENT (ArrowInvalid).
Never INTERNAL (FlightInternalError) for a property of the file.

pyarrow 25 has no Python API to write a Parquet Variant column, so the Variant case is tested in
Java (NodeUnreadableFilesTest), which writes the footer itself.
"""
import base64
import json
import random

import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as encryption
import pytest

from conftest import running_node

ROWS = 3000


def table():
    return pa.table({"id": pa.array(range(ROWS), pa.int64()),
                     "name": pa.array([f"name-{i % 97}" for i in range(ROWS)]),
                     "x": pa.array([i * 0.5 for i in range(ROWS)])})


class InMemoryKms(encryption.KmsClient):
    """A KMS that 'wraps' a key by base64-encoding it: enough for pyarrow to write encrypted files."""

    def __init__(self, _config):
        super().__init__()

    def wrap_key(self, key_bytes, master_key_identifier):
        return base64.b64encode(key_bytes)

    def unwrap_key(self, wrapped_key, master_key_identifier):
        return base64.b64decode(wrapped_key)


def write_encrypted(path, plaintext_footer):
    factory = encryption.CryptoFactory(InMemoryKms)
    config = encryption.EncryptionConfiguration(
        footer_key="footer", column_keys={"column": ["name"]}, plaintext_footer=plaintext_footer,
        double_wrapping=False)
    properties = factory.file_encryption_properties(encryption.KmsConnectionConfig(), config)
    with pq.ParquetWriter(path, table().schema, encryption_properties=properties) as writer:
        writer.write_table(table())


def damaged_copies(base, seed=10, flips=40, cuts=10):
    """Seeded single-bit flips and truncations of the file at `base`, as {name: bytes}."""
    data = base.read_bytes()
    rng = random.Random(seed)
    copies = {}
    for i in range(flips):
        damaged = bytearray(data)
        position = rng.randrange(len(damaged))
        damaged[position] ^= 1 << rng.randrange(8)
        copies[f"flip{i:02d}-at-{position}.parquet"] = bytes(damaged)
    for i in range(cuts):
        end = rng.randrange(1, len(data))
        copies[f"cut{i:02d}-at-{end}.parquet"] = data[:end]
    return copies


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("failures")
    pq.write_table(table(), root / "good.parquet", row_group_size=1000)
    pq.write_table(table(), root / "brotli.parquet", compression="brotli")
    write_encrypted(root / "encrypted-columns.parquet", plaintext_footer=True)
    write_encrypted(root / "encrypted-footer.parquet", plaintext_footer=False)
    pq.write_table(table(), root / "base.parquet", row_group_size=1000, compression="snappy")
    (root / "damaged").mkdir()
    for name, data in damaged_copies(root / "base.parquet").items():
        (root / "damaged" / name).write_bytes(data)
    return root


@pytest.fixture(scope="module", params=["memory", "disk"])
def node(request, files, tmp_path_factory):
    """A node on `files`; "memory" decodes each file into its memory tier on the first DoGet,
    "disk" (memory tier off) scans the disk copy: the two decode paths."""
    flags = ["--memory-size", "64MiB"] if request.param == "memory" else ["--memory-size", "0"]
    with running_node(files, tmp_path_factory, *flags) as location:
        yield location


def ticket(path):
    return json.dumps({"path": path.as_uri()}).encode()


def info_and_get(node, path):
    """(error of GetFlightInfo or None, error of DoGet or the table it read)."""
    client = flight.connect(node)
    try:
        client.get_flight_info(flight.FlightDescriptor.for_command(ticket(path)))
        info = None
    except pa.ArrowException as e:
        info = e
    try:
        got = client.do_get(flight.Ticket(ticket(path))).read_all()
    except pa.ArrowException as e:
        got = e
    finally:
        client.close()
    return info, got


def message(error):
    """The node's status message, without the gRPC context pyarrow appends."""
    text = str(error)
    text = text.split("with message: ", 1)[-1]
    return text.split(". gRPC client debug context")[0]


def chunk_at(path, position):
    """The column whose chunk in the file at `path` holds byte `position`."""
    metadata = pq.read_metadata(path)
    for group in range(metadata.num_row_groups):
        for c in range(metadata.num_columns):
            chunk = metadata.row_group(group).column(c)
            start = chunk.dictionary_page_offset or chunk.data_page_offset
            if start <= position < start + chunk.total_compressed_size:
                return chunk.path_in_schema
    raise AssertionError(f"byte {position} is in no column chunk")


def assert_clear(error, path, kind, says):
    assert isinstance(error, kind), f"{path.name}: {type(error).__name__}: {error}"
    text = message(error)
    assert path.as_uri() in text, text
    assert says in text, text
    assert "/cache" not in text and "org.apache" not in text and "Exception" not in text, text
    assert len(text.encode()) <= 1000, text


def assert_still_serves(node, files):
    info, got = info_and_get(node, files / "good.parquet")
    assert info is None
    assert got.equals(table())


@pytest.mark.parametrize("name, kind, says", [
    ("brotli.parquet", pa.ArrowNotImplementedError, "is compressed with brotli"),
    ("encrypted-columns.parquet", pa.ArrowNotImplementedError,
     "uses Parquet modular encryption (encrypted columns: name)"),
    ("encrypted-footer.parquet", pa.ArrowNotImplementedError,
     "uses Parquet modular encryption (encrypted footer)"),
])
def test_what_the_reader_lacks_is_unimplemented_before_streaming(node, files, name, kind, says):
    info, got = info_and_get(node, files / name)
    assert_clear(info, files / name, kind, says)
    assert_clear(got, files / name, kind, says)
    assert_still_serves(node, files)


def test_damaged_copies_fail_with_their_cause_or_read_as_pyarrow_reads_them(node, files):
    """Every seeded bit flip and truncation of one file gives INVALID_ARGUMENT naming the object, or
    the same rows pyarrow reads from the same bytes; never INTERNAL, never a dead node."""
    outcomes = {"failed": 0, "read": 0}
    for path in sorted((files / "damaged").iterdir()):
        info, got = info_and_get(node, path)
        if info is not None:
            assert_clear(info, path, pa.ArrowInvalid, "is damaged")
            assert isinstance(got, pa.ArrowInvalid), f"{path.name}: GetFlightInfo failed, DoGet: {got}"
            assert message(got) == message(info)
            outcomes["failed"] += 1
        elif isinstance(got, pa.ArrowException):
            column = chunk_at(files / "base.parquet", int(path.stem.split("-at-")[1]))
            assert_clear(got, path, pa.ArrowInvalid,
                         f'is damaged: a page of column "{column}" does not decode')
            with pytest.raises((pa.ArrowException, OSError)):
                pq.read_table(path)  # pyarrow cannot read it either
            outcomes["failed"] += 1
        else:
            assert got.equals(pq.read_table(path)), path.name
            outcomes["read"] += 1
    assert outcomes["failed"] >= 10 and outcomes["read"] >= 10, outcomes  # both kinds were met
    assert_still_serves(node, files)


def test_a_truncated_file_names_its_footer(node, files):
    path = files / "truncated.parquet"
    path.write_bytes((files / "good.parquet").read_bytes()[:-100])
    info, got = info_and_get(node, path)
    for error in (info, got):
        assert_clear(error, path, pa.ArrowInvalid, "is damaged: its Parquet footer is unreadable")
    assert_still_serves(node, files)


def test_a_damaged_stored_arrow_schema_is_damage_not_a_missing_feature(node, files):
    """The footer's ARROW:schema value (base64 of a flatbuffer) overwritten in place: the footer still
    parses, the reader cannot read the schema; that is damage (INVALID_ARGUMENT), not UNIMPLEMENTED."""
    data = bytearray((files / "good.parquet").read_bytes())
    key = data.rindex(b"ARROW:schema")
    value = key + len(b"ARROW:schema") + 4  # the value's thrift length prefix follows the key
    data[value + 8:value + 48] = b"A" * 40  # valid base64, but no flatbuffer
    path = files / "bad-arrow-schema.parquet"
    path.write_bytes(bytes(data))
    info, got = info_and_get(node, path)
    for error in (info, got):
        assert_clear(error, path, pa.ArrowInvalid, "is damaged: its stored Arrow schema")
    assert_still_serves(node, files)
