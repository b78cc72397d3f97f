"""Dictionary-encoded columns (every pandas Categorical) through a real node, compared with
pyarrow.parquet.read_table on the same file: values and type (dictionary<int32, string>).

A Parquet row group carries its own dictionary, so a file of several row groups makes the node
send a replacement dictionary between batches; pyarrow's Flight reader must apply it.
"""
import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

from istziio_example import read


@pytest.fixture(scope="module")
def files(dataset):
    """The test files, under the node's --local-root."""
    directory = dataset / "dictionary"
    directory.mkdir(exist_ok=True)

    def write(name, table, **options):
        path = directory / name
        pq.write_table(table, path, **options)
        return path

    def write_groups(name, groups):
        """One row group per table, each dictionary-encoded on its own: different dictionaries."""
        path = directory / name
        with pq.ParquetWriter(path, groups[0].schema) as writer:
            for group in groups:
                writer.write_table(group)
        return path

    def group(n, tags):
        return pa.table({"n": pa.array(n, pa.int64()), "tag": pa.array(tags).dictionary_encode()})

    return {
        "one": write("one.parquet", pa.table({"tag": pa.array(["a", "b", "a", "b"]).dictionary_encode()})),
        # The recipe: two row groups; pyarrow writes the whole dictionary [x y z] in each.
        "recipe": write("recipe.parquet", pa.table({"tag": pa.array(["x", "y", "z", "x"]).dictionary_encode()}),
                        row_group_size=2),
        # Row groups [x y] and [z x], each with its own dictionary.
        "groups": write_groups("groups.parquet", [pa.table({"tag": pa.array(["x", "y"]).dictionary_encode()}),
                                                  pa.table({"tag": pa.array(["z", "x"]).dictionary_encode()})]),
        "nulls": write("nulls.parquet", pa.table({"tag": pa.array([None, "a", None, "b", "a"]).dictionary_encode()}),
                       row_group_size=2),
        "mixed": write_groups("mixed.parquet", [group([0, 1, 2], ["x", "y", "x"]),
                                                group([3, 4, 5], ["z", None, "w"]),
                                                group([6, 7], ["y", "y"])]),
    }


def assert_same(got, want):
    assert got.schema == want.schema  # types included: dictionary<values=string, indices=int32>
    assert got.to_pylist() == want.to_pylist()


@pytest.mark.parametrize("name", ["one", "recipe", "groups", "nulls", "mixed"])
def test_whole_file_reads_as_pyarrow_reads_it(node, files, name):
    table, stats = read(node, files[name].as_uri())
    want = pq.read_table(files[name])
    assert pa.types.is_dictionary(want.schema.field("tag").type)
    assert_same(table, want)
    assert stats["rows"] == want.num_rows


def test_each_row_group_has_its_own_dictionary(node, files):
    # The case that broke: the second batch's indices point into [z x], not [x y].
    table, stats = read(node, files["groups"].as_uri())
    assert stats["batches"] == 2
    assert table.column("tag").to_pylist() == ["x", "y", "z", "x"]
    assert [chunk.dictionary.to_pylist() for chunk in table.column("tag").chunks] == [["x", "y"], ["z", "x"]]


def test_projection_of_the_dictionary_column(node, files):
    table, _ = read(node, files["mixed"].as_uri(), columns=["tag"])
    assert_same(table, pq.read_table(files["mixed"], columns=["tag"]))


def test_filter_on_another_column(node, files):
    # Keeps rows of all three row groups, each with its own dictionary (the scanner's filter).
    table, stats = read(node, files["mixed"].as_uri(), columns=["tag", "n"], filter="n >= 2 AND n != 4")
    want = pq.read_table(files["mixed"], columns=["tag", "n"],
                         filters=[("n", ">=", 2), ("n", "!=", 4)])
    assert table.column("tag").to_pylist() == ["x", "z", "w", "y", "y"]
    assert_same(table, want)
    assert stats["rows"] == 5


def test_plain_do_get_reads_all(node, files):
    # read_all() on the stream, as most pyarrow users read it.
    ticket = flight.Ticket(('{"path": "%s"}' % files["groups"].as_uri()).encode())
    table = flight.connect(node).do_get(ticket).read_all()
    assert_same(table, pq.read_table(files["groups"]))
