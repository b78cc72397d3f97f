"""pandas over istziio: one line after connect.

    python example_pandas.py grpc+tcp://127.0.0.1:8815 s3://data/trips/ ["fare > 10"]

Reads a file, a prefix (every Parquet object under it, hive partitions as columns) or a glob
through the cache, straight from each file's owner, and hands pandas the table.
"""
import sys

import istziio


def main(node: str, path: str, filter: str = None):
    """Returns the rows of `path` (matching `filter`, in the filter language) as a DataFrame."""
    with istziio.connect([node]) as client:
        frame = client.read_table(path, filter=filter).to_pandas()
    print(frame.head(10))
    print(f"{len(frame)} rows, {len(frame.columns)} columns")
    return frame


if __name__ == "__main__":
    main(*sys.argv[1:4])
