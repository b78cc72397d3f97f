"""polars over istziio: an eager DataFrame, and a LazyFrame that reads only what its query needs.

    python example_polars.py grpc+tcp://127.0.0.1:8815 s3://data/trips/

`client.scan_polars` gives a LazyFrame whose collect() streams from the owners: the columns the
query uses are the only ones asked of the nodes, and head(n) stops the read after n rows.
"""
import sys

import polars as pl

import istziio


def main(node: str, path: str):
    """Returns (eager DataFrame of `path`, lazy head(5) of its first column, lazy row count)."""
    with istziio.connect([node]) as client:
        frame = pl.from_arrow(client.read_table(path))            # eager: the whole table
        lazy = client.scan_polars(path)                            # nothing read yet
        first = lazy.collect_schema().names()[0]
        head = lazy.select(first).head(5).collect()                # one column, five rows
        count = lazy.select(pl.len()).collect().item()
    print(frame)
    print(head)
    print(f"{count} rows")
    return frame, head, count


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
