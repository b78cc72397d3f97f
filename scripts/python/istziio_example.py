"""Reading from istziio with plain pyarrow: no istziio package needed (the package, in
flight-client/python, adds parallel reads of datasets and failover).

    python istziio_example.py grpc+tcp://127.0.0.1:8815 s3://bucket/key.parquet [--columns a,b] [--filter "a > 5"]

GetFlightInfo on any node answers where the file is served; DoGet there streams only the asked-for
columns of the rows that match the filter, decoded and filtered inside the node.
"""
import argparse
import json

import pyarrow as pa
import pyarrow.flight as flight


def read(node, path, columns=None, filter=None, substrait=None):
    """Returns (table, stats): the rows as an Arrow table and the node's account of the read (of
    the last file, for a dataset)."""
    ticket = {"path": path}
    if columns:
        ticket["columns"] = columns
    if filter:
        ticket["filter"] = filter
    if substrait:
        ticket["substrait"] = substrait  # base64 of a Substrait ExtendedExpression
    command = json.dumps(ticket).encode()
    info = flight.connect(node).get_flight_info(flight.FlightDescriptor.for_command(command))
    batches, stats = [], None
    for endpoint in info.endpoints:  # one per file (a dataset has many)
        # Every location of an endpoint serves it; the first is its owner, the one to use.
        reader = flight.connect(endpoint.locations[0]).do_get(endpoint.ticket)
        while True:
            try:
                chunk = reader.read_chunk()
            except StopIteration:
                break
            if chunk.data is not None and chunk.data.num_rows:
                batches.append(chunk.data)
            if chunk.app_metadata is not None:
                stats = json.loads(chunk.app_metadata.to_pybytes())  # the last one: ReadStats
    return pa.Table.from_batches(batches, schema=info.schema), stats


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="Reads a Parquet object through istziio.")
    arguments.add_argument("node", help="any node's location, e.g. grpc+tcp://127.0.0.1:8815")
    arguments.add_argument("path", help="s3://bucket/key.parquet or file:///absolute/path")
    arguments.add_argument("--columns", help="comma-separated columns (default: all)")
    arguments.add_argument("--filter", help="a predicate in the filter language, e.g. \"a > 5\"")
    options = arguments.parse_args()
    table, stats = read(options.node, options.path,
                        columns=options.columns.split(",") if options.columns else None,
                        filter=options.filter)
    print(table)
    print(stats)
