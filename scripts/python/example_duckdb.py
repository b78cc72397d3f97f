"""DuckDB over istziio: SQL over the stream of record batches, never the whole table in memory.

    python example_duckdb.py grpc+tcp://127.0.0.1:8815 s3://data/trips/ ["SELECT count(*) FROM t"]

DuckDB scans the pyarrow RecordBatchReader as it arrives from the owners (files in parallel).
A reader is read once: make a new one per query.
"""
import os
import sys

# Flight hands batches in gRPC's buffers, which need not be 64-byte aligned; DuckDB scans a reader
# through Arrow's Acero, which warns once per such buffer unless told to realign it.
os.environ.setdefault("ACERO_ALIGNMENT_HANDLING", "reallocate")

import duckdb  # noqa: E402 (after the setting above)

import istziio


def main(node: str, path: str, sql: str = "SELECT count(*) AS rows FROM t"):
    """Runs `sql` over the rows of `path`, registered as table `t`; returns the result as tuples."""
    with istziio.connect([node]) as client:
        reader = client.read_batches(path)
        with duckdb.connect() as con:
            con.register("t", reader)
            rows = con.execute(sql).fetchall()
    print(rows)
    return rows


if __name__ == "__main__":
    main(*sys.argv[1:4])
