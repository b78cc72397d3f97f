"""The pyarrow example client against a real local cluster (Redis, S3Proxy, three nodes).

GetFlightInfo is asked of every node in turn, so most answers come from nodes that do not own the
file; the endpoint must still name the owner first, and the DoGet there must return exactly the rows
pyarrow itself finds in the file.
"""
import json
import os
import subprocess

import pyarrow.compute as pc
import pyarrow.flight as flight
import pyarrow.parquet as pq

from conftest import HOME
from istziio_example import read


def test_example_reads_the_owner_with_columns_and_filter(cluster, tmp_path):
    env = {**os.environ, **{k: v for k, v in cluster.items() if k != "dir"}}
    local = tmp_path / "data"
    manifest = tmp_path / "manifest.json"
    subprocess.run([str(HOME / "scripts" / "istziio"), "gen-data", "--shape", "sample",
                    "--files", "2", "--rows", "20000", "--out", "s3://data/example/",
                    "--manifest", str(manifest), "--s3-endpoint", env["ISTZIIO_S3_ENDPOINT"],
                    "--s3-region", env["ISTZIIO_S3_REGION"], "--s3-path-style"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([str(HOME / "scripts" / "istziio"), "gen-data", "--shape", "sample",
                    "--files", "2", "--rows", "20000", "--out", str(local)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    expected_file = pq.read_table(local / "sample-000.parquet")  # the same generator, same values
    path = json.loads(manifest.read_text())[0]["path"]

    nodes = [m["location"] for m in ring(env["ISTZIIO_NODE"])["members"]]
    assert len(nodes) == 3
    owners = set()
    for node in nodes:
        table, stats = read(node, path, columns=["id", "name"], filter="id < 500 AND name IS NOT NULL")
        want = expected_file.filter((pc.field("id") < 500) & pc.field("name").is_valid()) \
            .select(["id", "name"])
        assert table.sort_by("id").equals(want.sort_by("id"))
        assert stats["rows"] == want.num_rows
        info = flight.connect(node).get_flight_info(flight.FlightDescriptor.for_path(path))
        owners.add(info.endpoints[0].locations[0].uri.decode())
    assert len(owners) == 1, "every node names the same owner first"


def ring(location):
    result = next(flight.connect(location).do_action(flight.Action("ring", b"")))
    return json.loads(result.body.to_pybytes())
