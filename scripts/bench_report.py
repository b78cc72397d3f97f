"""Turns scripts/bench's raw results into results.json, results.md and PNGs.

    bench_report.py RESULTS_DIR

Reads RESULTS_DIR/settings.json (latency, bandwidth, CPU split, commit), the replays' per-request
records (W.json = istziio, W-direct.json = no cache, W-pyarrow.json = pyarrow from S3), the hit
rates (rate-SIZE-istziio.json, rate-SIZE-peer.json), streaming.json, pushdown.json and dataset.json
(scripts/python/dataset_bench.py: a hive table through the istziio package against pyarrow.dataset)
and spread.json (scripts/spread-bench: requests per node of a Zipf 1.2 replay, load spreading off and on).
"""
import json
import math
import pathlib
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

WORKLOADS = ["1MB", "100MB", "parallel", "serial", "projected"]
WORKLOAD_TITLES = {"1MB": "1MB (ISTZIO's, Zipf over 1 MB files)", "100MB": "100MB (~100 MB files)",
                   "parallel": "parallel (bursts of 16)", "serial": "serial (one at a time)",
                   "projected": "projected (1 MB files, 2 of 20 columns)"}
SYSTEMS = [("istziio", "", "istziio", "tab:blue"), ("direct", "-direct", "no cache", "tab:orange"),
           ("pyarrow", "-pyarrow", "pyarrow from S3", "tab:green")]
RATE_SIZES = [("tiny", "tiny (64 rows x 2 float64, ~1 KB)"), ("1000", "1,000 rows x 20 float64"),
              ("1MB", "ISTZIO 1 MB (5,500 rows x 20 float64)")]
TARGETS = {"1MB": 10.0, "100MB": 5.0}  # warm speed-up over the no-cache baseline
BEHIND_NS = 10_000_000


def percentile(values, p):
    """Nearest rank, as HdrHistogram's getValueAtPercentile and the pyarrow replay."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * p / 100)) - 1]


def stats(records):
    values = [r["totalNanos"] / 1e6 for r in records if r["error"] is None]
    return {"count": len(values), "failed": sum(1 for r in records if r["error"] is not None),
            "mean_ms": sum(values) / len(values) if values else float("nan"),
            "p50_ms": percentile(values, 50), "p90_ms": percentile(values, 90),
            "p99_ms": percentile(values, 99), "max_ms": max(values) if values else float("nan")}


def lag(records):
    lags = [r["startLagNanos"] / 1e6 for r in records]
    return {"p99_ms": percentile(lags, 99), "max_ms": max(lags) if lags else float("nan"),
            "fell_behind": sum(1 for r in records if r["startLagNanos"] > BEHIND_NS)}


def load(path):
    return json.loads(path.read_text()) if path.exists() else []


def last_json_line(path):
    if not path.exists():
        return None
    try:  # a whole file of JSON (an object)
        whole = json.loads(path.read_text())
        return whole if isinstance(whole, dict) else None
    except ValueError:
        pass
    lines = [l for l in path.read_text().splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def div(a, b):
    try:
        return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")
    except TypeError:
        return float("nan")


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def settings_line(s):
    split = (f"servers on CPU {s['node_cpus']}, clients on CPU {s['client_cpus']}"
             if s.get("node_cpus") and s.get("client_cpus") else "no CPU pinning")
    return (f"S3 {fmt(s['latency_ms'], 0)} ms + {fmt(s['mb_per_s'], 0)} MB/s per connection; {split} "
            f"({s['cpus']} CPUs); commit {s['commit']}{'; --quick' if s.get('quick') else ''}")


def stamp(figure, s):
    figure.text(0.01, 0.005, settings_line(s), fontsize=7, color="0.35", ha="left", va="bottom")


def main():
    results = pathlib.Path(sys.argv[1])
    settings = load(results / "settings.json") or {}
    if not settings:  # the old calling convention: RESULTS_DIR LATENCY MBPS
        settings = {"latency_ms": float(sys.argv[2]), "mb_per_s": float(sys.argv[3]), "node_cpus": "",
                    "client_cpus": "", "cpus": "?", "commit": "unknown"}
    report = {"settings": settings, "workloads": {}, "hit_rate": {}}
    ratios = []  # (figure, istziio, compared with, its value, istziio's advantage)
    details = []

    # --- replays ---
    for workload in WORKLOADS:
        records = {mode: load(results / f"{workload}{suffix}.json") for mode, suffix, _, _ in SYSTEMS}
        if not any(records.values()):
            continue
        entry = {}
        details += [f"### {WORKLOAD_TITLES[workload]}", "",
                    "| requests | system | mean | p50 | p90 | p99 | max | start lag p99 | fell behind |",
                    "|---|---|---|---|---|---|---|---|---|"]
        for part, keep in (("all", lambda r: True), ("cold", lambda r: r["cold"]), ("warm", lambda r: not r["cold"])):
            entry[part] = {}
            for mode, _, label, _ in SYSTEMS:
                chosen = [r for r in records[mode] if keep(r)]
                figures = stats(chosen)
                figures["start_lag"] = lag(chosen)
                entry[part][mode] = figures
                if records[mode]:
                    details.append(
                        f"| {part} ({figures['count']}, {figures['failed']} failed) | {label} | {fmt(figures['mean_ms'])} "
                        f"| {fmt(figures['p50_ms'])} | {fmt(figures['p90_ms'])} | {fmt(figures['p99_ms'])} "
                        f"| {fmt(figures['max_ms'])} | {fmt(figures['start_lag']['p99_ms'])} "
                        f"| {figures['start_lag']['fell_behind']} |")
        cache = records["istziio"]
        entry["hit_ratio"] = div(sum(1 for r in cache if r.get("cache") == "hit"), len(cache))
        warm = entry["warm"]
        for key, name in (("mean_ms", "mean"), ("p50_ms", "p50")):
            for mode, label in (("direct", "no cache"), ("pyarrow", "pyarrow from S3")):
                ratios.append((f"{workload} warm {name}, ms", warm["istziio"][key], label, warm[mode][key],
                               div(warm[mode][key], warm["istziio"][key]), "x faster"))
        behind = {mode: entry["all"][mode]["start_lag"]["fell_behind"] for mode, _, _, _ in SYSTEMS if records[mode]}
        details += ["", f"Hit ratio {fmt(100 * entry['hit_ratio'])}%. Fell behind the trace (requests started over "
                    "10 ms late): " + ", ".join(f"{m} {n}" for m, n in behind.items())
                    + (" — the figures of a system that fell behind include queueing." if any(behind.values()) else "")]
        if workload in TARGETS:
            speedup = div(warm["direct"]["mean_ms"], warm["istziio"]["mean_ms"])
            entry["target_warm_speedup"] = TARGETS[workload]
            details += ["", f"Warm speed-up over no cache {fmt(speedup)}x against the target "
                        f"{TARGETS[workload]:.0f}x: " + ("met." if speedup >= TARGETS[workload] else "missed.")]
        details += ["", f"![{workload}]({workload}.png)", ""]
        report["workloads"][workload] = entry
        plot_cdf(workload, records, settings, results / f"{workload}.png")

    # --- hit rate against the peer ---
    rate_lines = []
    for size, title in RATE_SIZES:
        a, b = last_json_line(results / f"rate-{size}-istziio.json"), last_json_line(results / f"rate-{size}-peer.json")
        if not a and not b:
            continue
        a, b = a or {}, b or {}
        same = bool(a) and bool(b) and a.get("digest") == b.get("digest") and a.get("rows_per_pass") == b.get("rows_per_pass")
        report["hit_rate"][size] = {"istziio": a, "peer": b, "same_answers": same}
        ratios.append((f"{size} hits, DoGets/s", a.get("requests_per_s"), "peer (Arrow C++)",
                       b.get("requests_per_s"), div(a.get("requests_per_s"), b.get("requests_per_s")), "x"))
        rate_lines.append(f"| {title} | {fmt(a.get('requests_per_s'), 0)} ({a.get('failed', 'n/a')} failed) "
                          f"| {fmt(b.get('requests_per_s'), 0)} ({b.get('failed', 'n/a')} failed) "
                          f"| {fmt(div(a.get('requests_per_s'), b.get('requests_per_s')), 2)} "
                          f"| {'yes' if same else 'NO'} ({a.get('rows_per_pass', '?')} / {b.get('rows_per_pass', '?')} rows a pass) |")
    if rate_lines:
        rate_lines.append("")
    before, after = last_json_line(results / "node-stats-before-rates.json"), last_json_line(results / "node-stats-after-rates.json")
    node_delta = None
    if before and after:
        node_delta = {k: after.get(k, 0) - before.get(k, 0) for k in ("hits", "misses", "bypasses", "misroutedDoGets")
                      if isinstance(after.get(k), int) and isinstance(before.get(k), int)}
        report["hit_rate_node_counters"] = node_delta
    streaming = last_json_line(results / "streaming.json")
    if streaming:
        report["streaming"] = streaming
        ist, peer, loop = (streaming.get("istziio_gb_per_s"), streaming.get("peer_gb_per_s"),
                           streaming.get("loopback_tcp_gb_per_s"))
        ratios.append(("one-stream 100 MB hit, GB/s", ist, "peer (Arrow C++)", peer, div(ist, peer), "x"))
        ratios.append(("one-stream 100 MB hit, GB/s", ist, "loopback TCP", loop, div(ist, loop), "x"))
    pushdown = last_json_line(results / "pushdown.json")
    if pushdown:
        report["pushdown"] = pushdown
    slow = last_json_line(results / "slow-readers.json")
    if slow:
        report["slow_readers"] = slow
    dataset = last_json_line(results / "dataset.json")
    dataset_lines = []
    if dataset:
        report["dataset"] = dataset
        for name, entry in dataset.get("kinds", {}).items():
            if not entry.get("istziio_s"):
                continue
            ratios.append((f"hive table, {entry['title']}, warm median ms", 1e3 * entry["istziio_median_s"],
                           "pyarrow.dataset from S3", 1e3 * entry["pyarrow_median_s"], entry["ratio_of_medians"],
                           "x faster"))
            ratio = entry["ratio"]
            reads = sum(entry["istziio_tiers"].values())
            served = (", ".join(f"{n} {k} tier" for k, n in sorted(entry["istziio_tiers"].items())) + "; "
                      + ", ".join(f"{n} {k}" for k, n in sorted(entry["istziio_cache"].items()))
                      + f" (of {reads} file reads)")
            first = ", ".join(f"{n} {k}" for k, n in sorted(entry.get("first_istziio_cache", {}).items()))
            dataset_lines.append(
                f"| {entry['title']} | {entry['files_read']} | {entry['rows']:,} | {fmt(entry['arrow_bytes'] / 1e6)} "
                f"| {fmt(1e3 * entry['pyarrow_median_s'])} | {fmt(1e3 * entry['istziio_median_s'])} "
                f"| {fmt(entry['ratio_of_medians'], 2)}x | {fmt(ratio['median'], 2)}x ({fmt(ratio['min'], 2)}–{fmt(ratio['max'], 2)}) "
                f"| {fmt(1e3 * entry['first_pyarrow_s'])} / {fmt(1e3 * entry['first_istziio_s'])} ({first}) | {served} |")
    spread = load(results / "spread.json") or None
    if spread:
        report["spread"] = spread
    if report["hit_rate"] or streaming:
        plot_rates(report["hit_rate"], streaming, settings, results / "rates.png")

    # --- results.md ---
    s = settings
    md = ["# istziio end-to-end benchmark", "",
          f"**Settings**: {settings_line(s)}. {s.get('date', '')}, {s.get('java', '')}.", "",
          "**CPU split**: " + (
              f"the istziio nodes and the peer server run pinned to CPU {s['node_cpus']}, every client (the replays, "
              f"the Java load client, the pyarrow baseline) to CPU {s['client_cpus']} (`taskset -c`), as a client "
              "and a server on separate machines; the far side (S3Proxy, the delay proxy, Redis) is not pinned."
              if s.get("node_cpus") and s.get("client_cpus") else "nothing pinned: clients and servers share every CPU."),
          "",
          "**Systems**: istziio = 3 nodes, routed by the client; no cache = the whole object fetched from S3 and "
          "decoded in the client (ISTZIO's way); pyarrow from S3 = `pyarrow.dataset` over `S3FileSystem` "
          "(footer, then ranged reads of the column chunks), no cache; peer = an Arrow C++ Flight server (pyarrow) "
          "holding the same files decoded in memory, sent the same ticket. Replays are open loop, 32 readers, "
          "latency counted from each request's arrival (queueing included); a warm-up at the start of each trace is "
          "left out, and the order of istziio and no cache alternates between workloads. Hit rates: closed loop, "
          f"{s.get('inflight', 8)} DoGets in flight from one Java client process with plain Flight clients, "
          f"{s.get('rate_seconds', '?')} s each, every file held by the server before the clock starts.", "",
          "## Ratios", "",
          "Advantage: istziio's figure against the other's, >1 when istziio is better (rates: istziio/other; "
          "latencies: other/istziio).", "",
          "| figure | istziio | against | its figure | istziio's advantage |", "|---|---|---|---|---|"]
    for figure, ours, other, theirs, advantage, unit in ratios:
        digits = 3 if "GB/s" in figure else (0 if "DoGets" in figure else 1)
        md.append(f"| {figure} | {fmt(ours, digits)} | {other} | {fmt(theirs, digits)} | {fmt(advantage, 2)}x |")
    md += [""]
    if rate_lines:
        md += ["## Hit rate against the peer", "",
               "| files | istziio DoGets/s | peer DoGets/s | istziio/peer | same answers (rows and a digest of every value) |",
               "|---|---|---|---|---|"] + rate_lines
        if node_delta:
            md += ["The istziio node's counters over the hit-rate runs (warming included): "
                   + ", ".join(f"{v:,} {k}" for k, v in node_delta.items())
                   + " (misrouted: DoGets for files it does not own, served all the same).", ""]
    if streaming:
        md += ["## One stream of a ~100 MB hit", "",
               f"istziio {fmt(streaming.get('istziio_gb_per_s'), 3)} GB/s ({streaming.get('istziio_reads')} reads), "
               f"peer {fmt(streaming.get('peer_gb_per_s'), 3)} GB/s ({streaming.get('peer_reads')} reads), loopback TCP "
               f"{fmt(streaming.get('loopback_tcp_gb_per_s'), 3)} GB/s, measured in the same run (Arrow buffer bytes "
               "received per second; target 1 GB/s).", "", "![rates](rates.png)", ""]
    if slow:
        md += ["## Slow readers", "",
               f"{slow['readers']} streams of the ~100 MB hit, each taking one batch a second for "
               f"{slow['seconds']} s: the node's RSS went from {slow['rss_before_mb']} MB to a peak of "
               f"{slow['rss_peak_mb']} MB (growth {slow['growth_mb']} MB; target under 256 MB) and was "
               f"{slow['rss_after_mb']} MB after they left ({slow['after_over_before']}x the start; "
               "target 1.0 +/- 0.1).", ""]
    if dataset_lines:
        md += ["## Datasets", "",
               f"A hive table in S3, `{dataset['table']}` (year=Y/month=MM, {dataset['files']} files, "
               f"{fmt(dataset['file_bytes'] / 1e6)} MB of Parquet, {dataset['rows_per_file']:,} taxi-trip rows of 13 "
               "columns a file), read whole by a Python client on the client CPU: `pyarrow.dataset.dataset(prefix, "
               "filesystem=S3FileSystem(<the delayed endpoint>), partitioning=\"hive\").to_table(filter=...)` "
               f"(pyarrow {dataset['pyarrow']}, {dataset['io_threads']} I/O threads, {dataset['cpu_threads']} CPU "
               f"thread(s)) against `istziio.connect(nodes).read_table(\"{dataset['table']}\", filter=...)` "
               f"({dataset['client_parallelism']} files at once). After one read of each, left out (istziio's is the "
               f"cache's miss), {dataset['rounds']} rounds, the order alternating; each read timed from the call to the "
               "whole table in hand, listing included (pyarrow: S3 LIST through the distance; istziio: GetFlightInfo). "
               "Ratio: pyarrow's time over istziio's (>1: istziio faster). Both answers were checked to hold the same "
               "rows (every value) on the first read.", "",
               "| read | files | rows | Arrow MB | pyarrow.dataset median ms | istziio median ms | ratio of medians "
               "| per-round ratio median (min–max) | first read ms, pyarrow / istziio (left out) | istziio served from |",
               "|---|---|---|---|---|---|---|---|---|---|"] + dataset_lines + [""]
    if spread and spread.get("off") and spread.get("on"):
        md += ["## Hot files spread over their owners", "",
               f"One client replays a Zipf {spread['zipf']} trace ({spread['requests']} requests over "
               f"{spread['files']} ~1 MB files, mean gap {spread['mean_gap_ms']} ms, {spread['concurrency']} readers) "
               "with load spreading off (`--no-spread`), then on, over the same files evicted from every node before "
               "each; requests per node are the nodes' `doGets` before and after (scripts/spread-bench).", "",
               "| spreading | requests per node | busiest over the mean | target |", "|---|---|---|---|"]
        for key in ("off", "on"):
            entry = spread[key]
            counts = ", ".join(f"{n} {c}" for n, c in entry["requests_per_node"].items())
            met = "" if key == "off" else ("met" if entry["busiest_over_mean"] <= spread["target"] else "missed")
            md.append(f"| {key} | {counts} | {fmt(entry['busiest_over_mean'], 2)}x | "
                      f"{'' if key == 'off' else '<= ' + str(spread['target']) + 'x: ' + met} |")
        md += [""]
    if report["workloads"]:
        md += ["## Workloads (latency in ms, from each request's arrival)", ""] + details
    if pushdown:
        md += ["## Pushdown, 1% of a sorted ~100 MB file", "",
               f"{pushdown['pushdown_ms']} ms and {pushdown['pushdown_mb']} MB against {pushdown['full_ms']} ms and "
               f"{pushdown['full_mb']} MB: {pushdown['time_ratio']}x faster, {pushdown['bytes_ratio']}x fewer bytes "
               "(targets 10x, 20x)", ""]
    (results / "results.json").write_text(json.dumps(report, indent=2, default=str))
    (results / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


def plot_cdf(workload, records, settings, target):
    """Step CDFs of latency from 0, warm and cold side by side, every system."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for axis, cold in zip(axes, (False, True)):
        right = 0
        for mode, _, label, color in SYSTEMS:
            values = sorted(r["totalNanos"] / 1e6 for r in records[mode] if r["cold"] == cold and r["error"] is None)
            if not values:
                continue
            # From (0, 0): flat at 0 up to the fastest request, then one step per request.
            xs = [0.0] + values
            ys = [0.0] + [(i + 1) / len(values) for i in range(len(values))]
            axis.step(xs, ys, where="post", color=color,
                      label=f"{label} ({len(values)}; p50 {fmt(percentile(values, 50))}, p99 {fmt(percentile(values, 99))} ms)")
            right = max(right, percentile(values, 99))
        axis.set_xlim(0, right * 1.1 if right > 0 else 1)
        axis.set_ylim(0, 1.02)
        axis.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_xlabel("latency, ms (x axis up to the slowest p99)")
        axis.set_ylabel("fraction of requests")
        axis.set_title(f"{'cold (first touch of a file)' if cold else 'warm'}")
        axis.grid(True, alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(loc="lower right", fontsize=7)
    figure.suptitle(f"{WORKLOAD_TITLES[workload]}: latency from arrival")
    stamp(figure, settings)
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(target, dpi=110)
    plt.close(figure)


def plot_rates(rates, streaming, settings, target):
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = [size for size, _ in RATE_SIZES if size in rates]
    for k, (who, color) in enumerate((("istziio", "tab:blue"), ("peer", "tab:purple"))):
        values = [rates[size][who].get("requests_per_s") or 0 for size in sizes]
        axes[0].bar([i + k * 0.4 for i in range(len(sizes))], values, 0.4, color=color, label=who)
    axes[0].set_xticks([i + 0.2 for i in range(len(sizes))], sizes)
    axes[0].set_ylabel("DoGets/s (closed loop, 8 in flight)")
    axes[0].set_title("hits per second")
    axes[0].legend(fontsize=8)
    axes[0].grid(True, axis="y", alpha=0.3)
    if streaming:
        names = ["istziio", "peer", "loopback TCP"]
        values = [streaming.get("istziio_gb_per_s") or 0, streaming.get("peer_gb_per_s") or 0,
                  streaming.get("loopback_tcp_gb_per_s") or 0]
        axes[1].bar(names, values, color=["tab:blue", "tab:purple", "0.6"])
        axes[1].set_ylabel("GB/s, one stream")
        axes[1].set_title("one stream of a ~100 MB hit")
        axes[1].grid(True, axis="y", alpha=0.3)
    stamp(figure, settings)
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(target, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main()
