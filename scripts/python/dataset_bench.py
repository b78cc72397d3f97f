"""A hive table read whole, as a user reads it: pyarrow.dataset straight from S3 at the bench's
distance, against the istziio package through the cache (warm), taking turns in the same run.

    dataset_bench.py --node LOC [--node LOC ...] --s3-endpoint URL --s3-upstream URL
        [--s3-region R] [--table s3://data/bench-hive/] [--years 2023,2024,2025] [--months 7]
        [--rows 28000] [--rounds 9] [--filter-year 2024] [--out RESULT.json]

Writes a hive table (year=Y/month=MM/part-0.parquet, one ~1 MB file each: 21 files by default) of
taxi-trip-like columns (int64 id, timestamp, dictionary-friendly strings, small ints, floats,
a free-text note) through --s3-upstream (straight to the store, not through the distance), then:

  1. one read of each kind, left out: pyarrow.dataset (warms S3Proxy and the delay proxy) and
     istziio (fills the cache; the files are decoded into the memory tier on first read), and
     checks that both answered the same rows (sorted by id, every value);
  2. --rounds rounds; in each, the whole table and the --filter-year partition are read by both,
     the order alternating from round to round:
       pyarrow: ds.dataset("bucket/prefix", filesystem=S3FileSystem(endpoint_override=<delayed>),
                           partitioning="hive").to_table([filter=pc.field("year") == Y])
       istziio: client.read_table("s3://bucket/prefix/"[, filter="year = Y"])
     each timed from the call to the whole table in hand (listing included on both sides: S3
     LIST through the distance for pyarrow; GetFlightInfo, whose listing the node keeps for its
     --freshness, for istziio). The S3FileSystem and the istziio client are made once and reused,
     as a session would.

Prints and writes (--out) one JSON object: per read kind, the rounds' seconds, medians, the
per-round ratio pyarrow/istziio (>1: istziio faster) with its median, min and max, rows, Arrow
bytes, files, and istziio's node stats (cache hits, tiers) of the measured rounds.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time
import urllib.parse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

try:
    import istziio
except ImportError:  # the checkout's package, not installed
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "flight-client" / "python" / "src"))
    import istziio

VENDORS = ["CMT", "VTS", "DDS", "NYC", "ZIP"]
PAYMENTS = ["card", "cash", "no charge", "dispute", "unknown", "voided"]
WORDS = ["airport", "late", "luggage", "quiet", "detour", "toll", "rain", "fast", "friendly", "rush"]


def trips(year, month, rows, seed):
    """One file's rows: a month of taxi trips (what a hive table in S3 typically holds)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{year}-{month:02d}-01T00:00:00", "us").astype(np.int64)
    pickup = np.sort(start + rng.integers(0, 28 * 86_400_000_000, rows))
    duration = rng.gamma(2.0, 420.0, rows)  # seconds
    distance = np.round(rng.gamma(1.6, 1.9, rows), 2)
    fare = np.round(3.0 + 2.5 * distance + duration / 60 * 0.5, 2)
    tip = np.round(np.where(rng.random(rows) < 0.6, fare * rng.uniform(0.05, 0.3, rows), 0.0), 2)
    notes = np.array(WORDS, dtype=object)[rng.integers(0, len(WORDS), (rows, 3))]
    note = [" ".join(n) if keep else None for n, keep in zip(notes, rng.random(rows) < 0.3)]
    return pa.table({
        "trip_id": pa.array(np.arange(rows, dtype=np.int64) + seed * 10_000_000),
        "pickup_at": pa.array(pickup, pa.timestamp("us")),
        "dropoff_at": pa.array(pickup + (duration * 1e6).astype(np.int64), pa.timestamp("us")),
        "vendor": pa.array(np.array(VENDORS, dtype=object)[rng.integers(0, len(VENDORS), rows)], pa.string()),
        "passengers": pa.array(rng.integers(1, 7, rows).astype(np.int8)),
        "pickup_zone": pa.array(rng.integers(1, 266, rows).astype(np.int32)),
        "dropoff_zone": pa.array(rng.integers(1, 266, rows).astype(np.int32)),
        "distance_km": pa.array(distance),
        "fare": pa.array(fare),
        "tip": pa.array(tip),
        "total": pa.array(np.round(fare + tip + 1.0, 2)),
        "payment": pa.array(np.array(PAYMENTS, dtype=object)[rng.integers(0, len(PAYMENTS), rows)], pa.string()),
        "note": pa.array(note, pa.string()),
    })


def s3fs(endpoint, region):
    url = urllib.parse.urlparse(endpoint)
    return pafs.S3FileSystem(access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
                             secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
                             region=region, scheme=url.scheme or "http",
                             endpoint_override=url.netloc or endpoint)


def write_table(fs, bucket_prefix, years, months, rows):
    files = []
    for y in years:
        for m in range(1, months + 1):
            key = f"{bucket_prefix}year={y}/month={m:02d}/part-0.parquet"
            pq.write_table(trips(y, m, rows, seed=y * 100 + m), key, filesystem=fs, row_group_size=rows)
            files.append((key, fs.get_file_info(key).size))
    return files


def timed(read):
    began = time.perf_counter()
    table = read()
    return time.perf_counter() - began, table


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node", action="append", required=True, help="a node location (repeatable)")
    parser.add_argument("--s3-endpoint", required=True, help="the delayed endpoint pyarrow reads through")
    parser.add_argument("--s3-upstream", required=True, help="the store itself, for writing the table")
    parser.add_argument("--s3-region", default="us-east-1")
    parser.add_argument("--table", default="s3://data/bench-hive/")
    parser.add_argument("--years", default="2023,2024,2025")
    parser.add_argument("--months", type=int, default=7)
    parser.add_argument("--rows", type=int, default=28000, help="rows per file (28,000: ~1 MB)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--filter-year", type=int, default=2024)
    parser.add_argument("--out")
    args = parser.parse_args()
    if not args.table.startswith("s3://") or not args.table.endswith("/"):
        sys.exit("--table must be s3://bucket/prefix/")
    bucket_prefix = args.table[len("s3://"):]
    years = [int(y) for y in args.years.split(",")]

    began = time.perf_counter()
    files = write_table(s3fs(args.s3_upstream, args.s3_region), bucket_prefix, years, args.months, args.rows)
    print(f"dataset: wrote {len(files)} files, {sum(s for _, s in files) / 1e6:.1f} MB, to {args.table}",
          file=sys.stderr)

    far = s3fs(args.s3_endpoint, args.s3_region)  # one filesystem for the session, as a user keeps
    client = istziio.connect(args.node)           # one client, likewise

    def pyarrow_read(expr):
        return lambda: ds.dataset(bucket_prefix.rstrip("/"), filesystem=far,
                                  partitioning="hive").to_table(filter=expr)

    def istziio_read(text):
        return lambda: client.read_table(args.table, filter=text)

    kinds = {
        "whole": (pyarrow_read(None), istziio_read(None), "the whole table"),
        f"year={args.filter_year}": (pyarrow_read(pc.field("year") == args.filter_year),
                                     istziio_read(f"year = {args.filter_year}"),
                                     f"one year (partition filter year = {args.filter_year})"),
    }
    result = {"table": args.table, "files": len(files), "file_bytes": sum(s for _, s in files),
              "rows_per_file": args.rows, "rounds": args.rounds, "nodes": args.node,
              "pyarrow": pa.__version__, "io_threads": pa.io_thread_count(), "cpu_threads": pa.cpu_count(),
              "client_parallelism": client._parallelism, "kinds": {}}

    # The reads left out: the first pyarrow read warms the store's and the proxy's JVMs, the first
    # istziio read is the cache's miss (downloads, then decodes into the memory tier).
    for name, (ours_py, ours_ist, _) in kinds.items():
        cold_py, expected = timed(ours_py)
        cold_ist, got = timed(ours_ist)
        cold_stats = client.last_stats
        key = ["trip_id"]
        if not got.sort_by([(k, "ascending") for k in key]).equals(
                expected.select(got.column_names).sort_by([(k, "ascending") for k in key])):
            sys.exit(f"dataset {name}: istziio and pyarrow.dataset answered different rows")
        result["kinds"][name] = {"title": kinds[name][2], "rows": got.num_rows, "arrow_bytes": got.nbytes,
                                 "files_read": len(cold_stats), "first_pyarrow_s": cold_py,
                                 "first_istziio_s": cold_ist,
                                 "first_istziio_cache": _count(cold_stats, "cache"),
                                 "pyarrow_s": [], "istziio_s": [], "ratios": [], "istziio_tiers": {},
                                 "istziio_cache": {}}
        print(f"dataset {name}: first reads (left out) pyarrow {cold_py:.3f} s, istziio {cold_ist:.3f} s "
              f"({_count(cold_stats, 'cache')}); {got.num_rows:,} rows, {got.nbytes / 1e6:.1f} MB, same rows",
              file=sys.stderr)

    for r in range(args.rounds):
        for name, (read_py, read_ist, _) in kinds.items():
            entry = result["kinds"][name]
            order = ("pyarrow", "istziio") if r % 2 == 0 else ("istziio", "pyarrow")
            seconds = {}
            for system in order:
                seconds[system], table = timed(read_py if system == "pyarrow" else read_ist)
                if table.num_rows != entry["rows"]:
                    sys.exit(f"dataset {name}: {system} answered {table.num_rows} rows, not {entry['rows']}")
                if system == "istziio":  # what served each file: a hit from memory, we expect
                    for field, counts in (("tier", entry["istziio_tiers"]), ("cache", entry["istziio_cache"])):
                        for value, n in _count(client.last_stats, field).items():
                            counts[value] = counts.get(value, 0) + n
            entry["pyarrow_s"].append(seconds["pyarrow"])
            entry["istziio_s"].append(seconds["istziio"])
            entry["ratios"].append(seconds["pyarrow"] / seconds["istziio"])
            print(f"dataset {name} round {r + 1}/{args.rounds} ({order[0]} first): pyarrow "
                  f"{seconds['pyarrow'] * 1e3:.1f} ms, istziio {seconds['istziio'] * 1e3:.1f} ms, "
                  f"ratio {seconds['pyarrow'] / seconds['istziio']:.2f}", file=sys.stderr)

    for name, entry in result["kinds"].items():
        entry["pyarrow_median_s"] = statistics.median(entry["pyarrow_s"])
        entry["istziio_median_s"] = statistics.median(entry["istziio_s"])
        entry["ratio_of_medians"] = entry["pyarrow_median_s"] / entry["istziio_median_s"]
        entry["ratio"] = summary(entry["ratios"])
    client.close()
    result["seconds"] = time.perf_counter() - began
    text = json.dumps(result, indent=1)
    if args.out:
        pathlib.Path(args.out).write_text(text + "\n")
    print(text)


def _count(stats, field):
    counts = {}
    for s in stats:
        counts[str(s.get(field))] = counts.get(str(s.get(field)), 0) + 1
    return counts


if __name__ == "__main__":
    main()
