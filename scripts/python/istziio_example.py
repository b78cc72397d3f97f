"""Reading from istziio with plain pyarrow: no istziio package needed.

    python istziio_example.py grpc+tcp://127.0.0.1:8815 file:///data/sample-000.parquet

GetFlightInfo on any node answers where the file is served; DoGet there streams only the asked-for
columns of the rows that match the filter, decoded and filtered inside the node.
"""
import json
import sys

import pyarrow.flight as flight


def read(node, path, columns=None, filter=None, substrait=None):
    """Returns (table, stats): the rows as an Arrow table and the node's account of the read."""
    ticket = {"path": path}
    if columns:
        ticket["columns"] = columns
    if filter:
        ticket["filter"] = filter
    if substrait:
        ticket["substrait"] = substrait  # base64 of a Substrait ExtendedExpression
    command = json.dumps(ticket).encode()
    info = flight.connect(node).get_flight_info(flight.FlightDescriptor.for_command(command))
    endpoint = info.endpoints[0]
    # Every location of an endpoint serves it; the first is the one to use.
    reader = flight.connect(endpoint.locations[0]).do_get(endpoint.ticket)
    batches, stats = [], None
    while True:
        try:
            chunk = reader.read_chunk()
        except StopIteration:
            break
        if chunk.data is not None and chunk.data.num_rows:
            batches.append(chunk.data)
        if chunk.app_metadata is not None:
            stats = json.loads(chunk.app_metadata.to_pybytes())
    import pyarrow as pa
    return pa.Table.from_batches(batches, schema=reader.schema), stats


if __name__ == "__main__":
    node, path = sys.argv[1], sys.argv[2]
    table, stats = read(node, path, columns=["id", "name", "score"], filter="id < 5 AND name IS NOT NULL")
    print(table)
    print(stats)
