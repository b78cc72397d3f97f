"""The baseline a current user would pick: pyarrow reading each object straight from S3.

Replays an istziio/ISTZIO trace (CSV: timestamp,file_index; see flight-client/cli's replay/Trace.java)
open-loop exactly as `istziio replay` does: each request is due at its arrival time (divided by
--speed), runs on a pool of --concurrency readers, and its latency counts from its due time, so time
queued behind busy readers is included and reported as start lag. Each request opens the object
with pyarrow.dataset over pyarrow.fs.S3FileSystem (Parquet footer, then ranged reads of the
projected column chunks, coalesced by pre_buffer) and reads it to the end as Arrow batches.
No cache: every request goes to the store, so point --s3-endpoint at the delayed endpoint.

    pyarrow_direct_replay.py TRACE --manifest FILE --s3-endpoint URL [--s3-region R]
        [--concurrency 16] [--speed 1] [--warmup N] [--columns A,B] [--out RECORDS.json]
        [--summary SUMMARY.json]

--out writes one record a request in `istziio replay --out x.json`'s fields (mode "pyarrow"), so
the report reads both alike; --summary writes count, mean, p50, p90, p99, max (ms) of all, cold and
warm requests, start lag and how many requests fell behind (started over 10 ms late). The first
--warmup requests run first, unscheduled, and are left out of both (a cold one among them is a first
touch all the same); the rest arrive on the trace's schedule from then on.
"""
import argparse
import concurrent.futures
import csv
import json
import os
import sys
import threading
import time
import urllib.parse

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

BEHIND_NS = 10_000_000


def read_trace(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip().lower() for h in rows[0]]
    if header not in (["timestamp", "file_index"], ["timestamp", "file"]):
        sys.exit(f"{path}:1: expected the header timestamp,file_index, found {rows[0]}")
    requests = [(int(r[0]), int(r[1])) for r in rows[1:] if r and "".join(r).strip()]
    requests.sort(key=lambda r: r[0])  # stable, as Trace.read
    return requests


def read_manifest(path, columns):
    with open(path) as f:
        text = f.read()
    tickets = {}
    if text.lstrip().startswith("["):
        for i, entry in enumerate(json.loads(text)):
            if entry.get("filter"):
                sys.exit(f"{path}: entry {i} has a filter; this baseline reads without filters")
            tickets[entry.get("index", i)] = (entry["path"], entry.get("columns"))
    else:
        for i, line in enumerate(l.strip() for l in text.splitlines() if l.strip()):
            tickets[i] = (line, None)
    if columns is not None:
        tickets = {k: (p, columns) for k, (p, _) in tickets.items()}
    return tickets


def distribution(values_ns):
    values = sorted(values_ns)
    if not values:
        return {"count": 0, "mean_ms": None, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}

    def pct(p):  # nearest rank, as HdrHistogram's getValueAtPercentile
        rank = max(1, -(-len(values) * p // 100))
        return values[int(rank) - 1] / 1e6

    return {"count": len(values), "mean_ms": sum(values) / len(values) / 1e6, "p50_ms": pct(50),
            "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": values[-1] / 1e6}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--s3-endpoint", required=True)
    parser.add_argument("--s3-region", default="us-east-1")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--columns")
    parser.add_argument("--out")
    parser.add_argument("--summary")
    args = parser.parse_args()

    trace = read_trace(args.trace)
    tickets = read_manifest(args.manifest, args.columns.split(",") if args.columns else None)
    for at, index in trace:
        if index not in tickets:
            sys.exit(f"the trace reads file {index}, which {args.manifest} does not list")
    endpoint = urllib.parse.urlparse(args.s3_endpoint)
    fs = pafs.S3FileSystem(access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
                           secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
                           region=args.s3_region, scheme=endpoint.scheme or "http",
                           endpoint_override=endpoint.netloc or args.s3_endpoint)
    # Arrow's I/O pool (8 threads by default) would otherwise cap the requests in flight to S3.
    pa.set_io_thread_count(max(8, args.concurrency))
    parquet = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=True))

    def read(sequence, at_ms, index, due, cold):
        started = time.monotonic_ns()
        lag = max(0, started - due)
        path, columns = tickets[index]
        record = {"sequence": sequence, "fileIndex": index, "path": path, "mode": "pyarrow",
                  "scheduledMillis": at_ms, "startLagNanos": lag, "routingNanos": 0,
                  "cache": "direct", "servedBy": "s3", "cold": cold, "error": None,
                  "nodeFetchNanos": -1, "nodeScanNanos": -1}
        rows = nbytes = 0
        first = -1
        try:
            dataset = ds.dataset(path[len("s3://"):], filesystem=fs, format=parquet)
            for batch in dataset.to_batches(columns=columns, use_threads=True):
                if first < 0:
                    first = time.monotonic_ns()
                rows += batch.num_rows
                nbytes += batch.nbytes
        except Exception as e:  # recorded, as the Java sources do
            record["error"] = f"{type(e).__name__}: {e}"
        end = time.monotonic_ns()
        first = end if first < 0 else first
        record.update(totalNanos=lag + end - started, rows=rows, bytes=nbytes,
                      firstBatchNanos=first - started if record["error"] is None else -1,
                      transferNanos=end - first if record["error"] is None else -1)
        return record

    touched = set()
    records = []
    lock = threading.Lock()
    start = time.monotonic_ns()
    offset_ms = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        futures = []
        for sequence, (at_ms, index) in enumerate(trace):
            if sequence == args.warmup and args.warmup > 0:
                # As the Java replayer: the warm-up runs unscheduled, then the clock starts.
                concurrent.futures.wait(futures)
                start, offset_ms = time.monotonic_ns(), at_ms
            due = (time.monotonic_ns() if sequence < args.warmup
                   else start + int((at_ms - offset_ms) * 1_000_000 / args.speed))
            wait = due - time.monotonic_ns()
            if wait > 0:
                time.sleep(wait / 1e9)
            cold = index not in touched
            touched.add(index)
            futures.append(pool.submit(read, sequence, at_ms, index, due, cold))
        for future in futures:
            with lock:
                records.append(future.result())
    records.sort(key=lambda r: r["sequence"])
    measured = records[args.warmup:]
    ok = [r for r in measured if r["error"] is None]
    if measured:
        first_due = min(r["scheduledMillis"] for r in measured) / args.speed * 1e6
        last_end = max(r["scheduledMillis"] / args.speed * 1e6 + r["totalNanos"] for r in measured)
        wall_s = max(1e-9, (last_end - first_due) / 1e9)
    else:
        wall_s = float("nan")
    summary = {
        "mode": "pyarrow", "pyarrow": pa.__version__, "requests": len(measured),
        "warmup_discarded": len(records) - len(measured),
        "failed": len(measured) - len(ok), "concurrency": args.concurrency,
        "requests_per_s": len(measured) / wall_s if measured else None,
        "mb_per_s": sum(r["bytes"] for r in ok) / 1e6 / wall_s if measured else None,
        "total": distribution([r["totalNanos"] for r in ok]),
        "cold": distribution([r["totalNanos"] for r in ok if r["cold"]]),
        "warm": distribution([r["totalNanos"] for r in ok if not r["cold"]]),
        "first_batch": distribution([r["firstBatchNanos"] for r in ok]),
        "start_lag": distribution([r["startLagNanos"] for r in measured]),
        "fell_behind": sum(1 for r in measured if r["startLagNanos"] > BEHIND_NS),
        "errors": [r["error"] for r in measured if r["error"]][:3],
    }
    if args.out:
        with open(args.out, "w") as f:
            json.dump(measured, f, indent=1)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=2)
    lag = summary["start_lag"]
    print(f"pyarrow: {summary['requests']} requests ({summary['warmup_discarded']} warm-up discarded), "
          f"{summary['failed']} failed, {summary['requests_per_s']:.1f} requests/s")
    print(f"kept up with the trace (max start lag {lag['max_ms'] or 0:.1f} ms)" if summary["fell_behind"] == 0
          else f"FELL BEHIND: {summary['fell_behind']} requests started over 10 ms late "
               f"(max start lag {lag['max_ms']:.1f} ms); raise --concurrency")
    print(f"{'(ms)':16} {'count':>7} {'mean':>9} {'p50':>9} {'p90':>9} {'p99':>9} {'max':>9}")
    for name in ("total", "cold", "warm", "first_batch", "start_lag"):
        d = summary[name]
        if d["count"]:
            print(f"{name:16} {d['count']:7d} {d['mean_ms']:9.2f} {d['p50_ms']:9.2f} {d['p90_ms']:9.2f} "
                  f"{d['p99_ms']:9.2f} {d['max_ms']:9.2f}")
    for error in summary["errors"]:
        print("failed:", error)
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
