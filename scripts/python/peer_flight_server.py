"""The peer to beat: an Arrow C++ Flight server (pyarrow) holding the same files in memory.

At start it reads every listed object from S3 (the upstream store, no delay: loading is not what is
measured) and decodes it into a pyarrow Table; from then on a DoGet takes istziio's ticket JSON,
{"path": "s3://bucket/key", "columns": ["c0", ...]}, and answers the table, projected, as a
RecordBatchStream of the table's own batches (one per Parquet row group). No cache logic, no
admission, no bookkeeping: the floor of what serving a decoded table over Flight costs.

    peer_flight_server.py [--host 127.0.0.1] [--port 0] --s3-endpoint URL [--s3-region R] FILE...

FILE is an s3:// path or a gen-data manifest (JSON [{"index", "path"}, ...]); credentials come from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as for istziio. Prints "peer serving at LOCATION"
once every table is loaded.
"""
import argparse
import json
import os
import sys
import time
import urllib.parse

import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.fs as pafs
import pyarrow.parquet as pq

TICKET_FIELDS = {"path", "columns", "filter", "substrait"}


def s3_filesystem(endpoint, region):
    parsed = urllib.parse.urlparse(endpoint)
    return pafs.S3FileSystem(access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
                             secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
                             region=region, scheme=parsed.scheme or "http",
                             endpoint_override=parsed.netloc or endpoint)


def expand(files):
    """Paths from the arguments: s3:// paths as they are, manifests read for theirs."""
    paths = []
    for item in files:
        if item.startswith("s3://"):
            paths.append(item)
        else:
            with open(item) as manifest:
                paths.extend(entry["path"] for entry in json.load(manifest))
    return list(dict.fromkeys(paths))


class PeerServer(flight.FlightServerBase):
    def __init__(self, location, tables):
        super().__init__(location)
        self.tables = tables
        self.location = location

    def do_get(self, context, ticket):
        try:
            request = json.loads(ticket.ticket.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise pa.ArrowInvalid(f"the ticket is not JSON: {e}")
        if not isinstance(request, dict) or "path" not in request:
            raise pa.ArrowInvalid('the ticket needs "path"')
        unknown = set(request) - TICKET_FIELDS
        if unknown:
            raise pa.ArrowInvalid(f"unknown ticket fields {sorted(unknown)}")
        if request.get("filter") or request.get("substrait"):
            raise pa.ArrowNotImplementedError("the peer serves no filters")
        table = self.tables.get(request["path"])
        if table is None:
            raise flight.FlightServerError(f"{request['path']} is not held by the peer")
        columns = request.get("columns")
        if columns is not None:
            missing = [c for c in columns if c not in table.schema.names]
            if missing:
                raise pa.ArrowInvalid(f"unknown columns {missing}")
            table = table.select(columns)
        return flight.RecordBatchStream(table)

    def get_flight_info(self, context, descriptor):
        request = json.loads(descriptor.command.decode("utf-8"))
        table = self.tables[request["path"]]
        if request.get("columns") is not None:
            table = table.select(request["columns"])
        endpoint = flight.FlightEndpoint(descriptor.command, [self.location])
        return flight.FlightInfo(table.schema, descriptor, [endpoint], table.num_rows, table.nbytes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--s3-endpoint", required=True)
    parser.add_argument("--s3-region", default="us-east-1")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    fs = s3_filesystem(args.s3_endpoint, args.s3_region)
    tables = {}
    began = time.monotonic()
    for path in expand(args.files):
        tables[path] = pq.read_table(path[len("s3://"):], filesystem=fs)
    nbytes = sum(t.nbytes for t in tables.values())
    server = PeerServer(f"grpc+tcp://{args.host}:{args.port}", tables)
    location = f"grpc+tcp://{args.host}:{server.port}"
    server.location = location
    print(f"loaded {len(tables)} tables, {nbytes / 1e6:.1f} MB of Arrow data, in "
          f"{time.monotonic() - began:.1f} s (pyarrow {pa.__version__})", flush=True)
    print(f"peer serving at {location}", flush=True)
    server.serve()


if __name__ == "__main__":
    sys.exit(main())
