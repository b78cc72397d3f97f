"""The pyarrow example client against a real local cluster (Redis, S3Proxy, three nodes).

GetFlightInfo is asked of every node in turn, so most answers come from nodes that do not own the
file; the endpoint must still name the owner first, and the DoGet there must return exactly the rows
pyarrow itself finds in the file.
"""
import json
import os
import subprocess
import sys

import pyarrow as pa
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


def test_example_script_reads_a_file_without_the_sample_columns(cluster):
    """It used to ask for id, name and score whatever the file held, and so failed on any other
    file; by default it reads every column and row."""
    local = os.path.join(cluster["dir"], "data", "example-other.parquet")
    os.makedirs(os.path.dirname(local), exist_ok=True)
    pq.write_table(pa.table({"x": [1, 2, 3], "label": ["a", "b", None]}), local)
    node = cluster["ISTZIIO_NODE"].split(",")[0]
    run = subprocess.run([sys.executable, str(HOME / "scripts" / "python" / "istziio_example.py"),
                          node, "file://" + local], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    assert run.returncode == 0, run.stdout
    assert "x: [[1,2,3]]" in run.stdout
    assert "'rows': 3" in run.stdout
